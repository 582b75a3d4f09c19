package dashboard_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// waitingTask adds a job whose form asks a visa question and a free-text
// one to a run of user and prepares it: it waits for both answers, or —
// with answers given first — for approval.
func waitingTask(t *testing.T, b *bundle, user *domain.User, approval bool, answers map[string]string) domain.ID {
	t.Helper()
	ctx := context.Background()
	p := user.Profile
	p.Name, p.FirstName = "Ada Lovelace", "Ada"
	_, err := b.db.UpdateProfile(ctx, user.ID, p, 50)
	require.NoError(t, err)
	job := pgtest.MustJobs(t, b.db, user, 1)
	taskstest.MustForm(t, b.db, taskstest.Form(), job...)
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	for label, value := range answers {
		_, err := svc.Answer(ctx, user.ID, tasks.AnswerInput{Label: label, Value: value}, "test")
		require.NoError(t, err)
	}
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{RequiresApproval: approval})
	id := taskstest.MustAdd(t, b.db, user, run, job).Queued[0].TaskID
	taskstest.MustWork(t, b.db, svc, user.ID, id)
	return id
}

// The questions page lists what applications wait for and answers it in
// place; a refused answer shows again with its error; answering the last
// question queues the application again.
func TestQuestionsPage_AnswerWaitingQuestions(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	id := waitingTask(t, b, user, false, nil)

	res, page := b.get(t, "/questions", session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	page = html.UnescapeString(page)
	require.Contains(t, page, `<a href="/questions">Questions</a>`)
	require.Contains(t, page, "Will you require visa sponsorship?")
	require.Contains(t, page, `title="Filled only by your answer to this exact question">work authorization</span>`)
	require.Contains(t, page, `<option value="No">No</option>`)
	require.Contains(t, page, "Why Acme?")

	res, body := b.post(t, "/questions", url.Values{"key": {"why acme"}, "value": {"  "}}, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), "the answer is empty")

	res, body = b.post(t, "/questions", url.Values{"key": {"will you require visa sponsorship"}, "value": {"No"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/questions?msg=answer_saved.0.1", res.Header.Get("Location"))
	res, body = b.post(t, "/questions", url.Values{"key": {"why acme"}, "value": {"Rockets.\r\nAnd more."}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	_, page = b.get(t, res.Header.Get("Location"), session)
	require.Contains(t, page, "Answer saved: 1 application(s) queued again, 0 still waiting")
	require.Contains(t, page, "No application is waiting for an answer.")
	require.Contains(t, html.UnescapeString(page), "Rockets.\nAnd more.", "the library lists the answer")
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, id))

	// Another user's answer cannot be deleted; the owner's can.
	answers, err := b.db.Answers(context.Background(), user.ID)
	require.NoError(t, err)
	_, other := b.user(t)
	res, _ = b.post(t, "/answers/"+answers[0].ID.String()+"/delete", nil, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.post(t, "/answers/"+answers[0].ID.String()+"/delete", nil, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers WHERE user_id = $1`, user.ID))
}

// The review page shows every field of the form with where its value came
// from; an edit that does not fit shows the page again, nothing decided;
// approving with an edit sends the edited form.
func TestReviewPage_EditThenApprove(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	id := waitingTask(t, b, user, true, map[string]string{"Will you require visa sponsorship?": "No", "Why Acme?": "Rockets."})
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, id))
	a, err := b.db.ApprovalLatestForTask(context.Background(), id)
	require.NoError(t, err)
	path := "/approvals/" + a.ID.String()

	_, page := b.get(t, "/approvals", session)
	require.Contains(t, page, `href="`+path+`">Review and approve</a>`)
	res, page := b.get(t, path, session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	page = html.UnescapeString(page)
	for _, want := range []string{`<option value="0" selected>No</option>`, "your saved answer", "from your profile", `name="f.q_why"`, "Rockets.</textarea>"} {
		require.Contains(t, page, want)
	}

	form := url.Values{"decision": {"approve"}, "present.f.first_name": {"1"}, "f.first_name": {""}, "present.f.q_why": {"1"}, "f.q_why": {"Because."}}
	res, body := b.post(t, path+"/decide", form, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), "is required: it cannot be emptied")
	require.Contains(t, body, "Because.</textarea>", "what was entered is shown again")
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, id), "nothing decided")

	form.Set("f.first_name", "Ada")
	form.Set("save_to_library", "1")
	res, body = b.post(t, path+"/decide", form, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/approvals?msg=approved", res.Header.Get("Location"))
	task, err := b.db.TaskGet(context.Background(), user.ID, id)
	require.NoError(t, err)
	require.Equal(t, domain.StateApproved, task.State)
	var stored []byte
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT packet FROM application_tasks WHERE id = $1`, id).Scan(&stored))
	var sent domain.Packet
	require.NoError(t, json.Unmarshal(stored, &sent))
	require.Equal(t, "Because.", sent.Form.Field("q_why").Value)
	require.Equal(t, domain.SourceUserEdit, sent.Form.Field("q_why").Source)
	require.Equal(t, "Ada", sent.Form.Field("first_name").Value, "unchanged fields stay as prepared")
	require.Equal(t, domain.SourceProfile, sent.Form.Field("first_name").Source)

	// The task page shows what changed.
	_, page = b.get(t, "/tasks/"+id.String(), session)
	require.Contains(t, html.UnescapeString(page), "Why Acme?: “Rockets.” → “Because.”")
	// Another user cannot open it.
	_, other := b.user(t)
	res, _ = b.get(t, path, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
}

// A form the browser read (form discovery) is reviewed like a published
// one: every field with where its value came from, each editable — its
// platform's field names, brackets and all — and the edited form is what
// is approved.
func TestReviewPage_DiscoveredForm(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	user, session := b.user(t)
	job := pgtest.MustJobs(t, b.db, user, 1)
	_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET canonical_key = 'lever:globex:' || id WHERE id = $1`, job[0])
	require.NoError(t, err)
	yesNo := []domain.QuestionOption{{Label: "Yes", Value: "Yes"}, {Label: "No", Value: "No"}}
	taskstest.MustDiscoveredForm(t, b.db, user.ID, []domain.Question{
		{Field: "name", Label: "Full name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "name"},
		{Field: "cards[a1][field0]", Label: "What draws you to Globex?", Kind: domain.QuestionTextarea, Required: true, Section: domain.SectionCustom},
		{Field: "cards[b2][field0]", Label: "Are you legally authorized to work in the US?", Kind: domain.QuestionSingleSelect, Required: true,
			Section: domain.SectionCustom, Options: yesNo},
	}, job...)
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	for label, value := range map[string]string{"What draws you to Globex?": "The engines.", "Are you legally authorized to work in the US?": "Yes"} {
		_, err := svc.Answer(ctx, user.ID, tasks.AnswerInput{Label: label, Value: value}, "test")
		require.NoError(t, err)
	}
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{RequiresApproval: true})
	id := taskstest.MustAdd(t, b.db, user, run, job).Queued[0].TaskID
	taskstest.MustWork(t, b.db, svc, user.ID, id)
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, id))
	a, err := b.db.ApprovalLatestForTask(ctx, id)
	require.NoError(t, err)
	path := "/approvals/" + a.ID.String()

	res, page := b.get(t, path, session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	page = html.UnescapeString(page)
	for _, want := range []string{"Full name", "from your profile", "What draws you to Globex?", `name="f.cards[a1][field0]"`, "The engines.</textarea>",
		"Are you legally authorized to work in the US?", `<option value="Yes" selected>Yes</option>`, "your saved answer"} {
		require.Contains(t, page, want)
	}

	form := url.Values{"decision": {"approve"}, "present.f.cards[a1][field0]": {"1"}, "f.cards[a1][field0]": {"The gears."},
		"present.f.cards[b2][field0]": {"1"}, "f.cards[b2][field0]": {"Yes"}}
	res, body := b.post(t, path+"/decide", form, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	var stored []byte
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT packet FROM application_tasks WHERE id = $1`, id).Scan(&stored))
	var sent domain.Packet
	require.NoError(t, json.Unmarshal(stored, &sent))
	require.Equal(t, "The gears.", sent.Form.Field("cards[a1][field0]").Value, "the edited form is what is approved")
	require.Equal(t, domain.SourceUserEdit, sent.Form.Field("cards[a1][field0]").Source)
	require.Equal(t, "Yes", sent.Form.Field("cards[b2][field0]").Value)
}

// The run form sets a run's approval window; a window that is not a
// window applyq offers (a whole number of minutes within the bounds) is
// refused next to its field.
func TestRunsPage_ApprovalWindow(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	res, body := b.post(t, "/runs", url.Values{"name": {"batch review"}, "requires_approval": {"on"}, "approval_ttl_minutes": {"soon"}}, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, "Approval window must be one of the windows offered, between a minute and a week.")
	res, body = b.post(t, "/runs", url.Values{"name": {"batch review"}, "requires_approval": {"on"}, "approval_ttl_minutes": {"90"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	runs, _, err := b.db.ListRuns(context.Background(), user.ID, "", 10)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, 90*time.Minute, runs[0].ApprovalTTL)
}
