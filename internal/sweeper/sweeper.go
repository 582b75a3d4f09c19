// Package sweeper holds the maintenance passes that keep applyq's promises
// when processes die: tasks held by dead workers are taken back, expired
// approvals are closed, tasks that lost their River job get a new one, and
// so do users whose notices lost their digest job. Each
// pass works in bounded batches with FOR UPDATE SKIP LOCKED, so several
// sweepers can run at once and never handle one row twice. Run loops them on
// a ticker; RunOnce is one pass for cron.
package sweeper

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/handoff"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
)

// Sweeper runs maintenance passes against the store.
type Sweeper struct {
	Tasks *tasks.Service // the task rules: recovery, expiry, orphans, runs
	DB    *postgres.DB   // housekeeping of spent credentials
	// Notifications repairs lost digests (the pass is left out when nil).
	Notifications *notifications.Service
	// Handoffs ends hand-offs past their window, whose worker did not (the
	// pass is left out when nil).
	Handoffs    *handoff.Service
	Log         *zap.Logger
	Interval    time.Duration
	StuckAfter  time.Duration // heartbeat age that means the worker is dead
	OrphanGrace time.Duration // a waiting task (or an unsent notice, past its digest window) must be this old before its missing job counts
	BatchSize   int           // rows per statement
	MaxBatches  int           // batches per kind per pass (bounds one pass)
	// TokenGrace is how long a decided or expired approval link keeps
	// answering with its status (someone clicks the mailed link again)
	// before its token is forgotten; SpentTokenGrace when zero.
	TokenGrace time.Duration
	Now        func() time.Time
	// OnPass, when set, receives each pass's result (metrics).
	OnPass func(Result, error)
}

// SpentTokenGrace is the default TokenGrace.
const SpentTokenGrace = 24 * time.Hour

// Result counts what one pass did.
type Result struct {
	Requeued               int
	FailedExhausted        int
	PausedUnknownOutcome   int
	PausedCodeNotTyped     int
	ExpiredApprovals       int
	OrphansRepaired        int
	RiverJobsCancelled     int
	RunsCompleted          int
	ExpiredTokensDeleted   int
	ExpiredSessionsDeleted int
	ApprovalTokensCleared  int
	DigestsRepaired        int
	HandoffsEnded          int
	Duration               time.Duration
}

// Changed reports whether the pass did anything (its duration aside).
func (r Result) Changed() bool {
	r.Duration = 0
	return r != Result{}
}

// String is the one-line summary printed by --once.
func (r Result) String() string {
	return fmt.Sprintf("requeued=%d failed_exhausted=%d paused_unknown_outcome=%d paused_code_not_typed=%d expired_approvals=%d orphans_repaired=%d river_jobs_cancelled=%d runs_completed=%d expired_tokens_deleted=%d expired_sessions_deleted=%d approval_tokens_cleared=%d digests_repaired=%d handoffs_ended=%d duration=%s",
		r.Requeued, r.FailedExhausted, r.PausedUnknownOutcome, r.PausedCodeNotTyped, r.ExpiredApprovals, r.OrphansRepaired, r.RiverJobsCancelled,
		r.RunsCompleted, r.ExpiredTokensDeleted, r.ExpiredSessionsDeleted, r.ApprovalTokensCleared, r.DigestsRepaired, r.HandoffsEnded, r.Duration.Round(time.Millisecond))
}

func (s *Sweeper) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// batches repeats one batch until it comes back short or MaxBatches ran.
func (s *Sweeper) batches(fn func() (int, error)) (int, error) {
	total := 0
	for i := 0; i < max(1, s.MaxBatches); i++ {
		n, err := fn()
		total += n
		if err != nil || n < s.BatchSize {
			return total, err
		}
	}
	return total, nil
}

// RunOnce runs every pass once and returns what it did.
func (s *Sweeper) RunOnce(ctx context.Context) (Result, error) {
	start := time.Now()
	var res Result
	_, err := s.batches(func() (int, error) {
		r, err := s.Tasks.RecoverStuck(ctx, s.now(), s.StuckAfter, s.BatchSize)
		res.Requeued += r.Requeued
		res.FailedExhausted += r.Failed
		res.PausedUnknownOutcome += r.Paused
		res.PausedCodeNotTyped += r.CodeNotTyped
		// Each recovery is logged by TransitionTx with its task and run ids.
		return r.Requeued + r.Failed + r.Paused + r.CodeNotTyped, err
	})
	if err != nil {
		return res, fmt.Errorf("recovering stuck tasks: %w", err)
	}
	if res.ExpiredApprovals, err = s.batches(func() (int, error) { return s.Tasks.ExpireApprovals(ctx, s.BatchSize) }); err != nil {
		return res, fmt.Errorf("expiring approvals: %w", err)
	}
	if res.OrphansRepaired, err = s.batches(func() (int, error) {
		ids, err := s.Tasks.RepairOrphans(ctx, s.now().Add(-s.OrphanGrace), s.BatchSize)
		for _, id := range ids {
			s.Log.Warn("task had no live River job; enqueued a new one", zap.Stringer("task_id", id), zap.String("reason", "orphan"))
		}
		return len(ids), err
	}); err != nil {
		return res, fmt.Errorf("repairing orphans: %w", err)
	}
	if res.RiverJobsCancelled, err = s.batches(func() (int, error) { return s.Tasks.CancelJobsOfSettledTasks(ctx, s.BatchSize) }); err != nil {
		return res, fmt.Errorf("cancelling jobs of settled tasks: %w", err)
	}
	if res.RunsCompleted, err = s.batches(func() (int, error) { return s.Tasks.CompleteRuns(ctx, s.BatchSize) }); err != nil {
		return res, fmt.Errorf("completing runs: %w", err)
	}
	if _, err = s.batches(func() (int, error) {
		tokens, sessions, err := s.DB.DeleteExpiredAuth(ctx, s.BatchSize)
		res.ExpiredTokensDeleted += tokens
		res.ExpiredSessionsDeleted += sessions
		return max(tokens, sessions), err
	}); err != nil {
		return res, fmt.Errorf("housekeeping: %w", err)
	}
	grace := s.TokenGrace
	if grace == 0 {
		grace = SpentTokenGrace
	}
	if res.ApprovalTokensCleared, err = s.batches(func() (int, error) {
		return s.DB.ForgetApprovalTokens(ctx, s.now().Add(-grace), s.BatchSize)
	}); err != nil {
		return res, fmt.Errorf("clearing spent approval tokens: %w", err)
	}
	if s.Notifications != nil {
		if res.DigestsRepaired, err = s.batches(func() (int, error) {
			users, err := s.Notifications.RepairDigests(ctx, s.now().Add(-s.OrphanGrace), s.BatchSize)
			for _, id := range users {
				s.Log.Warn("notices had no digest job; enqueued one", zap.Stringer("user_id", id), zap.String("reason", "orphan"))
			}
			return len(users), err
		}); err != nil {
			return res, fmt.Errorf("repairing digests: %w", err)
		}
	}
	if s.Handoffs != nil {
		if res.HandoffsEnded, err = s.batches(func() (int, error) { return s.endHandoffs(ctx) }); err != nil {
			return res, fmt.Errorf("ending hand-offs: %w", err)
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

// endHandoffs ends a batch of hand-offs past their window: their worker
// died or missed it (a live worker ends its own); the task itself is
// recovered like any other task of a dead worker.
func (s *Sweeper) endHandoffs(ctx context.Context) (int, error) {
	expired, err := s.Handoffs.Expired(ctx, s.BatchSize)
	if err != nil {
		return 0, err
	}
	for _, h := range expired {
		if err := s.Handoffs.End(ctx, h.TaskID, "the hand-off window closed"); err != nil {
			return 0, err
		}
		s.Log.Info("hand-off ended: its window closed", zap.Stringer("task_id", h.TaskID), zap.String("owner", h.Owner))
	}
	return len(expired), nil
}

// Run runs a pass every Interval until ctx is cancelled. A failed pass is
// logged and retried at the next tick.
func (s *Sweeper) Run(ctx context.Context) error {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		res, err := s.RunOnce(ctx)
		if s.OnPass != nil {
			s.OnPass(res, err)
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.Log.Error("sweep pass failed", zap.Error(err))
		case res.Changed():
			s.Log.Info("sweep pass", zap.Stringer("result", res))
		default: // an idle pass every interval would drown a developer's terminal
			s.Log.Debug("sweep pass", zap.Stringer("result", res))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
