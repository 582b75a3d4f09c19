package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestBrowser_AnswerAQuestionThenApproveAnEditedForm: an application whose
// form asks what nothing answers waits; the user answers on the Questions
// page, the worker prepares it again and it waits for approval; the user
// reviews it, edits an answer, approves, and the edited form is what is
// sent — all with the mouse and keyboard.
func TestBrowser_AnswerAQuestionThenApproveAnEditedForm(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, 1280, 1000)
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{HandoffDelay: -1})
	s.startMailer(t)
	email := "forms-" + domain.NewID().String()[24:] + "@example.test"
	signInBrowser(t, ctx, s, email)
	bg := context.Background()
	user, err := s.db.UserByEmail(bg, email)
	require.NoError(t, err)
	_, err = s.db.UpdateProfile(bg, user.ID, domain.Profile{Name: "Ada Lovelace", FirstName: "Ada"}, 50)
	require.NoError(t, err)
	job := pgtest.MustJobs(t, s.db, user, 1)
	taskstest.MustForm(t, s.db, taskstest.Form(), job...)
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{RequiresApproval: true, Template: "Dear {{.company}},"})
	id := taskstest.MustAdd(t, s.db, user, run, job).Queued[0].TaskID
	waitFor(t, 30*time.Second, "the application to wait for answers", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state_reason = 'needs_answer'`, id) == 1
	})

	// Answer both questions on the Questions page.
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Questions"]`),
		chromedp.WaitVisible(`//h3[.="Will you require visa sponsorship?"]`),
		chromedp.SetValue(`//li[.//h3[.="Will you require visa sponsorship?"]]//select`, "No"),
	))
	shot(t, ctx, dir, "questions")
	require.NoError(t, step(ctx,
		chromedp.Click(`//li[.//h3[.="Will you require visa sponsorship?"]]//button`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "0 application(s) queued again, 1 still waiting")]`),
		chromedp.SendKeys(`//li[.//h3[.="Why Acme?"]]//textarea`, "Rockets."),
		chromedp.Click(`//li[.//h3[.="Why Acme?"]]//button`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "1 application(s) queued again")]`),
	))
	waitFor(t, 30*time.Second, "the application to wait for approval", func() bool {
		return pgtest.MustTaskState(t, s.db, id) == domain.StateAwaitingApproval
	})

	// Review, edit one answer, approve.
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[starts-with(., "Approvals")]`),
		chromedp.Click(`//a[.="Review and approve"]`),
		chromedp.WaitVisible(`//h2[.="What will be sent"]`),
	))
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("table.form-review").innerText`))
	require.NoError(t, err)
	require.Contains(t, shown, "your saved answer")
	require.Contains(t, shown, "from your profile")
	require.NoError(t, step(ctx,
		chromedp.Clear(chromedp.CSS(`textarea[name="f.q_why"]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="f.q_why"]`), "Because rockets."),
		chromedp.Click(chromedp.CSS(`input[name="save_to_library"]`)),
	))
	shot(t, ctx, dir, "review")
	require.NoError(t, step(ctx,
		chromedp.Click(`//button[.="Approve and submit"]`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Approved")]`),
	))
	waitFor(t, 30*time.Second, "the edited application submitted", func() bool {
		return pgtest.MustTaskState(t, s.db, id) == domain.StateSubmitted
	})
	sent := s.dry.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, "Because rockets.", sent[0].Form.Field("q_why").Value, "the edited form is what is sent")
	require.Equal(t, domain.SourceUserEdit, sent[0].Form.Field("q_why").Source)
	require.Equal(t, "0", sent[0].Form.Field("q_visa").Value)
	saved, err := s.db.AnswerByKey(bg, user.ID, "why acme")
	require.NoError(t, err)
	require.Equal(t, "Because rockets.", saved.Value)
}
