package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
	"github.com/applyq/applyq/internal/web"
)

// The browser tests of issue #23's polish: the first landing, the review
// at desktop and phone width, the folding menu, the focus ring and a live
// page that catches up when its event stream opens.

// signInCookie signs user in in the browser by its session cookie (the
// sign-in through the mailed link is tested in signInBrowser).
func signInCookie(t *testing.T, ctx context.Context, s *stack, user *domain.User) {
	t.Helper()
	secure, httpOnly := true, true
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: web.SessionCookie, Value: pgtest.MustSession(t, s.db, user.Email),
		URL: s.api.URL + "/", Path: "/", Secure: &secure, HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax})
	require.NoError(t, err)
}

// shotWhole takes a screenshot of the whole page with a window as tall as
// the page, so that the sticky Approve bar sits where it does at the end
// of the page rather than across its middle.
func shotWhole(t *testing.T, ctx context.Context, dir, name string, width int64) {
	t.Helper()
	h, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, h, chromedp.EmulateMobile)))
	shot(t, ctx, dir, name)
}

// visible reports whether the first element matching css is rendered.
func visible(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.checkVisibility(); })()`, css)))
	require.NoError(t, err)
	return v
}

// focusRing is the focused element's outline as computed.
type focusRing struct {
	Tag, Style, Width, Color string
}

func focused(t *testing.T, ctx context.Context) focusRing {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.activeElement, s = getComputedStyle(e);
		return JSON.stringify({Tag: e.tagName + (e.textContent ? ":" + e.textContent.trim().slice(0, 30) : ""), Style: s.outlineStyle, Width: s.outlineWidth, Color: s.outlineColor}); })()`))
	require.NoError(t, err)
	var r focusRing
	require.NoError(t, json.Unmarshal([]byte(raw), &r))
	return r
}

// contrast is the WCAG contrast ratio of two sRGB colours.
func contrast(a, b [3]float64) float64 {
	lum := func(c [3]float64) float64 {
		var l [3]float64
		for i, v := range c {
			v /= 255
			if v <= 0.03928 {
				l[i] = v / 12.92
			} else {
				l[i] = math.Pow((v+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// requireFocusRing fails unless the focused element has a solid outline
// of at least 2 px with 3:1 contrast against the white page.
func requireFocusRing(t *testing.T, r focusRing) {
	t.Helper()
	require.Equal(t, "solid", r.Style, "%+v", r)
	w, err := strconv.ParseFloat(strings.TrimSuffix(r.Width, "px"), 64)
	require.NoError(t, err, r.Width)
	require.GreaterOrEqual(t, w, 2.0, "%+v", r)
	var c [3]float64
	_, err = fmt.Sscanf(r.Color, "rgb(%f, %f, %f)", &c[0], &c[1], &c[2])
	require.NoError(t, err, r.Color)
	require.GreaterOrEqual(t, contrast(c, [3]float64{255, 255, 255}), 3.0, "focus ring %s on white", r.Color)
}

// TestBrowser_FirstLandingChecklistMenuAndFocus: a newcomer signs in and
// lands on the checklist; with the keyboard, every focused control shows
// a ring of 3:1 contrast; at 390 px the navigation folds into a Menu that
// opens with a tap, and no page scrolls sideways.
func TestBrowser_FirstLandingChecklistMenuAndFocus(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, 1280, 900)
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{NoWorker: true})
	s.startMailer(t)
	email := "landing-" + domain.NewID().String()[24:] + "@example.test"
	signInBrowser(t, ctx, s, email)

	require.NoError(t, step(ctx, chromedp.WaitVisible(`//h2[.="Get started: 0 of 6 done"]`)))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".checklist .step:not(.done)").length`))
	require.NoError(t, err)
	require.Equal(t, 6, n, "nothing is done yet")
	require.False(t, visible(t, ctx, "details.menu > summary"), "the menu button is for narrow screens")
	require.True(t, visible(t, ctx, "nav"), "the navigation is inline at 1280 px")
	shot(t, ctx, dir, "home-1280")

	// The keyboard: the first Tab reaches "Skip to content", the next ones
	// the brand and the navigation; each shows the ring.
	for i := range 4 {
		require.NoError(t, step(ctx, chromedp.KeyEvent(kb.Tab)))
		r := focused(t, ctx)
		require.NotEqual(t, "BODY", r.Tag, "tab %d", i)
		requireFocusRing(t, r)
	}
	// Fill in the profile from the checklist: its step is ticked.
	require.NoError(t, step(ctx,
		chromedp.Click(`//ol[contains(@class,"steps")]//a[.="Fill in your profile"]`),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS(`#f-linkedin`), "linkedin.com/in/ada"),
		chromedp.Click(`//button[.="Save profile"]`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Profile saved")]`),
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(`//h2[.="Get started: 1 of 6 done"]`),
	))
	user, err := s.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	require.Equal(t, "https://linkedin.com/in/ada", user.Profile.LinkedIn, "the address got its https://")

	// Phone width: the menu folds and opens with a tap; nothing scrolls sideways.
	phone := newPhone(t)
	signInCookie(t, phone, s, user)
	require.NoError(t, step(phone, chromedp.Navigate(s.api.URL+"/"), chromedp.WaitVisible(`//h2[.="Get started: 1 of 6 done"]`)))
	require.True(t, visible(t, phone, "details.menu > summary"))
	require.False(t, visible(t, phone, "nav"), "the navigation is folded at 390 px")
	noSidewaysScroll(t, phone, 390, "the home page")
	shot(t, phone, dir, "home-390")
	require.NoError(t, step(phone, chromedp.Click(chromedp.CSS(`details.menu > summary`)), chromedp.WaitVisible(`//nav/a[.="Profile"]`)))
	require.True(t, visible(t, phone, "nav"))
	noSidewaysScroll(t, phone, 390, "the open menu")
	shot(t, phone, dir, "menu-390")
	for _, path := range []string{"/profile", "/jobs", "/sources", "/documents", "/approvals", "/questions", "/queue/queued", "/tokens", "/nope"} {
		require.NoError(t, step(phone, chromedp.Navigate(s.api.URL+path), chromedp.WaitVisible(chromedp.CSS(`h1`))))
		noSidewaysScroll(t, phone, 390, path)
	}
}

// TestBrowser_ReviewAtPhoneWidthEditTheLetterAndApprove: a realistic
// application waits for approval; its review fits 1280 and 390 px; at
// 390 px, with the keyboard and a tap, the user rewrites the cover letter
// and approves from the sticky bar (in view before scrolling to the end),
// and the rewritten letter is exactly what is sent.
func TestBrowser_ReviewAtPhoneWidthEditTheLetterAndApprove(t *testing.T) {
	t.Parallel()
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{HandoffDelay: -1})
	bg := context.Background()
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{Email: "ada.lovelace@example.com"}) // the stack's own database
	_, err := s.db.UpdateProfile(bg, user.ID, domain.Profile{Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace",
		Phone: "+44 20 7946 0958", Location: "London, UK", LinkedIn: "https://www.linkedin.com/in/ada-lovelace",
		GitHub: "https://github.com/ada-lovelace", CurrentCompany: "Analytical Engines Ltd"}, 25)
	require.NoError(t, err)
	auth := map[string]string{"Authorization": "Bearer " + s.session(t, user)}
	code, out := s.upload(t, "/api/v1/documents", map[string]string{"kind": "resume", "name": "CV 2026"}, "ada-lovelace-cv.pdf",
		documentstest.PDF(strings.Repeat("Ada Lovelace, backend engineer. ", 2700)), auth) // the size of a real CV
	require.Equal(t, http.StatusCreated, code, string(out))
	for label, value := range map[string]string{
		"Will you now or in the future require visa sponsorship to work in the UK?": "No",
		"Why do you want to join Acme Rockets?": "I have built payment and scheduling systems for ten years, and I would like to " +
			"put that to work on launch operations: your team's post on idempotent ground-station commands is how I think about systems.",
	} {
		_, err := s.svc.Answer(bg, user.ID, tasks.AnswerInput{Label: label, Value: value}, domain.UserActor(user.ID))
		require.NoError(t, err)
	}
	in := domain.JobInput{URL: "https://job-boards.greenhouse.io/acmerockets/jobs/4012345", Company: "Acme Rockets",
		Title: "Senior Backend Engineer, Launch Operations", Location: "London, UK (hybrid)"}
	key, err := in.Normalize()
	require.NoError(t, err)
	job, _, err := s.db.JobPostingInsertOrGet(bg, postgres.JobPostingInsert{UserID: user.ID, CanonicalKey: key, URL: in.URL,
		Company: in.Company, Title: in.Title, Location: in.Location, Raw: []byte(`{}`)})
	require.NoError(t, err)
	yesNo := []domain.QuestionOption{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}
	taskstest.MustForm(t, s.db, []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "last_name", Label: "Last Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "email", Label: "Email", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "phone", Label: "Phone", Kind: domain.QuestionText, Section: domain.SectionStandard},
		{Field: "resume", Label: "Resume/CV", Kind: domain.QuestionFile, Required: true, Section: domain.SectionStandard},
		{Field: "cover_letter", Label: "Cover Letter", Kind: domain.QuestionFile, Section: domain.SectionStandard},
		{Field: "question_101", Label: "LinkedIn Profile", Kind: domain.QuestionText, Fills: "linkedin"},
		{Field: "question_102", Label: "Will you now or in the future require visa sponsorship to work in the UK?", Kind: domain.QuestionSingleSelect,
			Required: true, Options: yesNo},
		{Field: "question_103", Label: "Why do you want to join Acme Rockets?", Kind: domain.QuestionTextarea, Required: true},
	}, job.ID)
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{Name: "Backend roles, London", RequiresApproval: true,
		Template: "Dear {{.company}} team,\n\nI am applying for the {{.title}} role. I have spent ten years building backend systems that must not lose work.\n\nKind regards,\n{{.name}}"})
	id := taskstest.MustAdd(t, s.db, user, run, []domain.ID{job.ID}).Queued[0].TaskID
	waitFor(t, 60*time.Second, "the application to wait for approval", func() bool {
		return pgtest.MustTaskState(t, s.db, id) == domain.StateAwaitingApproval
	})
	a, err := s.db.ApprovalLatestForTask(bg, id)
	require.NoError(t, err)
	review := s.api.URL + "/approvals/" + a.ID.String()

	desk := newBrowser(t, 1280, 900)
	signInCookie(t, desk, s, user)
	require.NoError(t, step(desk, chromedp.Navigate(review), chromedp.WaitVisible(`//h2[.="What will be sent"]`)))
	noSidewaysScroll(t, desk, 1280, "the review")
	shotWhole(t, desk, dir, "review-1280", 1280)

	phone := newPhone(t)
	signInCookie(t, phone, s, user)
	require.NoError(t, step(phone, chromedp.Navigate(review), chromedp.WaitVisible(`//h2[.="What will be sent"]`)))
	noSidewaysScroll(t, phone, 390, "the review")
	// The decision bar is in view although the form goes on below it.
	inView, err := chromedp.Run(phone, chromedp.Evaluate[bool](`(() => { const b = document.querySelector(".approve-bar").getBoundingClientRect();
		return getComputedStyle(document.querySelector(".approve-bar")).position === "sticky" && b.bottom <= innerHeight + 1 && b.top >= 0 &&
			document.documentElement.scrollHeight > innerHeight; })()`))
	require.NoError(t, err)
	require.True(t, inView, "the sticky Approve bar is in view at the top of a long review")
	window, err := chromedp.Run(phone, chromedp.CaptureScreenshot()) // what the phone shows: the bar at its bottom
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "review-390-window.png"), window, 0o644))
	shotWhole(t, phone, dir, "review-390", 390)
	require.NoError(t, chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)))

	const letter = "Dear Acme Rockets team,\n\nI would like to help your launch operations never lose a command.\n\nAda"
	require.NoError(t, step(phone,
		chromedp.Click(chromedp.CSS(`textarea[name="f.cover_letter"]`)),
		chromedp.Clear(chromedp.CSS(`textarea[name="f.cover_letter"]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="f.cover_letter"]`), letter),
	))
	noSidewaysScroll(t, phone, 390, "the edited review")
	require.NoError(t, step(phone,
		chromedp.Click(chromedp.CSS(`.approve-bar button[value="approve"]`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Approved")]`),
	))
	waitFor(t, 60*time.Second, "the application submitted", func() bool {
		return pgtest.MustTaskState(t, s.db, id) == domain.StateSubmitted
	})
	sent := s.dry.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, letter, sent[0].Form.Field("cover_letter").Value, "the edited letter is what is sent")
	require.Equal(t, letter, sent[0].CoverLetter)
	require.Equal(t, domain.SourceUserEdit, sent[0].Form.Field("cover_letter").Source)

	// The task page then says when, in words.
	require.NoError(t, step(phone, chromedp.Navigate(s.api.URL+"/tasks/"+id.String()), chromedp.WaitVisible(`//strong[starts-with(., "Submitted on ")]`)))
	timeline, err := chromedp.Run(phone, chromedp.Evaluate[string](`document.querySelector(".timeline").innerText`))
	require.NoError(t, err)
	require.Contains(t, timeline, "by you. You approved it with your changes")
	require.NotContains(t, timeline, "user:")
	noSidewaysScroll(t, phone, 390, "the task page")
	shot(t, phone, dir, "task-390")
	// The pages with something in them fit too.
	for _, path := range []string{"/runs", "/jobs", "/documents", "/questions", "/queue/submitted", "/approvals", "/profile", "/sources"} {
		require.NoError(t, step(phone, chromedp.Navigate(s.api.URL+path), chromedp.WaitVisible(chromedp.CSS(`h1`))))
		noSidewaysScroll(t, phone, 390, path)
	}
}

// TestBrowser_LivePageCatchesUpWhenItsStreamOpens: a change made between
// rendering a page and its event stream opening sends that page no event;
// the page re-fetches its content as the stream opens, without a reload.
func TestBrowser_LivePageCatchesUpWhenItsStreamOpens(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{NoWorker: true})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{})
	id := taskstest.MustAdd(t, s.db, user, run, pgtest.MustJobs(t, s.db, user, 1)).Queued[0].TaskID
	ctx := newBrowser(t, 1280, 900)
	signInCookie(t, ctx, s, user)

	// Hold the page's event stream until the task has changed.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/events*"}}})
	require.NoError(t, err)
	require.NoError(t, step(ctx, chromedp.Navigate(s.api.URL+"/tasks/"+id.String()), chromedp.WaitVisible(`//span[contains(@class,"state")][.="queued"]`)))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__marker = "same page"; true`))
	require.NoError(t, err)
	var held fetch.RequestID
	for ev, err := range paused {
		require.NoError(t, err)
		held = ev.RequestID
		break
	}
	// A change no notification tells the page about (as one made just
	// before its stream connected).
	_, err = s.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state = 'paused', state_reason = 'needs_user',
		last_error = 'a login wall stands before the form' WHERE id = $1`, id)
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held})
	require.NoError(t, err)
	require.NoError(t, step(ctx, chromedp.WaitVisible(`//span[contains(@class,"state")][.="paused"]`)))
	reason, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".task-card .reason").innerText`))
	require.NoError(t, err)
	require.Equal(t, "The form needs you: a login wall stands before the form.", reason)
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__marker`))
	require.NoError(t, err)
	require.Equal(t, "same page", marker, "no reload happened")
}
