package tasks_test

import (
	"context"
	"errors"
	"github.com/jackc/pgx/v5"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

func TestAddJobs_RollbackLeavesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	jobs := pgtest.MustJobs(t, b.db, b.user, 50)

	errRollback := errors.New("roll back")
	err := b.svc.InTx(ctx, func(tx pgx.Tx, add func(userID, runID domain.ID, jobIDs []domain.ID) (*domain.AddJobsResult, error)) error {
		res, err := add(b.user.ID, b.run.ID, jobs)
		require.NoError(t, err)
		require.Len(t, res.Queued, 50)
		// Inside the transaction both exist.
		var tasks, riverJobs int
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM application_tasks`).Scan(&tasks))
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&riverJobs))
		require.Equal(t, 50, tasks)
		require.Equal(t, 50, riverJobs)
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks`))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job`))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions`))
}

func TestAddJobs_CommitLeavesOneJobPerTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	jobs := pgtest.MustJobs(t, b.db, b.user, 1000)
	res := taskstest.MustAdd(t, b.db, b.user, b.run, jobs)
	require.Len(t, res.Queued, 1000)
	require.Empty(t, res.Duplicates)

	require.Equal(t, 1000, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'queued' AND priority = 50`))
	require.Equal(t, 1000, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'apply_task' AND queue = 'applications' AND priority = 2`))
	// Each task points at exactly one River job, and that job at the task.
	require.Equal(t, 1000, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks t
		JOIN river_job j ON j.id = t.river_job_id AND (j.args->>'task_id')::uuid = t.id`))
	require.Equal(t, 1000, pgtest.MustCount(t, b.db, `SELECT count(DISTINCT args->>'task_id') FROM river_job`))
	require.Equal(t, 1000, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE from_state IS NULL AND to_state = 'queued'`))
}

func TestAddJobs_Duplicates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	jobs := pgtest.MustJobs(t, b.db, b.user, 4)
	first := taskstest.MustAdd(t, b.db, b.user, b.run, jobs[:2])
	require.Len(t, first.Queued, 2)

	// jobs[0] already in the run; jobs[2] listed twice; jobs[3] new.
	res := taskstest.MustAdd(t, b.db, b.user, b.run, []domain.ID{jobs[0], jobs[2], jobs[2], jobs[3]})
	require.ElementsMatch(t, []domain.ID{jobs[2], jobs[3]}, queuedJobs(res))
	reasons := duplicateReasons(res)
	require.Equal(t, domain.DuplicateInRun, reasons[jobs[0]])
	require.Equal(t, domain.DuplicateRepeatedInList, reasons[jobs[2]])
	require.Equal(t, first.Queued[0].TaskID, *res.Duplicates[indexOf(res, jobs[0])].TaskID)

	// jobs[1] gets submitted in the first run: another run of the same user
	// reports it as already applied and queues nothing for it.
	pgtest.MustForceState(t, b.db, first.Queued[1].TaskID, domain.StateSubmitted)
	other := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	res = taskstest.MustAdd(t, b.db, b.user, other, []domain.ID{jobs[1], jobs[0]})
	require.ElementsMatch(t, []domain.ID{jobs[0]}, queuedJobs(res), "a job queued (not submitted) elsewhere may join another run")
	require.Equal(t, domain.DuplicateApplied, duplicateReasons(res)[jobs[1]])
	require.Equal(t, 0, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND job_id = $2`, other.ID, jobs[1]))

	// Only one River job per queued task, duplicates never enqueue.
	require.Equal(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks`), pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job`))

	job, err := b.db.GetJob(ctx, b.user.ID, jobs[1])
	require.NoError(t, err)
	require.True(t, job.HasBeenAppliedTo)
	job, err = b.db.GetJob(ctx, b.user.ID, jobs[0])
	require.NoError(t, err)
	require.False(t, job.HasBeenAppliedTo)
}

func TestOneSubmissionPerJob_EnforcedByDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	jobs := pgtest.MustJobs(t, b.db, b.user, 1)
	other := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	t1 := taskstest.MustAdd(t, b.db, b.user, b.run, jobs).Queued[0].TaskID
	t2 := taskstest.MustAdd(t, b.db, b.user, other, jobs).Queued[0].TaskID

	pgtest.MustForceState(t, b.db, t1, domain.StateSubmitting)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state = 'submitted' WHERE id = $1`, t2)
	require.Error(t, err, "a second task of the same job cannot reach submitted")
	_, err = b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state = 'submitting' WHERE id = $1`, t2)
	require.Error(t, err, "nor submitting")
}

func TestAddJobs_Tenancy(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	mallory := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	malloryRun := pgtest.MustRun(t, b.db, mallory, pgtest.RunOpts{})
	jobs := pgtest.MustJobs(t, b.db, b.user, 1)

	// Another user's job into one's own run, and into another user's run.
	_, err := b.svc.AddJobs(ctx, mallory.ID, malloryRun.ID, jobs, "m")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	_, err = b.svc.AddJobs(ctx, mallory.ID, b.run.ID, jobs, "m")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks`))

	res := taskstest.MustAdd(t, b.db, b.user, b.run, jobs)
	_, err = b.db.TaskGet(ctx, mallory.ID, res.Queued[0].TaskID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	_, err = b.svc.Cancel(ctx, mallory.ID, res.Queued[0].TaskID, "m")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, res.Queued[0].TaskID))
}

func TestResume_BoostsAndEnqueues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 2))
	paused, queued := res.Queued[0].TaskID, res.Queued[1].TaskID
	pgtest.MustForceState(t, b.db, paused, domain.StatePaused)

	before, err := b.db.TaskGet(ctx, b.user.ID, paused)
	require.NoError(t, err)
	task, err := b.svc.Resume(ctx, b.user.ID, paused, domain.UserActor(b.user.ID))
	require.NoError(t, err)
	require.Equal(t, domain.StateQueued, task.State)
	require.Equal(t, domain.PriorityBoosted, task.Priority)
	require.True(t, task.QueuedAt.After(before.QueuedAt), "fresh queued_at")
	require.NotEqual(t, before.RiverJobID, task.RiverJobID, "a new River job")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE id = $1 AND priority = 1 AND state = 'available'`, task.RiverJobID))

	// A queued task cannot be resumed: 409-class error with the current state.
	_, err = b.svc.Resume(ctx, b.user.ID, queued, "u")
	require.Equal(t, domain.EILLEGALTRANSITION, domain.ErrorCode(err))
}

func queuedJobs(res *domain.AddJobsResult) []domain.ID {
	var out []domain.ID
	for _, q := range res.Queued {
		out = append(out, q.JobID)
	}
	return out
}

func duplicateReasons(res *domain.AddJobsResult) map[domain.ID]string {
	out := map[domain.ID]string{}
	for _, d := range res.Duplicates {
		out[d.JobID] = d.Reason
	}
	return out
}

func indexOf(res *domain.AddJobsResult, job domain.ID) int {
	for i, d := range res.Duplicates {
		if d.JobID == job {
			return i
		}
	}
	return -1
}
