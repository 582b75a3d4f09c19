package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

// approvalColumns reads a request; a pending one past expires_at reads as
// expired (on the database's clock) even before the sweeper marks it.
const approvalColumns = `id, task_id, user_id,
	CASE WHEN status = 'pending' AND expires_at <= statement_timestamp() THEN 'expired'::approval_status ELSE status END,
	packet, created_at, expires_at, decided_at, coalesce(decided_by, '')`

func scanApproval(row pgx.Row) (*domain.Approval, error) {
	var a domain.Approval
	if err := row.Scan(&a.ID, &a.TaskID, &a.UserID, &a.Status, &a.Packet, &a.CreatedAt, &a.ExpiresAt, &a.DecidedAt, &a.DecidedBy); err != nil {
		return nil, err
	}
	return &a, nil
}

// RequestApprovalTx creates the approval request for a task holding the
// packet to submit, and moves the task in_progress → awaiting_approval with
// the packet stored, fenced by the worker's lease. One open request per task
// is enforced by the database.
func (db *DB) RequestApprovalTx(ctx context.Context, tx pgx.Tx, task *domain.Task, packet []byte, tokenHash []byte, ttl time.Duration, fence domain.ID) (*domain.Approval, error) {
	if _, err := db.TransitionTx(ctx, tx, TransitionParams{
		TaskID: task.ID, From: domain.StateInProgress, To: domain.StateAwaitingApproval,
		Actor: domain.ActorWorker, Fence: fence, Packet: packet,
	}); err != nil {
		return nil, err
	}
	return scanApproval(tx.QueryRow(ctx, `INSERT INTO approval_requests (id, task_id, user_id, token_hash, packet, expires_at)
		VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING `+approvalColumns,
		domain.NewID(), task.ID, task.UserID, tokenHash, packet, ttl.Seconds()))
}

// ApprovalKey finds an approval request: by its link token (no sign-in
// needed: the token is the credential), or by id for its signed-in owner.
type ApprovalKey struct {
	TokenHash []byte
	ID        domain.ID
	UserID    domain.ID
}

func (k ApprovalKey) where() (string, []any) {
	if k.TokenHash != nil {
		return "token_hash = $1", []any{k.TokenHash}
	}
	return "id = $1 AND user_id = $2", []any{k.ID, k.UserID}
}

// GetApproval returns one approval request. It changes nothing.
func (db *DB) GetApproval(ctx context.Context, key ApprovalKey) (*domain.Approval, error) {
	where, args := key.where()
	a, err := scanApproval(db.Pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approval_requests WHERE `+where, args...))
	return a, notFound(err, "approval request")
}

// TaskApproval returns the task's latest approval request, or nil.
func (db *DB) TaskApproval(ctx context.Context, taskID domain.ID) (*domain.Approval, error) {
	a, err := scanApproval(db.Pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approval_requests WHERE task_id = $1 ORDER BY created_at DESC LIMIT 1`, taskID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return a, err
}

// ListApprovals returns the user's approval requests with status, newest
// first (the inbox across all runs).
func (db *DB) ListApprovals(ctx context.Context, userID domain.ID, status domain.ApprovalStatus, cursor string, limit int) ([]*domain.Approval, string, error) {
	q, err := newListQuery(approvalsNewest, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	q.Where("user_id = " + q.Arg(userID))
	q.Where("status = " + q.Arg(status))
	sql, args := q.SQL(`SELECT ` + approvalColumns + ` FROM approval_requests`)
	rows, _ := db.Pool.Query(ctx, sql, args...)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Approval, error) { return scanApproval(r) })
	if err != nil {
		return nil, "", err
	}
	list, next := nextPage(q, list, func(a *domain.Approval) domain.Cursor { return domain.Cursor{Time: a.CreatedAt, ID: a.ID} })
	return list, next, nil
}

// Decide records a decision about an approval request, moves its task
// (awaiting_approval → approved, with a River job that continues it; or →
// cancelled with reason rejected) and NOTIFYs the workers, in one transaction.
//
// Repeating the decision already made returns the same result; the opposite
// decision is ECONFLICT; any decision at or after expires_at is EGONE and
// changes nothing. Expiry is judged on the database's clock by the deciding
// statement itself, never on the caller's. decidedBy names the actor.
//
// Locks are taken in the one order every writer of approvals uses: the task
// row, then its approval request.
func (db *DB) Decide(ctx context.Context, key ApprovalKey, d domain.Decision, decidedBy string) (*domain.Approval, error) {
	var out *domain.Approval
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		where, args := key.where()
		var taskID domain.ID
		if err := tx.QueryRow(ctx, `SELECT task_id FROM approval_requests WHERE `+where, args...).Scan(&taskID); err != nil {
			return notFound(err, "approval request")
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM application_tasks WHERE id = $1 FOR UPDATE`, taskID); err != nil {
			return err
		}
		a, err := scanApproval(tx.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approval_requests WHERE `+where+` FOR UPDATE`, args...))
		if err != nil {
			return notFound(err, "approval request")
		}
		switch {
		case a.Status == d.Status():
			out = a // the same decision again: the same answer
			return nil
		case a.Status == domain.ApprovalExpired: // marked, or past expires_at
			return approvalGone(a)
		case a.Status != domain.ApprovalPending:
			return domain.Errorf(domain.ECONFLICT, "this request was already %s", a.Status).WithDetails(map[string]any{"status": string(a.Status)})
		}
		out, err = scanApproval(tx.QueryRow(ctx, `UPDATE approval_requests SET status = $2, decided_at = statement_timestamp(), decided_by = $3
			WHERE id = $1 AND status = 'pending' AND expires_at > statement_timestamp() RETURNING `+approvalColumns, a.ID, d.Status(), decidedBy))
		if errors.Is(err, pgx.ErrNoRows) {
			return approvalGone(a) // expired between the two statements
		}
		if err != nil {
			return err
		}
		to, reason := domain.StateApproved, ""
		if d == domain.DecisionReject {
			to, reason = domain.StateCancelled, domain.ReasonRejected
		}
		task, err := db.TransitionTx(ctx, tx, TransitionParams{TaskID: a.TaskID, From: domain.StateAwaitingApproval, To: to, Actor: decidedBy, Reason: reason})
		if err != nil {
			return err
		}
		if h := db.Hooks.Decision; h != nil {
			waited := out.DecidedAt.Sub(out.CreatedAt)
			db.afterCommit(tx, func() { h(d, waited) })
		}
		if d == domain.DecisionApprove {
			// The durable path: a River job continues the task even if no
			// worker is listening right now.
			if err := db.EnqueueContinuationTx(ctx, tx, task); err != nil {
				return err
			}
		}
		return NotifyTx(ctx, tx, domain.NotifyApprovals, a.TaskID.String())
	})
	return out, err
}

func approvalGone(a *domain.Approval) error {
	return domain.Errorf(domain.EGONE, "this approval request expired at %s: resume the task to prepare a new one", a.ExpiresAt.UTC().Format(time.RFC3339)).
		WithDetails(map[string]any{"status": string(domain.ApprovalExpired), "expires_at": a.ExpiresAt})
}

// NotifyTx sends a notification, delivered when tx commits.
func NotifyTx(ctx context.Context, tx pgx.Tx, channel, payload string) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return err
}

// EnqueueContinuationTx inserts the River job that continues an approved
// task, delayed by the configured hand-off so a listening worker normally
// continues it first.
func (db *DB) EnqueueContinuationTx(ctx context.Context, tx pgx.Tx, t *domain.Task) error {
	if db.inserter == nil {
		return errors.New("postgres: this store was built without a job inserter")
	}
	id, err := db.inserter.InsertContinuationJobTx(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE application_tasks SET river_job_id = $2 WHERE id = $1`, t.ID, id)
	return err
}

// TaskStates returns the current state of each existing task in ids.
func (db *DB) TaskStates(ctx context.Context, ids []domain.ID) (map[domain.ID]domain.State, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT id, state FROM application_tasks WHERE id = ANY($1)`, ids)
	out := make(map[domain.ID]domain.State, len(ids))
	var id domain.ID
	var st domain.State
	_, err := pgx.ForEachRow(rows, []any{&id, &st}, func() error {
		out[id] = st
		return nil
	})
	return out, err
}

// TaskPacketTx returns the packet stored on a task (the one approved) and
// when the task was approved (zero if never).
func (db *DB) TaskPacketTx(ctx context.Context, tx pgx.Tx, taskID domain.ID) ([]byte, time.Time, error) {
	var p []byte
	var approvedAt *time.Time
	err := tx.QueryRow(ctx, `SELECT packet, approved_at FROM application_tasks WHERE id = $1`, taskID).Scan(&p, &approvedAt)
	if approvedAt == nil {
		return p, time.Time{}, notFound(err, "task")
	}
	return p, *approvedAt, notFound(err, "task")
}
