// Command sweeper runs applyq's maintenance passes: as a daemon (every
// --interval, the default) or as one pass for cron (--once: prints a one-line
// summary, exits 0 on success and 1 on failure). Several may run at once.
package main

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/handoff"
	"github.com/applyq/applyq/internal/sweeper"
)

func main() { app.Main(app.Daemon{Process: "sweeper", Run: run}) }

// run sweeps every sweeper.interval until ctx ends, or once.
func run(ctx context.Context, a *app.App) error {
	s, err := a.Services(app.Deps{})
	if err != nil {
		return err
	}
	c := a.Config.Sweeper
	sw := &sweeper.Sweeper{Tasks: s.Tasks, DB: s.DB, Notifications: s.Notifications, Handoffs: handoff.New(a.Pool, a.Log), Log: a.Log, Interval: c.Interval, StuckAfter: c.StuckAfter,
		OrphanGrace: c.OrphanGrace, BatchSize: c.BatchSize, MaxBatches: c.MaxBatches}
	m := a.Metrics
	sw.OnPass = func(r sweeper.Result, err error) {
		if err != nil {
			m.SweeperPasses.WithLabelValues("error").Inc()
			return
		}
		m.SweeperPasses.WithLabelValues("ok").Inc()
		for kind, n := range map[string]int{"requeued": r.Requeued, "failed_exhausted": r.FailedExhausted, "paused_unknown_outcome": r.PausedUnknownOutcome,
			"paused_code_not_typed": r.PausedCodeNotTyped, "expired_approvals": r.ExpiredApprovals, "orphans_repaired": r.OrphansRepaired,
			"river_jobs_cancelled": r.RiverJobsCancelled, "runs_completed": r.RunsCompleted, "expired_tokens_deleted": r.ExpiredTokensDeleted,
			"expired_sessions_deleted": r.ExpiredSessionsDeleted, "approval_tokens_cleared": r.ApprovalTokensCleared, "digests_repaired": r.DigestsRepaired,
			"handoffs_ended": r.HandoffsEnded} {
			m.SweeperActions.WithLabelValues(kind).Add(float64(n))
		}
	}
	if a.Config.Sweeper.Once {
		res, err := sw.RunOnce(ctx)
		if err != nil {
			return err
		}
		fmt.Println("sweep:", res)
		return nil
	}
	if _, err := a.ServeAdmin(c.AdminAddr, a.Health()); err != nil {
		return err
	}
	// Tasks by state are counted here, once per interval, not by every API
	// replica at every scrape.
	go m.RegisterTaskStates(s.DB.TaskStateCounts).Run(ctx, c.Interval, func(err error) {
		a.Log.Warn("counting tasks by state", zap.Error(err))
	})
	a.Log.Info("sweeper started", zap.Duration("interval", a.Config.Sweeper.Interval))
	err = sw.Run(ctx)
	a.Log.Info("sweeper stopped")
	return err
}
