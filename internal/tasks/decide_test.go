package tasks_test

import (
	"context"
	"github.com/jackc/pgx/v5"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// observed is a service on b's database whose logs the test reads.
func observed(t *testing.T, b *bundle) (*tasks.Service, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	return taskstest.MustService(t, b.db, tasks.Options{Log: zap.New(core)}), logs
}

// waitForLockWait waits until some backend of this database waits for a
// row lock.
func waitForLockWait(t *testing.T, db *postgres.DB) {
	t.Helper()
	require.Eventually(t, func() bool {
		return pgtest.MustCount(t, db, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0
	}, 10*time.Second, 5*time.Millisecond)
}

// TestDecide_LocksTheTaskBeforeItsApproval: a transaction holding a task
// (as cancelling does) and then taking its approval request never deadlocks
// with a decision on that request: the decision waits for the task first.
func TestDecide_LocksTheTaskBeforeItsApproval(t *testing.T) {
	t.Parallel()
	b := setup(t)
	svc, logs := observed(t, b)
	db := b.db
	a, _ := pgtest.MustApproval(t, db, b.user, pgtest.ApprovalOpts{TTL: time.Hour})
	task, reqID := a.TaskID, a.ID
	ctx := context.Background()

	holder, err := db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer holder.Rollback(ctx) //nolint:errcheck
	_, err = holder.Exec(ctx, `SELECT 1 FROM application_tasks WHERE id = $1 FOR UPDATE`, task)
	require.NoError(t, err)

	decided := make(chan error, 1)
	go func() {
		_, err := svc.Decide(ctx, postgres.ApprovalKey{ID: reqID, UserID: b.user.ID}, domain.DecisionApprove, "user")
		decided <- err
	}()
	waitForLockWait(t, db)
	// The cancel path's second lock: with the decision holding the request
	// and waiting for the task, this would close a cycle.
	_, err = holder.Exec(ctx, `SELECT 1 FROM approval_requests WHERE task_id = $1 FOR UPDATE`, task)
	require.NoError(t, err)
	require.NoError(t, holder.Rollback(ctx))

	require.NoError(t, <-decided)
	require.Equal(t, domain.StateApproved, pgtest.MustTaskState(t, db, task))
	require.Zero(t, logs.FilterMessage("transaction retried after a transient failure").Len(),
		"no deadlock happened (the lock order avoided it, not a retry)")
}

// TestDecide_RacingCancelNeverFails: deciding and cancelling the same tasks
// at the same time ends each task approved-then-cancelled or cancelled, with
// only domain answers (a conflict), never a database error.
func TestDecide_RacingCancelNeverFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const n = 40
	pairs := make([]*domain.Approval, n)
	for i := range pairs {
		pairs[i], _ = pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{TTL: time.Hour})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, p := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := b.svc.Decide(ctx, postgres.ApprovalKey{ID: p.ID, UserID: b.user.ID}, domain.DecisionApprove, "user")
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := b.svc.Cancel(ctx, b.user.ID, p.TaskID, "user")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			code := domain.ErrorCode(err)
			require.Contains(t, []string{domain.ECONFLICT, domain.ESTATECONFLICT}, code, "%v", err)
		}
	}
	require.Equal(t, n, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'cancelled'`))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM approval_requests WHERE status = 'pending'`))
}

// TestInTx_RetriesADeadlockVictim: two transactions that lock two rows in
// opposite orders deadlock; the victim runs again and both succeed.
func TestInTx_RetriesADeadlockVictim(t *testing.T) {
	t.Parallel()
	b := setup(t)
	svc, logs := observed(t, b)
	db := b.db
	res := taskstest.MustAdd(t, db, b.user, b.run, pgtest.MustJobs(t, db, b.user, 2))
	first, second := res.Queued[0].TaskID, res.Queued[1].TaskID
	ctx := context.Background()
	lockBoth := func(a, b domain.ID, bothHoldOne *sync.WaitGroup, once *sync.Once) error {
		return svc.InTx(ctx, func(tx pgx.Tx, _ func(domain.ID, domain.ID, []domain.ID) (*domain.AddJobsResult, error)) error {
			if _, err := tx.Exec(ctx, `UPDATE application_tasks SET updated_at = now() WHERE id = $1`, a); err != nil {
				return err
			}
			once.Do(func() { bothHoldOne.Done(); bothHoldOne.Wait() }) // first attempt only
			_, err := tx.Exec(ctx, `UPDATE application_tasks SET updated_at = now() WHERE id = $1`, b)
			return err
		})
	}
	var bothHoldOne sync.WaitGroup
	bothHoldOne.Add(2)
	var onceA, onceB sync.Once
	errs := make(chan error, 2)
	go func() { errs <- lockBoth(first, second, &bothHoldOne, &onceA) }()
	go func() { errs <- lockBoth(second, first, &bothHoldOne, &onceB) }()
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	require.Equal(t, 1, logs.FilterMessage("transaction retried after a transient failure").Len(), "one victim, retried once")
}
