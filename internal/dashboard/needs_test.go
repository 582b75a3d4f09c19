package dashboard_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// The questions page names who asks, keeps a company-specific answer for
// one application by default, refuses a sensitive question without a
// choice (422, saying so), and edits library answers.
func TestQuestionsPage_ContextScopeChoiceAndEdit(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	id := waitingTask(t, b, user, false, nil)
	ctx := context.Background()
	_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET company = 'Acme', title = 'Rocket Engineer' WHERE id = (SELECT job_id FROM application_tasks WHERE id = $1)`, id)
	require.NoError(t, err)

	_, page := b.get(t, "/questions", session)
	page = html.UnescapeString(page)
	require.Contains(t, page, `<a href="/tasks/`+id.String()+`">Rocket Engineer at Acme</a>`, "the question names the application asking it")
	require.Contains(t, page, `<option value="" selected>Choose…</option>`, "a choice starts empty")
	// "Why Acme?" names the company: kept for the application by default;
	// the visa question goes to the library by default.
	require.Contains(t, page, `<input type="radio" name="scope" value="`+id.String()+`" checked> For Rocket Engineer at Acme only`)
	require.Contains(t, page, `<input type="radio" name="scope" value="library" checked> In my library, for every application`)

	// No choice: refused, saying so, nothing saved.
	res, body := b.post(t, "/questions", url.Values{"key": {"will you require visa sponsorship"}, "value": {""}, "scope": {"library"}}, session)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), "choose your answer to “Will you require visa sponsorship?”")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`))

	res, body = b.post(t, "/questions", url.Values{"key": {"why acme"}, "value": {"Rockets."}, "scope": {id.String()}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`), "for this application only: not in the library")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_answers WHERE task_id = $1`, id))
	_, page = b.get(t, "/tasks/"+id.String(), session)
	require.Contains(t, page, "Your answers for this application only")
	require.Contains(t, page, "<dt>Why Acme?</dt><dd>Rockets.</dd>")
	res, body = b.post(t, "/questions", url.Values{"key": {"will you require visa sponsorship"}, "value": {"No"}, "scope": {"library"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, id))

	// Edit the library answer.
	var answerID domain.ID
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT id FROM answers`).Scan(&answerID))
	res, body = b.post(t, "/answers/"+answerID.String()+"/edit", url.Values{"value": {""}}, session)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), "choose your answer")
	res, body = b.post(t, "/answers/"+answerID.String()+"/edit", url.Values{"value": {"Yes"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/questions?msg=answer_edited", res.Header.Get("Location"))
	a, err := b.db.Answer(ctx, user.ID, answerID)
	require.NoError(t, err)
	require.Equal(t, "Yes", a.Value)
	_, other := b.user(t)
	res, _ = b.post(t, "/answers/"+answerID.String()+"/edit", url.Values{"value": {"No"}}, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
}

// A task whose form needed its person is marked as applied by hand from
// its page; the timeline says you did.
func TestTaskPage_MarkAppliedByHand(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	id := waitingTask(t, b, user, false, nil)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state_reason = 'needs_user' WHERE id = $1`, id)
	require.NoError(t, err)

	_, page := b.get(t, "/tasks/"+id.String(), session)
	require.Contains(t, page, `action="/tasks/`+id.String()+`/applied"`)
	require.Contains(t, page, `target="_blank" rel="noopener">Open the form</a>`)
	// The inbox lists it under Needs you, with the same actions.
	res, page := b.get(t, "/approvals", session)
	require.Equal(t, http.StatusOK, res.StatusCode, page)
	require.Contains(t, page, "<h1>Needs you</h1>")
	require.Contains(t, page, `action="/tasks/`+id.String()+`/applied"`)

	res, _ = b.post(t, "/tasks/"+id.String()+"/resume", url.Values{}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/tasks/"+id.String()+"/resume", res.Header.Get("Location"), "a resume that would stop again asks first")
	res, page = b.get(t, "/tasks/"+id.String()+"/resume", session)
	require.Equal(t, http.StatusOK, res.StatusCode, page)
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, b.db, id))

	res, body := b.post(t, "/tasks/"+id.String()+"/applied", url.Values{}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, domain.StateSubmitted, pgtest.MustTaskState(t, b.db, id))
	_, page = b.get(t, res.Header.Get("Location"), session)
	require.Contains(t, page, "You marked this as applied by hand")
}

// TestTaskCard_WaitingForAnswersLeadsToTheQuestions: a task that waits for
// answers shows where to give them as its first action, on its page and in
// its queue view.
func TestTaskCard_WaitingForAnswersLeadsToTheQuestions(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	id := waitingTask(t, b, user, false, nil)
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, b.db, id))
	for _, path := range []string{"/tasks/" + id.String(), "/queue/paused"} {
		res, page := b.get(t, path, session)
		require.Equal(t, http.StatusOK, res.StatusCode, page)
		require.Contains(t, page, `<a class="button primary" href="/questions">Answer the questions</a>`, path)
	}
}
