package tasks_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestUpdateProfile_AnswersTheProfileQuestionsTasksWaitFor: a profile
// change resumes the tasks waiting on a profile:* question it answers, as
// answering does, and leaves those still waiting for something else; only
// the fields it sets change, and a bad one changes nothing.
func TestUpdateProfile_AnswersTheProfileQuestionsTasksWaitFor(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	jobs := pgtest.MustJobs(t, b.db, b.user, 2)
	withForm(t, b, formQuestions()[:3], jobs[0]) // first, last name and email: waits for the last name only
	withForm(t, b, formQuestions(), jobs[1])     // and for two answers
	ids := []domain.ID{
		taskstest.MustAdd(t, b.db, b.user, b.run, jobs[:1]).Queued[0].TaskID,
		taskstest.MustAdd(t, b.db, b.user, b.run, jobs[1:]).Queued[0].TaskID,
	}
	for _, id := range ids {
		work(t, b, b.svc, id)
		require.Equal(t, domain.ReasonNeedsAnswer, mustTask(t, b, id).StateReason)
	}

	bad := "not a url"
	_, err := b.svc.UpdateProfile(ctx, b.user.ID, domain.ProfileUpdate{LastName: new("Lovelace"), Website: &bad}, "test")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Equal(t, domain.StatePaused, mustTask(t, b, ids[0]).State, "a refused change resumes nothing")

	res, err := b.svc.UpdateProfile(ctx, b.user.ID, domain.ProfileUpdate{LastName: new(" Lovelace ")}, domain.UserActor(b.user.ID))
	require.NoError(t, err)
	require.Equal(t, "Lovelace", res.User.Profile.LastName)
	require.Equal(t, "Ada", res.User.Profile.FirstName, "a field not sent stays")
	require.Equal(t, 1, res.Resumed)
	resumed := mustTask(t, b, ids[0])
	require.Equal(t, domain.StateQueued, resumed.State)
	require.Equal(t, domain.ReasonAnswered, resumed.StateReason)
	require.Equal(t, domain.PriorityBoosted, resumed.Priority)
	require.Equal(t, domain.StatePaused, mustTask(t, b, ids[1]).State, "still waiting for its other questions")
	waiting, err := b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	for _, w := range waiting {
		require.NotEqual(t, "profile:last_name", w.Key, "answered: no longer asked")
	}
}
