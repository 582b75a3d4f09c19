package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// phaseColumn is the timestamp column set when a task enters each state.
var phaseColumn = map[domain.State]string{
	domain.StateQueued:           "queued_at",
	domain.StateInProgress:       "started_at",
	domain.StateAwaitingApproval: "awaiting_approval_at",
	domain.StateApproved:         "approved_at",
	domain.StateSubmitting:       "submitting_at",
	domain.StateSubmitted:        "submitted_at",
	domain.StatePaused:           "paused_at",
	domain.StateFailed:           "failed_at",
	domain.StateCancelled:        "cancelled_at",
}

// Lease identifies the worker holding a task in in_progress or submitting.
type Lease struct {
	Token domain.ID
	Owner string
}

// TransitionParams describe one move of one task.
type TransitionParams struct {
	TaskID domain.ID
	From   domain.State
	To     domain.State
	Actor  string
	Reason string

	// Fence, when set, makes the write also require this lease token, so a
	// worker whose task was taken back by the sweeper changes nothing.
	Fence domain.ID
	// Lease is set on entering in_progress (attempts are counted then).
	Lease *Lease
	// Priority, when non-zero, replaces the task's priority (resume boosts).
	Priority int
	// LastError, when non-nil, replaces the task's last error.
	LastError *string
	// Packet, when non-nil, stores the application packet (JSON).
	Packet []byte
	// RiverJobID, when non-zero, records the River job now responsible.
	RiverJobID int64
}

// TransitionTx moves one task from p.From to p.To inside tx: it validates the
// move against the state machine, writes the row guarded by the current state
// (and lease, when fenced), sets the phase timestamp and inserts the
// task_transitions row; the move is counted and logged once tx commits. It
// returns a *domain.TransitionError for an illegal move (nothing is written)
// or a lost race, and ENOTFOUND when the task does not exist.
func (db *DB) TransitionTx(ctx context.Context, tx pgx.Tx, p TransitionParams) (*domain.Task, error) {
	if !domain.CanTransition(p.From, p.To) {
		return nil, &domain.TransitionError{TaskID: p.TaskID, From: p.From, To: p.To, Illegal: true}
	}
	sets := []string{"state = $3", "updated_at = now()", phaseColumn[p.To] + " = now()", "state_reason = $4"}
	args := []any{p.TaskID, p.From, p.To, p.Reason}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case p.To == domain.StateInProgress:
		if p.Lease == nil {
			return nil, errors.New("postgres: entering in_progress needs a lease")
		}
		sets = append(sets, "attempts = attempts + 1", "lease_token = "+arg(p.Lease.Token), "lease_owner = "+arg(p.Lease.Owner), "heartbeat_at = now()")
	case p.To == domain.StateSubmitting:
		// A worker keeps its lease through submitting; approval continuations
		// take a fresh one.
		if p.Lease != nil {
			sets = append(sets, "lease_token = "+arg(p.Lease.Token), "lease_owner = "+arg(p.Lease.Owner))
		}
		sets = append(sets, "heartbeat_at = now()")
	default:
		sets = append(sets, "lease_token = NULL", "lease_owner = NULL", "heartbeat_at = NULL")
	}
	if p.Priority != 0 {
		sets = append(sets, "priority = "+arg(p.Priority))
	}
	if p.LastError != nil {
		sets = append(sets, "last_error = "+arg(*p.LastError))
	}
	if p.Packet != nil {
		sets = append(sets, "packet = "+arg(p.Packet))
	}
	if p.RiverJobID != 0 {
		sets = append(sets, "river_job_id = "+arg(p.RiverJobID))
	}
	where := "id = $1 AND state = $2"
	if !p.Fence.IsZero() {
		where += " AND lease_token = " + arg(p.Fence)
	}
	query := "UPDATE application_tasks SET " + strings.Join(sets, ", ") + " WHERE " + where + " RETURNING " + taskColumns
	task, err := scanTask(tx.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, db.raceError(ctx, tx, p)
	}
	if err != nil {
		return nil, fmt.Errorf("transition %s → %s: %w", p.From, p.To, err)
	}
	// The transition row and the live-view notification (payload: the owner;
	// Postgres folds repeats within one transaction) in one round trip.
	if _, err := tx.Exec(ctx, `WITH tr AS (INSERT INTO task_transitions (task_id, from_state, to_state, actor, reason) VALUES ($1, $2, $3, $4, $5))
		SELECT pg_notify($6, $7)`, p.TaskID, p.From, p.To, p.Actor, p.Reason, domain.NotifyTasks, task.UserID.String()); err != nil {
		return nil, fmt.Errorf("recording transition: %w", err)
	}
	if p.From == domain.StateAwaitingApproval && p.To == domain.StateCancelled {
		// Cancelling a task that waits for approval closes its request: a
		// later decision answers 409, and waiting workers let go.
		if _, err := tx.Exec(ctx, `WITH closed AS (UPDATE approval_requests SET status = 'rejected', decided_at = now(), decided_by = $2
			WHERE task_id = $1 AND status = 'pending' RETURNING task_id) SELECT pg_notify($3, $1::text) FROM closed`,
			p.TaskID, p.Actor, domain.NotifyApprovals); err != nil {
			return nil, fmt.Errorf("closing the approval request: %w", err)
		}
	}
	// The metric and the log line describe a committed move: they follow the
	// transaction (and savepoint) the move is written in.
	h := db.Hooks.Transition
	db.afterCommit(tx, func() {
		if h != nil {
			h(p.From, p.To)
		}
		db.log.Info("task transition",
			zap.Stringer("task_id", task.ID), zap.Stringer("run_id", task.RunID),
			zap.String("from", string(p.From)), zap.String("to", string(p.To)),
			zap.String("actor", p.Actor), zap.String("reason", p.Reason))
	})
	return task, nil
}

// raceError explains a guarded write that matched no row.
func (db *DB) raceError(ctx context.Context, tx pgx.Tx, p TransitionParams) error {
	var current domain.State
	err := tx.QueryRow(ctx, `SELECT state FROM application_tasks WHERE id = $1`, p.TaskID).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "task %s not found", p.TaskID)
	}
	if err != nil {
		return err
	}
	return &domain.TransitionError{TaskID: p.TaskID, From: p.From, To: p.To, Current: current}
}

// transitionRows records the creation of new tasks (from nothing to queued).
func (db *DB) insertCreationTransitions(ctx context.Context, tx pgx.Tx, userID domain.ID, ids []domain.ID, actor, reason string) error {
	if h := db.Hooks.Transition; h != nil {
		n := len(ids)
		db.afterCommit(tx, func() {
			for range n {
				h("", domain.StateQueued)
			}
		})
	}
	_, err := tx.Exec(ctx, `WITH tr AS (INSERT INTO task_transitions (task_id, from_state, to_state, actor, reason)
		SELECT id, NULL, 'queued', $2, $3 FROM unnest($1::uuid[]) AS t(id))
		SELECT pg_notify($4, $5)`, ids, actor, reason, domain.NotifyTasks, userID.String())
	return err
}
