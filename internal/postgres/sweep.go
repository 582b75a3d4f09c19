package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

// ReasonWorkerLost is the reason recorded when the sweeper takes back a task
// whose worker stopped heartbeating.
const ReasonWorkerLost = "worker_lost"

// Heartbeat refreshes the lease of every task a worker process holds, in one
// statement, and returns how many rows it touched.
func (db *DB) Heartbeat(ctx context.Context, tokens []domain.ID) (int, error) {
	if len(tokens) == 0 {
		return 0, nil
	}
	tag, err := db.Pool.Exec(ctx, `UPDATE application_tasks SET heartbeat_at = now()
		WHERE lease_token = ANY($1) AND state IN ('in_progress', 'submitting')`, tokens)
	return int(tag.RowsAffected()), err
}

// RecoverResult counts what RecoverStuck did.
type RecoverResult struct {
	Requeued int // in_progress → queued, with a new River job
	Failed   int // in_progress → failed, attempts exhausted
	Paused   int // submitting → paused, outcome unknown
}

// SweepSQL holds each sweep query, for EXPLAIN in tests and the README.
var SweepSQL = map[string]string{
	"stuck": `SELECT ` + taskColumns + ` FROM application_tasks
		WHERE state IN ('in_progress', 'submitting') AND heartbeat_at < $1
		ORDER BY heartbeat_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
	// Tasks first, in id order (the one lock order of task and approval
	// rows); expiry on the database's clock, as decisions judge it.
	"expired_approvals": `SELECT t.id FROM application_tasks t
		WHERE t.id IN (SELECT a.task_id FROM approval_requests a
		               WHERE a.status = 'pending' AND a.expires_at <= statement_timestamp()
		               ORDER BY a.expires_at LIMIT $1)
		ORDER BY t.id FOR UPDATE OF t SKIP LOCKED`,
	"orphans": `SELECT ` + taskColumns + ` FROM application_tasks WHERE id IN (
		SELECT t.id FROM application_tasks t
		WHERE t.state IN ('queued', 'approved') AND t.updated_at < $1
		  -- A job "running" for a task still waiting belongs to a worker that
		  -- died before claiming it (River would rescue it only after
		  -- JobTimeout + 1h); a second job is harmless: the guarded claim lets
		  -- one win.
		  AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = t.river_job_id
		                  AND (j.state IN ('available', 'scheduled', 'retryable', 'pending')
		                       OR (j.state = 'running' AND j.attempted_at >= $1)))
		  -- A paused run's queued tasks wait without a job on purpose
		  -- (parked); resuming the run enqueues them.
		  AND (t.state = 'approved' OR NOT EXISTS (SELECT 1 FROM application_runs r WHERE r.id = t.run_id AND r.status = 'paused'))
		ORDER BY t.updated_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED)`,
	"jobs_of_settled_tasks": `SELECT j.id FROM river_job j
		JOIN application_tasks t ON t.id = (j.args->>'task_id')::uuid
		WHERE j.kind = 'apply_task' AND j.state IN ('available', 'scheduled', 'retryable')
		  AND t.state IN ('submitted', 'cancelled')
		LIMIT $1 FOR UPDATE OF j SKIP LOCKED`,
	"complete_runs": `SELECT r.id FROM application_runs r
		WHERE r.status = 'active'
		  -- A correlated LIMIT 1 per active run: an index probe, never a join over settled tasks.
		  AND (SELECT true FROM application_tasks t WHERE t.run_id = r.id AND t.state IN ('submitted', 'cancelled')
		       ORDER BY t.run_id, t.state LIMIT 1)
		  AND NOT EXISTS (SELECT 1 FROM application_tasks t WHERE t.run_id = r.id
		                  AND t.state IN ('queued', 'in_progress', 'awaiting_approval', 'approved', 'submitting', 'paused', 'failed'))
		LIMIT $1 FOR UPDATE OF r SKIP LOCKED`,
}

// RecoverStuck takes back up to limit tasks whose worker stopped
// heartbeating before now-stuckAfter: in_progress → queued (new River job) or
// failed once attempts reach maxAttempts; submitting → paused with reason
// submission_outcome_unknown (never re-queued: the submission may have gone
// out). Rows another sweeper holds are skipped. Clearing the lease fences the
// stale worker out.
func (db *DB) RecoverStuck(ctx context.Context, now time.Time, stuckAfter time.Duration, maxAttempts, limit int) (RecoverResult, error) {
	var res RecoverResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, SweepSQL["stuck"], now.Add(-stuckAfter), limit)
		tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Task, error) { return scanTask(r) })
		if err != nil {
			return err
		}
		var requeue []TaskJob
		for _, t := range tasks {
			p := TransitionParams{TaskID: t.ID, From: t.State, Actor: domain.ActorSweeper}
			msg := "the worker holding this task stopped heartbeating"
			p.LastError = &msg
			switch {
			case t.State == domain.StateSubmitting:
				p.To, p.Reason = domain.StatePaused, domain.ReasonSubmissionOutcomeUnknown
				res.Paused++
			case t.Attempts >= maxAttempts:
				p.To, p.Reason = domain.StateFailed, domain.ReasonAttemptsExhausted
				res.Failed++
			default:
				p.To, p.Reason = domain.StateQueued, ReasonWorkerLost
				res.Requeued++
			}
			moved, err := db.TransitionTx(ctx, tx, p)
			if err != nil {
				return err
			}
			if p.To == domain.StateQueued {
				requeue = append(requeue, TaskJob{TaskID: moved.ID, Priority: moved.Priority})
			}
		}
		if len(requeue) == 0 {
			return nil
		}
		_, err = db.enqueueTx(ctx, tx, requeue) // one River insert for the whole batch
		return err
	})
	if err != nil {
		return RecoverResult{}, err
	}
	return res, nil
}

// ExpireApprovals marks up to limit pending approvals past expires_at (on
// the database's clock, as decisions judge it) expired, pauses their tasks
// with reason approval_expired and notifies, so waiting workers stop
// waiting. It returns how many expired.
func (db *DB) ExpireApprovals(ctx context.Context, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, SweepSQL["expired_approvals"], limit)
		taskIDs, err := pgx.CollectRows(rows, pgx.RowTo[domain.ID])
		if err != nil || len(taskIDs) == 0 {
			return err
		}
		// The tasks are locked, so their requests cannot be decided meanwhile.
		rows, _ = tx.Query(ctx, `UPDATE approval_requests SET status = 'expired', decided_at = statement_timestamp(), decided_by = $2
			WHERE task_id = ANY($1) AND status = 'pending' AND expires_at <= statement_timestamp() RETURNING task_id`, taskIDs, domain.ActorSweeper)
		expired, err := pgx.CollectRows(rows, pgx.RowTo[domain.ID])
		if err != nil {
			return err
		}
		for _, taskID := range expired {
			_, err := db.TransitionTx(ctx, tx, TransitionParams{TaskID: taskID, From: domain.StateAwaitingApproval,
				To: domain.StatePaused, Actor: domain.ActorSweeper, Reason: domain.ReasonApprovalExpired})
			if err != nil && domain.ErrorCode(err) != domain.ESTATECONFLICT {
				return err
			}
			if err := NotifyTx(ctx, tx, domain.NotifyApprovals, taskID.String()); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}

// RepairOrphans gives a new River job to up to limit tasks in queued or
// approved that have no live one (River discarded, cancelled or deleted it
// outside applyq) and were last changed before notBefore. It returns how
// many it repaired.
func (db *DB) RepairOrphans(ctx context.Context, notBefore time.Time, limit int) ([]domain.ID, error) {
	var ids []domain.ID
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, SweepSQL["orphans"], notBefore, limit)
		tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Task, error) { return scanTask(r) })
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if t.State == domain.StateApproved {
				err = db.EnqueueContinuationTx(ctx, tx, t)
			} else {
				err = db.EnqueueTx(ctx, tx, t)
			}
			if err != nil {
				return err
			}
			ids = append(ids, t.ID)
		}
		return nil
	})
	return ids, err
}

// CancelJobsOfSettledTasks cancels up to limit River jobs still waiting to
// run for tasks that are already submitted or cancelled.
func (db *DB) CancelJobsOfSettledTasks(ctx context.Context, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, SweepSQL["jobs_of_settled_tasks"], limit)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := db.inserter.CancelJobTx(ctx, tx, id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// CompleteRuns marks up to limit active runs completed when every task of
// theirs is submitted or cancelled.
func (db *DB) CompleteRuns(ctx context.Context, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, SweepSQL["complete_runs"], limit)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.ID])
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		tag, err := tx.Exec(ctx, `UPDATE application_runs SET status = 'completed', updated_at = now() WHERE id = ANY($1)`, ids)
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}
