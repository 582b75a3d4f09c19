package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
)

// chromiumPath is the browser the browser tests drive (proctest.Chromium).
func chromiumPath(t *testing.T) string { return proctest.Chromium(t) }

// screenshotDir is where browser tests write screenshots of the main views.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("APPLYQ_TEST_OUTPUT")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "tmp", "screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser without a deadline (it lives as long as this context).
	require.NoError(t, chromedp.Do(ctx))
	t.Cleanup(func() {
		if t.Failed() {
			if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				_ = os.WriteFile(filepath.Join(screenshotDir(t), "failure-"+t.Name()+".png"), buf, 0o644)
			}
		}
	})
	return ctx
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644))
}

// countCards returns how many task cards the page shows now.
func countCards(ctx context.Context) (int, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("li.task-card").length`))
}

// TestBrowser_JobSeekerFlow drives the dashboard in headless Chromium with
// the mouse and keyboard only.
func TestBrowser_JobSeekerFlow(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, 1280, 900)
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{NoWorker: true, HandoffDelay: -1})
	s.startMailer(t)
	base := s.api.URL
	email := "browser-" + domain.NewID().String()[24:] + "@example.test"

	signInBrowser(t, ctx, s, email) // through the confirm page
	user, err := s.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	_, err = s.db.UpdateProfile(context.Background(), user.ID, domain.Profile{Name: "Browser User"}, 100)
	require.NoError(t, err)

	// Create a run that asks for approval (the form's default).
	require.NoError(t, step(ctx,
		chromedp.SendKeys(chromedp.CSS(`#run-name`), "Browser run"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="requires_approval"]:checked`)),
		chromedp.SendKeys(chromedp.CSS(`#run-template`), "Dear {{.company}},"),
		chromedp.Click(chromedp.CSS(`form[action="/runs"] button`)),
		chromedp.WaitVisible(`//td/a[.="Browser run"]`),
	))
	shot(t, ctx, dir, "runs")

	// Paste three postings and add them to the run.
	urls := []string{"https://boards.greenhouse.io/acme/jobs/1", "https://jobs.lever.co/globex/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c", "https://apply.workable.com/initech/j/3A1B2C3D4E"}
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Jobs"]`),
		chromedp.WaitVisible(chromedp.CSS(`#urls`)),
		chromedp.SendKeys(chromedp.CSS(`#urls`), strings.Join(urls, "\n")),
		chromedp.Click(chromedp.CSS(`form[action="/jobs"][method="post"] button`)),
		chromedp.WaitVisible(`//h2[.="What was pasted"]`),
	))
	created, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".results .badge.ok").length`))
	require.NoError(t, err)
	require.Equal(t, 3, created)
	shot(t, ctx, dir, "jobs")
	// Tick every job with the mouse.
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="job_id"]').length`))
	require.NoError(t, err)
	require.Equal(t, 3, boxes)
	for i := 1; i <= boxes; i++ {
		require.NoError(t, step(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tbody tr:nth-child(%d) input[name="job_id"]`, i)))))
	}
	require.NoError(t, step(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/jobs/add"] button`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "3 task(s) queued")]`),
	))
	n, err := countCards(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	shot(t, ctx, dir, "queue-queued")

	// Watch tasks arrive in the awaiting-approval view without a reload.
	require.NoError(t, step(ctx,
		chromedp.Click(`//summary[.="Queue views"]`),
		chromedp.Click(`//nav//a[starts-with(@href, "/queue/awaiting_approval")]`),
		chromedp.WaitVisible(`//h1[contains(., "awaiting approval")]`),
	))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__marker = "same page"; true`))
	require.NoError(t, err)
	n, err = countCards(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	s.startWorker(t, stackOpts{})
	waitFor(t, 30*time.Second, "cards to arrive live", func() bool {
		n, err := countCards(ctx)
		return err == nil && n == 3
	})
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__marker`))
	require.NoError(t, err)
	require.Equal(t, "same page", marker, "no reload happened")
	shot(t, ctx, dir, "queue-awaiting-approval")

	// Approve one from the inbox.
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[starts-with(., "Approvals")]`),
		chromedp.WaitVisible(`//h1[.="Approvals"]`),
	))
	shot(t, ctx, dir, "approvals")
	require.NoError(t, step(ctx, // approving opens the review first
		chromedp.Click(`//a[.="Review and approve"]`),
		chromedp.WaitVisible(chromedp.CSS(`.approve-bar`)),
		chromedp.Click(chromedp.CSS(`.approve-bar button[value="approve"]`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Approved")]`),
	))
	waitFor(t, 20*time.Second, "one submission", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`) == 1
	})

	// Cancel one from its card in the awaiting view.
	require.NoError(t, step(ctx,
		chromedp.Click(`//summary[.="Queue views"]`),
		chromedp.Click(`//nav//a[starts-with(@href, "/queue/awaiting_approval")]`),
		chromedp.WaitVisible(chromedp.CSS(`li.task-card`)),
		chromedp.Click(chromedp.CSS(`li.task-card form[action$="/cancel"] button`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Task cancelled")]`),
	))
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE state = 'cancelled' AND state_reason = 'cancelled_by_user'`))

	// The last one's approval expires (the sweeper pauses it). Pause the run,
	// add two more jobs, resume the paused task: it is first in queued.
	var paused domain.ID
	require.NoError(t, s.db.Pool.QueryRow(context.Background(), `SELECT id FROM application_tasks WHERE state = 'awaiting_approval'`).Scan(&paused))
	// Expiry is judged on the database's clock: move the request's expiry into the past.
	_, err = s.db.Pool.Exec(context.Background(), `UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE task_id = $1`, paused)
	require.NoError(t, err)
	res, err := newSweeper(t, s.db, time.Now).RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.ExpiredApprovals)
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Runs"]`),
		chromedp.Click(chromedp.CSS(`form[action$="/pause"] button`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Run paused")]`),
		chromedp.Click(`//nav/a[.="Jobs"]`),
		// With jobs listed, "Add postings" is folded: open it.
		chromedp.Click(chromedp.CSS(`#add-postings > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#urls`)),
		chromedp.SendKeys(chromedp.CSS(`#urls`), "https://jobs.ashbyhq.com/initech/4a0c1f6e-1d2b-4c3d-9e8f-0a1b2c3d4e54\nhttps://jobs.ashbyhq.com/initech/5a0c1f6e-1d2b-4c3d-9e8f-0a1b2c3d4e55"),
		chromedp.Click(chromedp.CSS(`form[action="/jobs"][method="post"] button`)),
		chromedp.WaitVisible(`//h2[.="What was pasted"]`),
		// The two new postings are listed first (newest first).
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) input[name="job_id"]`)),
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(2) input[name="job_id"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/jobs/add"] button`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "2 task(s) queued")]`),
		chromedp.Click(`//summary[.="Queue views"]`),
		chromedp.Click(`//nav//a[starts-with(@href, "/queue/paused")]`),
		chromedp.WaitVisible(chromedp.CSS(`li.task-card`)),
	))
	shot(t, ctx, dir, "queue-paused")
	require.NoError(t, step(ctx,
		chromedp.Click(chromedp.CSS(`li.task-card form[action$="/resume"] button`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Task resumed")]`),
		chromedp.Click(`//summary[.="Queue views"]`),
		chromedp.Click(`//nav//a[starts-with(@href, "/queue/queued")]`),
		chromedp.WaitVisible(chromedp.CSS(`li.task-card`)),
	))
	first, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`li.task-card`), "data-task"))
	require.NoError(t, err)
	boosted, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("li.task-card .badge.boosted")`))
	require.NoError(t, err)
	require.Equal(t, paused.String(), first.Value, "the resumed task is first in queued")
	require.True(t, boosted)
	n, err = countCards(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	shot(t, ctx, dir, "queue-queued-resumed-first")

	// The task page: timeline and packet.
	require.NoError(t, step(ctx,
		chromedp.Click(chromedp.CSS(`li.task-card h2 a`)),
		chromedp.WaitVisible(`//h2[.="Timeline"]`),
	))
	shot(t, ctx, dir, "task")

	// Phone width: the queue view still reads.
	phone := newBrowser(t, 390, 844)
	require.NoError(t, chromedp.Do(phone, chromedp.Navigate(base+"/sign-in"), chromedp.WaitVisible(chromedp.CSS(`#email`))))
	shot(t, phone, dir, "phone-sign-in")
	t.Logf("screenshots in %s", dir)
}

// step runs actions with a bound, so a missing element fails fast.
// signInBrowser signs email in through the sign-in form and the mailed
// link, as a person does, and leaves the browser on the runs page; a
// second browser of the same person follows the newer mail's link.
func signInBrowser(t *testing.T, ctx context.Context, s *stack, email string) {
	t.Helper()
	before := len(s.mail.Links(email, "/auth/confirm?token="))
	require.NoError(t, step(ctx,
		chromedp.Navigate(s.api.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`)),
		chromedp.WaitVisible(`//h1[contains(., "Check your email")]`),
	))
	var link string
	waitFor(t, 20*time.Second, "the sign-in mail", func() bool {
		if links := s.mail.Links(email, "/auth/confirm?token="); len(links) > before {
			link = links[len(links)-1]
		}
		return link != ""
	})
	require.NoError(t, step(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`form[action="/auth/confirm"] button`)),
		chromedp.WaitVisible(`//h1[.="Runs"]`),
	))
}

func step(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return chromedp.Do(sctx, actions...)
}

// noSidewaysScroll fails when the page is wider than the window.
func noSidewaysScroll(t *testing.T, ctx context.Context, width int, what string) {
	t.Helper()
	inner, err := chromedp.Run(ctx, chromedp.Evaluate[int](`innerWidth`))
	require.NoError(t, err)
	require.LessOrEqual(t, inner, width, "the window is %d px wide", width)
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	require.NoError(t, err)
	if w > width {
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 8).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().right)).join("; ")`))
		t.Logf("wider than the window: %s", wide)
	}
	require.LessOrEqual(t, w, width, "%s scrolls sideways at %d px", what, width)
}

// newPhone is a browser with a phone's viewport, 390 × 844 CSS pixels
// (headless Chromium's window is at least 500 px wide: the viewport is
// emulated).
func newPhone(t *testing.T) context.Context {
	t.Helper()
	ctx := newBrowser(t, 390, 844)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)))
	return ctx
}
