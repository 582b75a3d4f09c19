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

// claimOutcome is what a claim (and the preparation it hands on) came to.
type claimOutcome struct {
	State     domain.State
	Reason    domain.Reason
	Next      string // "submit", "awaiting_approval" or ""
	Snoozed   bool
	JobState  string
	Approvals int
	Notices   int
}

// TestClaim_BothPathsDecideAlike runs every claim case through the batch
// (Claim) and through the one-task path (claimOne), each on a world of
// its own, and compares what came of them: a batch changes the number of
// round trips, never the outcome. (A run that asks for approval over the
// user's daily limit went to in_progress and asked for an approval in a
// batch; alone it waited for the next window.)
func TestClaim_BothPathsDecideAlike(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	day, _ := domain.DailyWindow(time.Now())
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := b.db.Pool.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}
	limitReached := func(user *domain.User, _ *domain.Run, _ domain.ID, _ domain.ID) {
		exec(`UPDATE users SET daily_submission_limit = 1 WHERE id = $1`, user.ID)
		exec(`INSERT INTO daily_usage (user_id, day, used) VALUES ($1, $2, 1)`, user.ID, day)
	}
	cases := []struct {
		name     string
		approval bool
		prep     func(user *domain.User, run *domain.Run, job, task domain.ID)
	}{
		{"queued", false, nil},
		{"queued, approval", true, nil},
		{"daily limit reached", false, limitReached},
		{"daily limit reached, approval", true, limitReached},
		{"run paused", false, func(_ *domain.User, run *domain.Run, _, _ domain.ID) {
			exec(`UPDATE application_runs SET status = 'paused' WHERE id = $1`, run.ID)
		}},
		{"run paused, approval", true, func(_ *domain.User, run *domain.Run, _, _ domain.ID) {
			exec(`UPDATE application_runs SET status = 'paused' WHERE id = $1`, run.ID)
		}},
		{"posting closed", false, func(_ *domain.User, _ *domain.Run, job, _ domain.ID) {
			exec(`UPDATE job_postings SET closed_at = now() WHERE id = $1`, job)
		}},
		{"applied elsewhere", false, func(user *domain.User, _ *domain.Run, job, _ domain.ID) {
			other := pgtest.MustTask(t, b.db, user, pgtest.MustRun(t, b.db, user, pgtest.RunOpts{}), job)
			exec(`UPDATE application_tasks SET state = 'submitted', submitting_at = now(), submitted_at = now() WHERE id = $1`, other.ID)
		}},
		{"cancelled meanwhile", false, func(user *domain.User, _ *domain.Run, _, task domain.ID) {
			_, err := svc.Cancel(ctx, user.ID, task, "test")
			require.NoError(t, err)
		}},
		{"approved", true, func(user *domain.User, _ *domain.Run, _, task domain.ID) {
			require.NotNil(t, taskstest.MustWork(t, b.db, svc, user.ID, task).AwaitingApproval)
			_, err := svc.DecideTask(ctx, user.ID, task, domain.DecisionApprove, "test")
			require.NoError(t, err)
		}},
		{"a form nothing answers", false, func(_ *domain.User, _ *domain.Run, job, _ domain.ID) {
			taskstest.MustForm(t, b.db, []domain.Question{{Field: "q", Label: "Why us?", Kind: domain.QuestionText, Required: true,
				Section: domain.SectionCustom}}, job)
		}},
	}
	world := func(approval bool, prep func(*domain.User, *domain.Run, domain.ID, domain.ID)) (*domain.User, domain.ID) {
		user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
		run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{RequiresApproval: approval})
		job := pgtest.MustJobs(t, b.db, user, 1)[0]
		task := taskstest.MustAdd(t, b.db, user, run, []domain.ID{job}).Queued[0].TaskID
		if prep != nil {
			prep(user, run, job, task)
		}
		return user, task
	}
	claim := func(user *domain.User, id domain.ID, alone bool) claimOutcome {
		task, err := b.db.TaskGet(ctx, user.ID, id)
		require.NoError(t, err)
		exec(`UPDATE river_job SET state = 'running', attempt = attempt + 1, attempted_at = now() WHERE id = $1`, task.RiverJobID)
		lease := tasks.Lease{Token: domain.NewID(), Owner: "test"}
		var next tasks.Next
		if alone {
			next, err = svc.ClaimAlone(ctx, jobFor(task), lease)
		} else {
			next, err = svc.Claim(ctx, jobFor(task), lease)
		}
		if err == nil && next.Prepare != nil {
			next, err = svc.Prepare(ctx, next.Prepare)
		}
		var out claimOutcome
		var snooze *river.JobSnoozeError
		if errors.As(err, &snooze) {
			out.Snoozed, err = snooze.Duration > 0, nil
		}
		require.NoError(t, err)
		switch {
		case next.Submit != nil:
			out.Next = "submit"
		case !next.AwaitingApproval.IsZero():
			out.Next = "awaiting_approval"
		}
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT t.state, t.state_reason, j.state::text,
			(SELECT count(*) FROM approval_requests a WHERE a.task_id = t.id), (SELECT count(*) FROM notices n WHERE n.task_id = t.id)
			FROM application_tasks t JOIN river_job j ON j.id = $2 WHERE t.id = $1`, id, task.RiverJobID).
			Scan(&out.State, &out.Reason, &out.JobState, &out.Approvals, &out.Notices))
		return out
	}
	for _, c := range cases {
		batchUser, batchTask := world(c.approval, c.prep)
		aloneUser, aloneTask := world(c.approval, c.prep)
		batched, alone := claim(batchUser, batchTask, false), claim(aloneUser, aloneTask, true)
		require.Equal(t, alone, batched, c.name)
	}
}
