package tasks_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

const whyAcme = "why do you want to work at acme rockets"

// TestAnswer_ForThisApplicationOnlyNeverEntersTheLibrary: two applications
// ask "why do you want to work at Acme Rockets?"; answered for the first
// only, the answer fills that task's form alone, the library stays empty,
// and the second application still waits for its own answer.
func TestAnswer_ForThisApplicationOnlyNeverEntersTheLibrary(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	answer(t, b, map[string]string{"Will you now or in the future require visa sponsorship?": "No"})
	jobs := pgtest.MustJobs(t, b.db, b.user, 2)
	withForm(t, b, formQuestions(), jobs...)
	mine := taskstest.MustAdd(t, b.db, b.user, b.run, jobs[:1]).Queued[0].TaskID
	other := taskstest.MustAdd(t, b.db, b.user, b.run, jobs[1:]).Queued[0].TaskID
	for _, id := range []domain.ID{mine, other} {
		work(t, b, b.svc, id)
		require.Equal(t, domain.ReasonNeedsAnswer, mustTask(t, b, id).StateReason)
	}
	waiting, err := b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	require.Len(t, waiting, 1)
	require.Equal(t, whyAcme, waiting[0].Key)
	require.Len(t, waiting[0].Askers, 2, "the question names every application asking it")
	require.ElementsMatch(t, []domain.ID{mine, other}, []domain.ID{waiting[0].Askers[0].TaskID, waiting[0].Askers[1].TaskID})
	require.Equal(t, "Company 0", waiting[0].Askers[0].Company)
	libraryBefore, err := b.db.Answers(ctx, b.user.ID)
	require.NoError(t, err)

	res, err := b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: whyAcme, Value: "Your rockets, for this one.", TaskID: &mine}, "test")
	require.NoError(t, err)
	require.Equal(t, 1, res.Resumed)
	require.NotNil(t, res.Answer.TaskID)
	require.Equal(t, mine, *res.Answer.TaskID)
	libraryAfter, err := b.db.Answers(ctx, b.user.ID)
	require.NoError(t, err)
	require.Equal(t, libraryBefore, libraryAfter, "the library is unchanged")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers WHERE key = $1`, whyAcme))
	require.Equal(t, domain.StateQueued, mustTask(t, b, mine).State)
	require.Equal(t, domain.StatePaused, mustTask(t, b, other).State, "the other application still waits for its own answer")
	waiting, err = b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	require.Len(t, waiting, 1)
	require.Len(t, waiting[0].Askers, 1)
	require.Equal(t, other, waiting[0].Askers[0].TaskID)

	// This task's form carries the answer, marked as for this application.
	next := work(t, b, b.svc, mine)
	require.NotNil(t, next.Submit)
	f := next.Submit.Packet.Form.Field("question_2")
	require.Equal(t, "Your rockets, for this one.", f.Value)
	require.Equal(t, domain.SourceApplication, f.Source)

	// The other task, prepared again, does not get it: it waits again.
	_, err = b.db.Pool.Exec(ctx, `UPDATE application_tasks SET state = 'queued' WHERE id = $1`, other)
	require.NoError(t, err)
	next = work(t, b, b.svc, other)
	require.Nil(t, next.Submit)
	require.Equal(t, domain.ReasonNeedsAnswer, mustTask(t, b, other).StateReason)
	require.Contains(t, mustTask(t, b, other).LastError, "Why do you want to work at Acme Rockets?")

	// An application that does not ask the question refuses the answer.
	_, err = b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: whyAcme, Value: "x", TaskID: &mine}, "test")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	// Another user's task: not found either.
	stranger := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err = b.svc.Answer(ctx, stranger.ID, tasks.AnswerInput{Key: whyAcme, Value: "x", TaskID: &other}, "test")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
}

// TestAnswer_SensitiveQuestionRefusesAnEmptyChoice: a work-authorisation
// question saved without a choice is refused (choice_required) for the
// library and for one application, and nothing is filed.
func TestAnswer_SensitiveQuestionRefusesAnEmptyChoice(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	answer(t, b, map[string]string{"Why do you want to work at Acme Rockets?": "Rockets."})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	withForm(t, b, formQuestions(), job...)
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID
	work(t, b, b.svc, id)
	const visa = "will you now or in the future require visa sponsorship"
	before := pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`)

	for _, in := range []tasks.AnswerInput{
		{Key: visa}, {Key: visa, Value: "  "}, {Key: visa, Values: []string{""}}, {Key: visa, TaskID: &id},
	} {
		_, err := b.svc.Answer(ctx, b.user.ID, in, "test")
		require.Equal(t, domain.ECHOICEREQUIRED, domain.ErrorCode(err), "%+v: %v", in, err)
		require.Contains(t, domain.ErrorMessage(err), "choose your answer")
	}
	require.Equal(t, before, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_answers`))
	require.Equal(t, domain.StatePaused, mustTask(t, b, id).State)

	res, err := b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: visa, Value: "No"}, "test")
	require.NoError(t, err)
	require.Equal(t, "No", res.Answer.Value)
}

func TestEditAnswer(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	answer(t, b, map[string]string{"Why do you want to work at Acme Rockets?": "Rockets.", "Do you require visa sponsorship?": "No"})
	lib, err := b.db.Answers(ctx, b.user.ID)
	require.NoError(t, err)
	byKey := map[string]*domain.Answer{}
	for _, a := range lib {
		byKey[a.Key] = a
	}
	why, visa := byKey[whyAcme], byKey["do you require visa sponsorship"]
	require.NotNil(t, why)
	require.Equal(t, domain.CategoryWorkAuthorization, visa.Category)

	got, err := b.svc.EditAnswer(ctx, b.user.ID, why.ID, "  Bigger rockets. ", nil)
	require.NoError(t, err)
	require.Equal(t, "Bigger rockets.", got.Value)
	require.Equal(t, why.Label, got.Label, "the question stays")
	again, err := b.db.Answer(ctx, b.user.ID, why.ID)
	require.NoError(t, err)
	require.Equal(t, "Bigger rockets.", again.Value)

	_, err = b.svc.EditAnswer(ctx, b.user.ID, why.ID, " ", nil)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "emptied: delete it instead")
	_, err = b.svc.EditAnswer(ctx, b.user.ID, visa.ID, "", nil)
	require.Equal(t, domain.ECHOICEREQUIRED, domain.ErrorCode(err))
	_, err = b.svc.EditAnswer(ctx, b.user.ID, why.ID, "a", []string{"b"})
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	stranger := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err = b.svc.EditAnswer(ctx, stranger.ID, why.ID, "mine now", nil)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	again, err = b.db.Answer(ctx, b.user.ID, why.ID)
	require.NoError(t, err)
	require.Equal(t, "Bigger rockets.", again.Value, "refused edits change nothing")
}
