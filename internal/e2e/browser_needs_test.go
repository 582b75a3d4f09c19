package e2e_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestBrowser_NeedsYou_TaskActions: a task whose form needed the person
// offers, on its page and in the inbox, the actions that end it; resuming
// it asks first; marking it as applied by hand submits it, and the
// timeline says the person did.
func TestBrowser_NeedsYou_TaskActions(t *testing.T) {
	t.Parallel()
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{NoWorker: true, HandoffDelay: -1})
	s.startMailer(t)
	email := "needs-" + domain.NewID().String()[24:] + "@example.test"
	ctx := newBrowser(t, 1280, 900)
	signInBrowser(t, ctx, s, email)
	bg := context.Background()
	user, err := s.db.UserByEmail(bg, email)
	require.NoError(t, err)
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{})
	jobs := pgtest.MustJobs(t, s.db, user, 1)
	task := taskstest.MustAdd(t, s.db, user, run, jobs).Queued[0].TaskID
	pgtest.MustForceState(t, s.db, task, domain.StatePaused)
	_, err = s.db.Pool.Exec(bg, `UPDATE application_tasks SET state_reason = 'needs_user',
		last_error = 'the form shows a CAPTCHA to solve' WHERE id = $1`, task)
	require.NoError(t, err)
	job, err := s.db.GetJob(bg, user.ID, jobs[0])
	require.NoError(t, err)
	page := s.api.URL + "/tasks/" + task.String()

	// The inbox lists it with its actions.
	require.NoError(t, step(ctx,
		chromedp.Navigate(s.api.URL+"/approvals"),
		chromedp.WaitVisible(`//h1[.="Needs you"]`),
		chromedp.WaitVisible(chromedp.CSS(`li.task-card[data-task="`+task.String()+`"] .needs-you form[action$="/applied"] button`)),
	))

	// Its page: open the form (a new tab, no opener), mark as applied, cancel.
	require.NoError(t, step(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`.needs-you`)),
	))
	open, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
		const a = [...document.querySelectorAll(".needs-you a")].find(a => a.textContent.trim() === "Open the form");
		return a ? {href: a.href, target: a.target, rel: a.rel} : {};
	})()`))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"href": job.URL, "target": "_blank", "rel": "noopener"}, open)
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".needs-you button")].map(b => b.textContent.trim())`))
	require.NoError(t, err)
	require.Equal(t, []string{"Mark as applied by hand", "Resume", "Cancel"}, labels)
	shot(t, ctx, dir, "needs-task-1280")

	// Resume asks first, and going back changes nothing.
	require.NoError(t, step(ctx,
		chromedp.Click(chromedp.CSS(`.needs-you form[action$="/resume"] button`)),
		chromedp.WaitVisible(`//h1[.="Resume this application?"]`),
		chromedp.WaitVisible(`//p[@id="resume-why"][contains(., "most likely stop at the same place")]`),
	))
	shot(t, ctx, dir, "needs-resume-confirm-1280")
	require.NoError(t, step(ctx,
		chromedp.Click(`//a[.="Go back"]`),
		chromedp.WaitVisible(chromedp.CSS(`.needs-you`)),
	))
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, s.db, task))

	// At phone width: the same actions, no sideways scroll.
	phone := newPhone(t)
	signInBrowser(t, phone, s, email)
	require.NoError(t, step(phone,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`.needs-you form[action$="/applied"] button`)),
	))
	noSidewaysScroll(t, phone, 390, "the task page")
	shot(t, phone, dir, "needs-task-390")
	require.NoError(t, step(phone,
		chromedp.Navigate(s.api.URL+"/approvals"),
		chromedp.WaitVisible(`//h1[.="Needs you"]`),
	))
	noSidewaysScroll(t, phone, 390, "the inbox")
	shot(t, phone, dir, "needs-inbox-390")

	// Mark as applied by hand, from the keyboard.
	require.NoError(t, step(ctx,
		chromedp.SendKeys(chromedp.CSS(`.needs-you form[action$="/applied"] button`), "\r"),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Marked as applied by hand")]`),
		chromedp.WaitVisible(`//ol[@class="timeline"]/li[contains(., "You marked this as applied by hand")]`),
	))
	require.Equal(t, domain.StateSubmitted, pgtest.MustTaskState(t, s.db, task))
	gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector(".needs-you")`))
	require.NoError(t, err)
	require.True(t, gone, "a submitted task needs nobody")
	shot(t, ctx, dir, "needs-task-applied-1280")
}

// TestBrowser_Questions_ContextAndChoice: the Questions page names the
// application asking each question; "Why Acme?" is answered for that
// application only (the library stays empty); the visa question's Save is
// refused until a choice is made; a library answer is edited in place.
func TestBrowser_Questions_ContextAndChoice(t *testing.T) {
	t.Parallel()
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{NoWorker: true, HandoffDelay: -1})
	s.startMailer(t)
	email := "questions-" + domain.NewID().String()[24:] + "@example.test"
	ctx := newBrowser(t, 1280, 900)
	signInBrowser(t, ctx, s, email)
	bg := context.Background()
	user, err := s.db.UserByEmail(bg, email)
	require.NoError(t, err)
	p := user.Profile
	p.Name, p.FirstName = "Ada Lovelace", "Ada"
	_, err = s.db.UpdateProfile(bg, user.ID, p, 50)
	require.NoError(t, err)
	jobs := pgtest.MustJobs(t, s.db, user, 1)
	_, err = s.db.Pool.Exec(bg, `UPDATE job_postings SET company = 'Acme', title = 'Rocket Engineer' WHERE id = $1`, jobs[0])
	require.NoError(t, err)
	taskstest.MustForm(t, s.db, taskstest.Form(), jobs...)
	task := taskstest.MustAdd(t, s.db, user, pgtest.MustRun(t, s.db, user, pgtest.RunOpts{}), jobs).Queued[0].TaskID
	taskstest.MustWork(t, s.db, taskstest.MustService(t, s.db, tasks.Options{}), user.ID, task)
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, s.db, task))
	why := `li.question[data-key="why acme"]`
	visa := `li.question[data-key="will you require visa sponsorship"]`

	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Questions"]`),
		chromedp.WaitVisible(chromedp.CSS(why)),
		chromedp.WaitVisible(`//li[@data-key="why acme"]//p[@class="asked-by"]/a[.="Rocket Engineer at Acme"]`),
	))
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+why+` input[name="scope"]:checked').value`))
	require.NoError(t, err)
	require.Equal(t, task.String(), checked, "a question naming the company is kept for that application by default")
	chosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+visa+` select').value`))
	require.NoError(t, err)
	require.Empty(t, chosen, "the visa question starts on Choose…")
	shot(t, ctx, dir, "questions-1280")

	// The phone view reads without sideways scroll.
	phone := newPhone(t)
	signInBrowser(t, phone, s, email)
	require.NoError(t, step(phone,
		chromedp.Navigate(s.api.URL+"/questions"),
		chromedp.WaitVisible(chromedp.CSS(visa+` select`)),
	))
	noSidewaysScroll(t, phone, 390, "the questions page")
	shot(t, phone, dir, "questions-390")

	// Save without a choice: refused, saying why; nothing saved.
	require.NoError(t, step(ctx,
		chromedp.Click(chromedp.CSS(visa+` button[type="submit"]`)),
		chromedp.WaitVisible(`//li[@data-key="will you require visa sponsorship"]//p[contains(@class,"field-error")][contains(., "choose your answer")]`),
	))
	require.Zero(t, pgtest.MustCount(t, s.db, `SELECT count(*) FROM answers`))
	shot(t, ctx, dir, "questions-choice-refused-1280")

	// "Why Acme?" for this application only, typed and sent from the keyboard.
	require.NoError(t, step(ctx,
		chromedp.Click(chromedp.CSS(why+` textarea`)),
		chromedp.SendKeys(chromedp.CSS(why+` textarea`), "Your rockets fly."),
		chromedp.SendKeys(chromedp.CSS(why+` button[type="submit"]`), "\r"),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Answer saved")]`),
	))
	require.Zero(t, pgtest.MustCount(t, s.db, `SELECT count(*) FROM answers`), "for this application only: the library stays empty")
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM task_answers WHERE task_id = $1 AND value = 'Your rockets fly.'`, task))

	// Now choose for the visa question, into the library.
	require.NoError(t, step(ctx,
		chromedp.WaitVisible(chromedp.CSS(visa+` select`)),
		chromedp.SetValue(chromedp.CSS(visa+` select`), "No"),
		chromedp.Click(chromedp.CSS(visa+` button[type="submit"]`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "1 application(s) queued again")]`),
	))
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, s.db, task))
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM answers WHERE value = 'No'`))

	// Edit the library answer in place.
	require.NoError(t, step(ctx,
		chromedp.Click(`//details[@class="edit-answer"]/summary`),
		chromedp.Clear(chromedp.CSS(`details.edit-answer textarea`)),
		chromedp.SendKeys(chromedp.CSS(`details.edit-answer textarea`), "Yes"),
		chromedp.Click(chromedp.CSS(`details.edit-answer button[type="submit"]`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Answer changed")]`),
	))
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM answers WHERE value = 'Yes'`))
	shot(t, ctx, dir, "questions-answered-1280")
}
