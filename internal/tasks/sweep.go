package tasks

import (
	"context"
	"time"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// The sweeper's use cases: each handles one bounded batch, its rows locked
// in id order with SKIP LOCKED, so several sweepers never handle a row twice
// and never wait on each other or on a worker.

// RecoverResult counts what RecoverStuck did.
type RecoverResult struct {
	Requeued int // in_progress → queued, with a new River job
	Failed   int // in_progress → failed, attempts exhausted
	Paused   int // submitting → paused, outcome unknown
	// CodeNotTyped: submitting → paused (needs_user), the page was
	// waiting for the security code, which was never typed.
	CodeNotTyped int
}

// codeNotTypedWhy is the needs_you notice of a task whose page waited for
// its security code when the worker stopped.
const codeNotTypedWhy = "the worker stopped while the application form waited for the security code, which was never typed: the application was not completed; resume it to apply again"

// RecoverStuck takes back up to limit tasks whose worker stopped
// heartbeating before now-stuckAfter: in_progress → queued (new River job)
// or failed once its attempts are spent; submitting → paused
// (submission_outcome_unknown: never re-queued, the submission may have
// gone out). A submitting task whose page was waiting for its security
// code (asked during this submission, no code ever taken) is paused
// needs_user instead: the platform completes an application only once the
// code is typed. Clearing the lease fences the stale worker out; the
// recovered tasks' code requests are closed (after the tasks: the one
// lock order).
func (s *Service) RecoverStuck(ctx context.Context, now time.Time, stuckAfter time.Duration, limit int) (RecoverResult, error) {
	var res RecoverResult
	err := s.inTx(ctx, func(t *txn) error {
		res = RecoverResult{}
		stuck, err := t.st.SweepStuckTasks(ctx, now.Add(-stuckAfter), limit)
		if err != nil {
			return err
		}
		var submitting []domain.ID
		for _, task := range stuck {
			if task.State == domain.StateSubmitting {
				submitting = append(submitting, task.ID)
			}
		}
		closed, err := t.st.SweepCloseCodes(ctx, submitting) // in task id order, after the tasks
		if err != nil {
			return err
		}
		atCodeStep := map[domain.ID]postgres.ClosedCode{}
		for _, c := range closed {
			if c.NeverTaken {
				atCodeStep[c.TaskID] = c
			}
		}
		msg := "the worker holding this task stopped heartbeating"
		var requeue []*domain.Task
		for _, task := range stuck {
			m := postgres.Move{TaskID: task.ID, From: task.State, Actor: domain.ActorSweeper, LastError: &msg}
			why := ""
			code, waitedForCode := atCodeStep[task.ID]
			switch {
			case task.State == domain.StateSubmitting && waitedForCode:
				m.To, m.Reason = domain.StatePaused, domain.ReasonNeedsUser
				text := codeNotTypedMessage(code.Platform, code.Address, code.Attempt)
				m.LastError, why = &text, codeNotTypedWhy
				res.CodeNotTyped++
			case task.State == domain.StateSubmitting:
				m.To, m.Reason = domain.StatePaused, domain.ReasonSubmissionOutcomeUnknown
				res.Paused++
			case task.Attempts >= s.o.MaxAttempts:
				m.To, m.Reason = domain.StateFailed, domain.ReasonAttemptsExhausted
				res.Failed++
			default:
				m.To, m.Reason = domain.StateQueued, domain.ReasonWorkerLost
				res.Requeued++
			}
			moved, err := s.moveWhy(ctx, t, m, why)
			if err != nil {
				return err
			}
			if m.To == domain.StateQueued {
				requeue = append(requeue, moved)
			}
		}
		return s.enqueue(ctx, t, requeue) // one River insert for the batch
	})
	if err != nil {
		return RecoverResult{}, err
	}
	return res, nil
}

// ExpireApprovals marks up to limit pending approvals past expires_at (on
// the database's clock, as decisions judge it) expired, pauses their tasks
// (approval_expired) and notifies, so waiting workers let go. It returns
// how many expired.
func (s *Service) ExpireApprovals(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *txn) error {
		taskIDs, err := t.st.SweepExpiredApprovalTasks(ctx, limit) // the tasks first, in id order
		if err != nil || len(taskIDs) == 0 {
			n = 0
			return err
		}
		expired, err := t.st.ApprovalExpireForTasks(ctx, taskIDs, domain.ActorSweeper)
		if err != nil {
			return err
		}
		for _, id := range expired {
			_, err := s.move(ctx, t, postgres.Move{TaskID: id, From: domain.StateAwaitingApproval, To: domain.StatePaused,
				Actor: domain.ActorSweeper, Reason: domain.ReasonApprovalExpired})
			if err != nil && domain.ErrorCode(err) != domain.ESTATECONFLICT {
				return err
			}
			t.notify(domain.NotifyApprovals, id.String())
		}
		n = len(expired)
		return nil
	})
	return n, err
}

// RepairOrphans gives a new River job to up to limit tasks in queued or
// approved, unchanged since before notBefore, that have no live one (River
// discarded, cancelled or deleted it outside applyq, or it was claimed by a
// worker that died before claiming the task). It returns their ids.
func (s *Service) RepairOrphans(ctx context.Context, notBefore time.Time, limit int) ([]domain.ID, error) {
	var ids []domain.ID
	err := s.inTx(ctx, func(t *txn) error {
		ids = nil
		orphans, err := t.st.SweepOrphanTasks(ctx, notBefore, limit)
		if err != nil {
			return err
		}
		var queued []*domain.Task
		for _, task := range orphans {
			ids = append(ids, task.ID)
			if task.State == domain.StateApproved {
				if err := s.enqueueContinuation(ctx, t, task); err != nil {
					return err
				}
				continue
			}
			queued = append(queued, task)
		}
		return s.enqueue(ctx, t, queued)
	})
	return ids, err
}

// CancelJobsOfSettledTasks cancels up to limit River jobs still waiting to
// run for tasks already submitted or cancelled, and returns how many.
func (s *Service) CancelJobsOfSettledTasks(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *txn) error {
		ids, err := t.st.SweepJobsOfSettledTasks(ctx, limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := s.river.JobCancelTx(ctx, t.Tx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// CompleteRuns marks up to limit active runs completed when every task of
// theirs is submitted or cancelled, and returns how many.
func (s *Service) CompleteRuns(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *txn) error {
		ids, err := t.st.SweepRunsToComplete(ctx, limit)
		if err != nil || len(ids) == 0 {
			n = 0
			return err
		}
		runs, err := t.st.RunCompleteMany(ctx, ids)
		if err != nil {
			return err
		}
		n = len(runs)
		for _, r := range runs {
			t.notice(domain.Notice{UserID: r.UserID, Kind: domain.NoticeRunCompleted, RunID: &r.ID, Subject: r.Name,
				Detail: "every application of the run is submitted or cancelled"})
		}
		return nil
	})
	return n, err
}
