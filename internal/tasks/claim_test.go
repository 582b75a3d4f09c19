package tasks_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// jobFor is the River job a worker would hold for task.
func jobFor(task *domain.Task) tasks.Job {
	return &river.Job[tasks.ApplyArgs]{JobRow: &rivertype.JobRow{ID: task.RiverJobID, State: rivertype.JobStateRunning}, Args: tasks.ApplyArgs{TaskID: task.ID}}
}

// claimAll claims every task at once (preparing what a claim leaves in
// in_progress, as a worker does), while tx holds the user's daily counter
// row: the first claim's batch waits on it, every other claim queues
// behind that batch, so releasing it runs them all in a second batch —
// deterministically.
func claimAll(t *testing.T, b *bundle, svc *tasks.Service, ids []domain.ID) ([]tasks.Next, []error) {
	t.Helper()
	ctx := context.Background()
	day, _ := domain.DailyWindow(time.Now())
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO daily_usage (user_id, day, used) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`, b.user.ID, day)
	require.NoError(t, err)
	tx, err := b.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, `SELECT 1 FROM daily_usage WHERE user_id = $1 AND day = $2 FOR UPDATE`, b.user.ID, day)
	require.NoError(t, err)

	nexts, errs := make([]tasks.Next, len(ids)), make([]error, len(ids))
	var wg sync.WaitGroup
	claim := func(i int) {
		defer wg.Done()
		task, err := b.db.TaskGet(ctx, b.user.ID, ids[i])
		if err == nil {
			nexts[i], errs[i] = svc.Claim(ctx, jobFor(task), tasks.Lease{Token: domain.NewID(), Owner: "test"})
			if errs[i] == nil && nexts[i].Prepare != nil {
				nexts[i], errs[i] = svc.Prepare(ctx, nexts[i].Prepare)
			}
		} else {
			errs[i] = err
		}
	}
	wg.Add(1)
	go claim(0)
	waitForLockWait(t, b.db) // the first batch waits on the counter
	for i := 1; i < len(ids); i++ {
		wg.Add(1)
		go claim(i)
	}
	require.Eventually(t, func() bool { return svc.QueuedClaims() == len(ids)-1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, tx.Rollback(ctx))
	wg.Wait()
	return nexts, errs
}

// TestClaim_ABatchCountsEachUsersDailyLimit: ten claims of one user whose
// daily limit is 3, in one batch, put exactly three tasks in submitting —
// the oldest — and leave seven queued, saying why, their jobs snoozed.
func TestClaim_ABatchCountsEachUsersDailyLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.db.UpdateProfile(ctx, b.user.ID, b.user.Profile, 3)
	require.NoError(t, err)
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 10))
	ids := make([]domain.ID, len(res.Queued))
	for i, q := range res.Queued {
		ids[i] = q.TaskID
	}
	nexts, errs := claimAll(t, b, svc, ids)
	require.Equal(t, 2, svc.ClaimBatches(), "one batch waited, the nine others shared the next")

	submitting := 0
	for i := range ids {
		var snooze *river.JobSnoozeError
		switch {
		case nexts[i].Submit != nil:
			submitting++
			require.NoError(t, errs[i])
		case errors.As(errs[i], &snooze):
			require.Positive(t, snooze.Duration)
		default:
			t.Fatalf("claim %d: %+v, %v", i, nexts[i], errs[i])
		}
	}
	require.Equal(t, 3, submitting)
	require.Equal(t, 3, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitting'`))
	require.Equal(t, 7, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'queued' AND state_reason = 'daily_limit_reached'`))
	require.Equal(t, 3, pgtest.MustCount(t, b.db, `SELECT used FROM daily_usage WHERE user_id = $1`, b.user.ID))
	// Each submitting task has its claim and its submitting on the timeline.
	require.Equal(t, 6, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE to_state IN ('in_progress', 'submitting')`))
}

// TestClaim_OneJobInTwoRunsIsSubmittedOnce: the tasks of one job posting in
// two runs, claimed in the same batch: one is submitting, the other
// cancelled as already applied.
func TestClaim_OneJobInTwoRunsIsSubmittedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	other := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	ids := []domain.ID{
		taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID,
		taskstest.MustAdd(t, b.db, b.user, other, job).Queued[0].TaskID,
		taskstest.MustAdd(t, b.db, b.user, other, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID,
	}
	_, errs := claimAll(t, b, svc, ids)
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE job_id = $1 AND state = 'submitting'`, job[0]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE job_id = $1 AND state = 'cancelled' AND state_reason = 'already_applied'`, job[0]))
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitting'`))
}

// TestClaim_ATaskHeldElsewhereIsSkippedThenClaimedAlone: a batch never
// waits for a task someone else holds (so it can never be part of a lock
// cycle); the claim of that task waits alone, then succeeds.
func TestClaim_ATaskHeldElsewhereIsSkippedThenClaimedAlone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	taskID := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID
	task, err := b.db.TaskGet(ctx, b.user.ID, taskID)
	require.NoError(t, err)

	tx, err := b.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, `SELECT 1 FROM application_tasks WHERE id = $1 FOR UPDATE`, taskID)
	require.NoError(t, err)

	type result struct {
		next tasks.Next
		err  error
	}
	done := make(chan result, 1)
	go func() {
		next, err := svc.Claim(ctx, jobFor(task), tasks.Lease{Token: domain.NewID(), Owner: "test"})
		done <- result{next, err}
	}()
	waitForLockWait(t, b.db) // the claim, alone after its batch skipped the task, waits for it
	require.Equal(t, 1, svc.ClaimBatches())
	require.NoError(t, tx.Rollback(ctx))
	r := <-done
	require.NoError(t, r.err)
	require.NotNil(t, r.next.Prepare, "claimed alone: in_progress, to be prepared")
	require.Equal(t, domain.StateInProgress, pgtest.MustTaskState(t, b.db, taskID))
}
