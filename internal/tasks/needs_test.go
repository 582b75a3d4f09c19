package tasks_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// mustWaitFor puts a task in state with reason, as a worker would leave it.
func mustWaitFor(t *testing.T, b *bundle, taskID domain.ID, st domain.State, reason domain.Reason) {
	t.Helper()
	pgtest.MustForceState(t, b.db, taskID, st)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state_reason = $2 WHERE id = $1`, taskID, string(reason))
	require.NoError(t, err)
}

func TestMarkApplied_FromPausedAndFailed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 2))
	paused, failed := res.Queued[0].TaskID, res.Queued[1].TaskID
	mustWaitFor(t, b, paused, domain.StatePaused, domain.ReasonNeedsUser)
	mustWaitFor(t, b, failed, domain.StateFailed, domain.ReasonSubmissionOutcomeUnknown)
	actor := domain.UserActor(b.user.ID)

	for _, id := range []domain.ID{paused, failed} {
		task, err := b.svc.MarkApplied(ctx, b.user.ID, id, actor)
		require.NoError(t, err)
		require.Equal(t, domain.StateSubmitted, task.State)
		require.Equal(t, domain.ReasonAppliedByHand, task.StateReason)
		require.Equal(t, domain.StateSubmitted, pgtest.MustTaskState(t, b.db, id))

		det, err := b.db.GetTaskDetail(ctx, b.user.ID, id)
		require.NoError(t, err)
		last := det.Transitions[len(det.Transitions)-1]
		require.Equal(t, domain.StateSubmitted, last.To)
		require.Equal(t, actor, last.Actor, "the timeline names the user as the actor")
		require.Equal(t, domain.ReasonAppliedByHand, last.Reason)
	}
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND submitted_at IS NOT NULL`, paused))
}

func TestMarkApplied_RefusedWhenTheJobIsAlreadySubmitted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	first := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID
	other := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	second := taskstest.MustAdd(t, b.db, b.user, other, job).Queued[0].TaskID

	for _, st := range []domain.State{domain.StateSubmitted, domain.StateSubmitting} {
		pgtest.MustForceState(t, b.db, first, st)
		mustWaitFor(t, b, second, domain.StatePaused, domain.ReasonNeedsUser)
		before := pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1`, second)

		_, err := b.svc.MarkApplied(ctx, b.user.ID, second, domain.UserActor(b.user.ID))
		require.Equal(t, domain.EALREADYAPPLIED, domain.ErrorCode(err), "%s: %v", st, err)
		require.Equal(t, first.String(), domain.ErrorDetails(err)["submitted_task_id"], "the refusal names the task that has the submission")
		require.Contains(t, domain.ErrorMessage(err), "applied to once")
		require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, b.db, second), "nothing changes")
		require.Equal(t, before, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1`, second))
	}
}

func TestMarkApplied_RefusedFromOtherStates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	others := []domain.State{domain.StateQueued, domain.StateInProgress, domain.StateAwaitingApproval, domain.StateApproved,
		domain.StateSubmitting, domain.StateSubmitted, domain.StateCancelled}
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, len(others)))
	for i, st := range others {
		id := res.Queued[i].TaskID
		pgtest.MustForceState(t, b.db, id, st)
		_, err := b.svc.MarkApplied(ctx, b.user.ID, id, domain.UserActor(b.user.ID))
		var te *domain.TransitionError
		require.True(t, errors.As(err, &te), "%s: %v", st, err)
		require.Equal(t, domain.EILLEGALTRANSITION, domain.ErrorCode(err))
		require.Equal(t, st, te.CurrentState())
		require.Equal(t, st, pgtest.MustTaskState(t, b.db, id))
	}

	// Another user's task is not found.
	stranger := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	mustWaitFor(t, b, res.Queued[0].TaskID, domain.StatePaused, domain.ReasonNeedsUser)
	_, err := b.svc.MarkApplied(ctx, stranger.ID, res.Queued[0].TaskID, domain.UserActor(stranger.ID))
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
}

func TestResumeChecked_AsksFirstWhenItWouldStopAgain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	jobs := pgtest.MustJobs(t, b.db, b.user, 3)
	res := taskstest.MustAdd(t, b.db, b.user, b.run, jobs)
	wall, closed, plain := res.Queued[0].TaskID, res.Queued[1].TaskID, res.Queued[2].TaskID
	mustWaitFor(t, b, wall, domain.StatePaused, domain.ReasonNeedsUser)
	mustWaitFor(t, b, closed, domain.StateFailed, domain.ReasonAttemptsExhausted)
	_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET closed_at = now() WHERE id = $1`, jobs[1])
	require.NoError(t, err)
	mustWaitFor(t, b, plain, domain.StatePaused, domain.ReasonApprovalExpired)
	actor := domain.UserActor(b.user.ID)

	for _, id := range []domain.ID{wall, closed} {
		_, err := b.svc.ResumeChecked(ctx, b.user.ID, id, actor, false)
		require.Equal(t, domain.ECONFIRMRESUME, domain.ErrorCode(err), "%v", err)
		require.Contains(t, domain.ErrorMessage(err), "mark it as applied by hand")
		require.NotEqual(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, id), "nothing changes until confirmed")

		task, err := b.svc.ResumeChecked(ctx, b.user.ID, id, actor, true)
		require.NoError(t, err)
		require.Equal(t, domain.StateQueued, task.State)
		require.True(t, task.Boosted(), "a confirmed resume is boosted as any resume")
	}
	task, err := b.svc.ResumeChecked(ctx, b.user.ID, plain, actor, false)
	require.NoError(t, err, "nothing suggests it stops again: no question asked")
	require.True(t, task.Boosted())
}
