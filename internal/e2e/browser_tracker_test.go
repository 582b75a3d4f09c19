package e2e_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// trackerJob is a posting of a followed board, seeded for the tracker.
type trackerJob struct {
	platform                                       domain.Platform
	board, company, id, title, location, pay, dept string
	state                                          domain.State // "" for no task
	stage                                          domain.Stage // the person's own, "" for none
}

// seedTracker gives user one job per entry, each from its board's source,
// its task forced into the state asked (no worker runs: it stays there),
// or the person's stage set.
func seedTracker(t *testing.T, s *stack, user *domain.User, jobs []trackerJob) map[string]domain.ID {
	t.Helper()
	ctx := context.Background()
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{Name: "Backend roles, autumn"})
	ids := map[string]domain.ID{}
	for _, j := range jobs {
		src, err := s.db.SourceCreate(ctx, user.ID, domain.SourceCreate{Platform: j.platform, Board: j.board, Name: j.company, SyncEvery: domain.MinSyncEvery})
		require.NoError(t, err)
		p := domain.BoardPosting{ExternalID: j.id, Title: j.title, Location: j.location, Compensation: j.pay, Department: j.dept,
			EmploymentType: "Full-time", URL: "https://jobs.example.test/" + j.board + "/" + j.id,
			Description: "About the role\nYou will build and run the services " + j.company + " depends on.\n\nWhat you bring\n- Go in production\n- Postgres\n- Calm on call"}
		id, _, err := s.db.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(j.platform, j.board, j.id), j.company, p)
		require.NoError(t, err)
		ids[j.title] = id
		if j.state != "" {
			res := taskstest.MustAdd(t, s.db, user, run, []domain.ID{id})
			if j.state != domain.StateQueued {
				pgtest.MustForceState(t, s.db, res.Queued[0].TaskID, j.state)
			}
		}
		if j.stage != "" {
			st := j.stage
			_, err := s.svc.SetJobStage(ctx, user.ID, id, &st)
			require.NoError(t, err)
		}
	}
	return ids
}

// TestBrowser_JobsTracker drives the jobs page as a tracker with the mouse
// and keyboard: jobs in several stages, a stage filter, "interviewing" set
// on an applied job, a pasted LinkedIn link kept tracked only; screenshots
// at 1280 and 390 px, with no sideways scroll at 390.
func TestBrowser_JobsTracker(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, 1280, 1000)
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{NoWorker: true})
	s.startMailer(t)
	email := "tracker-" + domain.NewID().String()[24:] + "@example.test"
	signInBrowser(t, ctx, s, email)
	user, err := s.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	ids := seedTracker(t, s, user, []trackerJob{
		{domain.PlatformSmartRecruiters, "umbrella", "Umbrella Health", "7440001", "Staff Engineer, Data Platform", "Remote (EU)", "EUR 110,000 – 130,000 per year", "Data", domain.StateSubmitted, domain.StageRejected},
		{domain.PlatformRecruitee, "hooli", "Hooli", "platform-engineer", "Platform Engineer", "Munich", "", "Infrastructure", "", ""},
		{domain.PlatformAshby, "initech", "Initech", "5b1e", "Backend Engineer, Payments", "London", "GBP 75,000 – 95,000 per year", "Payments", domain.StateQueued, ""},
		{domain.PlatformLever, "globex", "Globex", "9c2d", "Site Reliability Engineer", "Amsterdam", "EUR 70,000 – 90,000 per year", "Operations", domain.StateAwaitingApproval, ""},
		{domain.PlatformWorkable, "vandelay", "Vandelay Industries", "A1B2C3", "Go Developer", "Hamburg", "EUR 65,000 – 80,000 per year", "Engineering", domain.StateSubmitted, domain.StageOffer},
		{domain.PlatformGreenhouse, "northwind", "Northwind Labs", "4711", "Senior Go Engineer", "Berlin", "EUR 85,000 – 100,000 per year", "Platform", domain.StateSubmitted, ""},
	})
	applied := ids["Senior Go Engineer"].String()

	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Jobs"]`),
		chromedp.WaitVisible(chromedp.CSS(`table.jobs`)),
	))
	stages, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tbody tr .badge.stage")).map(b => b.innerText)`))
	require.NoError(t, err)
	require.Equal(t, []string{"applied", "offer", "waiting on you", "in a run", "new", "rejected"}, stages, "newest first, each job's stage")

	// Paste a LinkedIn link with the keyboard: kept, tracked only.
	require.NoError(t, step(ctx,
		chromedp.Click(chromedp.CSS(`#add-postings > summary`)), // folded while jobs are listed
		chromedp.Click(chromedp.CSS(`#urls`)),
		chromedp.SendKeys(chromedp.CSS(`#urls`), "https://www.linkedin.com/jobs/view/4012345678/?trk=public_jobs"),
		chromedp.Click(chromedp.CSS(`form[action="/jobs"][method="post"] button`)),
		chromedp.WaitVisible(`//h2[.="What was pasted"]`),
		chromedp.WaitVisible(`//section//span[contains(@class,"badge tracked")][.="tracked only — apply on the site"]`),
	))
	tracked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.tracked-only").length`))
	require.NoError(t, err)
	require.Equal(t, 1, tracked)
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.tracked-only input[name=job_id]").length`))
	require.NoError(t, err)
	require.Zero(t, boxes, "a tracked-only job offers no box to add it to a run")
	require.True(t, pgtestTrackedOnly(t, s, user.ID), "stored tracked only")

	// Filter by stage with the mouse: the stage's link.
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav[contains(@class,"stage-chips")]/a[.="applied"]`),
		chromedp.WaitVisible(`//nav[contains(@class,"stage-chips")]/a[.="applied"][@aria-current="page"]`),
	))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tbody tr")).map(r => r.querySelector(".title").innerText)`))
	require.NoError(t, err)
	require.Equal(t, []string{"Senior Go Engineer"}, rows, "only the applied job")

	// Set "interviewing" on it with its row's select and Save.
	require.NoError(t, step(ctx,
		chromedp.Focus(chromedp.CSS(`#stage-`+applied)),
		chromedp.SendKeys(chromedp.CSS(`#stage-`+applied), "i"), // the one stage that starts with i
		chromedp.Click(chromedp.CSS(`button[form="stage-form-`+applied+`"]`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Stage saved.")]`),
		chromedp.WaitVisible(`//tr[@id="job-`+applied+`"]//span[contains(@class,"badge stage")][.="interviewing"]`),
	))
	job, err := s.db.GetJob(context.Background(), user.ID, ids["Senior Go Engineer"])
	require.NoError(t, err)
	require.Equal(t, domain.StageInterviewing, job.Stage)

	// The whole list, one description open: the README's Jobs screenshot.
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Jobs"]`),
		chromedp.WaitVisible(chromedp.CSS(`table.jobs`)),
		chromedp.Click(`//tr[@id="job-`+applied+`"]//summary[.="Description"]`),
		chromedp.WaitVisible(`//tr[@id="job-`+applied+`"]//div[@class="desc-text"]`),
	))
	stages, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tbody tr .badge.stage")).map(b => b.innerText)`))
	require.NoError(t, err)
	require.Equal(t, []string{"new", "interviewing", "offer", "waiting on you", "in a run", "new", "rejected"}, stages)
	shot(t, ctx, dir, "jobs-1280")

	// 390 px wide: the same page, no sideways scroll.
	// The same browser, signed in, with a phone's viewport (headless
	// Chromium keeps its window at least 500 px wide; DevTools' device mode
	// gives the page 390).
	narrow := ctx
	require.NoError(t, step(narrow,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Click(`//nav/a[.="Jobs"]`),
		chromedp.WaitVisible(chromedp.CSS(`table.jobs`)),
	))
	inner, err := chromedp.Run(narrow, chromedp.Evaluate[int](`window.innerWidth`))
	require.NoError(t, err)
	require.Equal(t, 390, inner, "the page is laid out 390 px wide")
	width, err := chromedp.Run(narrow, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	require.NoError(t, err)
	require.LessOrEqual(t, width, 390, "no sideways scroll at 390 px")
	text, err := chromedp.Run(narrow, chromedp.Evaluate[string](`document.querySelector("table.jobs").innerText`))
	require.NoError(t, err)
	require.True(t, strings.Contains(text, "tracked only — apply on the site") && strings.Contains(text, "interviewing"))
	shot(t, narrow, dir, "jobs-390")
}

// pgtestTrackedOnly reports whether the user's LinkedIn job is stored
// tracked only.
func pgtestTrackedOnly(t *testing.T, s *stack, userID domain.ID) bool {
	t.Helper()
	return pgtest.MustCount(t, s.db, `SELECT count(*) FROM job_postings WHERE user_id = $1 AND tracked_only AND canonical_key LIKE 'url:linkedin.com/%'`, userID) == 1
}
