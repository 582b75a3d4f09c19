package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sources"
	"github.com/applyq/applyq/internal/web"
)

// ghQuestions are the custom questions of Acme's posting, as its hosted
// form shows them (the replica) and as the Job Board API publishes them
// (ghPostingServer): one text, one choice, one multiple choice.
var ghQuestions = []replica.Question{
	{ID: "4001", Label: "Why Acme?", Kind: replica.KindText, Required: true},
	{ID: "4003", Label: "Which office?", Kind: replica.KindSingleSelect, Required: true,
		Options: []replica.Option{{Label: "Berlin", Value: "31"}, {Label: "Lisbon", Value: "32"}}},
	{ID: "4004", Label: "Which languages do you write?", Kind: replica.KindMultiSelect, Required: true,
		Options: []replica.Option{{Label: "Go", Value: "41"}, {Label: "SQL", Value: "42"}, {Label: "Rust", Value: "43"}}},
}

// ghPostingServer serves Acme's Greenhouse board in the Job Board API's
// shape: one posting whose questions are those of the hosted form.
func ghPostingServer(t *testing.T, id string) *httptest.Server {
	field := func(name, typ string, opts []replica.Option) map[string]any {
		values := []any{}
		for _, o := range opts {
			values = append(values, map[string]any{"label": o.Label, "value": o.Value})
		}
		return map[string]any{"name": name, "type": typ, "values": values}
	}
	q := func(label string, required bool, f map[string]any) map[string]any {
		return map[string]any{"label": label, "required": required, "fields": []any{f}}
	}
	job := map[string]any{"id": json.Number(id), "title": "Backend Engineer", "updated_at": "2026-11-20T10:00:00-05:00",
		"absolute_url": "https://job-boards.greenhouse.io/acme/jobs/" + id, "location": map[string]any{"name": "Berlin"},
		"content": "&lt;p&gt;Build things.&lt;/p&gt;"}
	detail := map[string]any{}
	for k, v := range job {
		detail[k] = v
	}
	detail["questions"] = []any{
		q("First Name", true, field("first_name", "input_text", nil)),
		q("Last Name", true, field("last_name", "input_text", nil)),
		q("Email", true, field("email", "input_text", nil)),
		q("Phone", false, field("phone", "input_text", nil)),
		q("Resume/CV", true, field("resume", "input_file", nil)),
		q("Cover Letter", false, field("cover_letter", "input_file", nil)),
		q(ghQuestions[0].Label, true, field("question_4001", "input_text", nil)),
		q(ghQuestions[1].Label, true, field("question_4003", "multi_value_single_select", ghQuestions[1].Options)),
		q(ghQuestions[2].Label, true, field("question_4004[]", "multi_value_multi_select", ghQuestions[2].Options)),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body any
		switch r.URL.Path {
		case "/v1/boards/acme/jobs":
			body = map[string]any{"jobs": []any{job}, "meta": map[string]any{"total": 1}}
		case "/v1/boards/acme/jobs/" + id:
			body = detail
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestBrowserApplier_FollowAnswerApproveSubmitOnceOrHandOver is the issue's
// "done when", end to end on loopback, with the real browser applier in
// Chromium: a user follows a Greenhouse board, answers the questions its
// form asks, reviews, edits and approves the filled form; the worker fills
// the hosted form (a replica) and submits it — once, with exactly the
// approved answers and the résumé's bytes — and the task shows the filled
// form and the confirmation. A Lever posting of the same run, whose form
// has a posed CAPTCHA, ends paused needs_user with a screenshot when the
// browser reads its form to prepare it, and Lever receives nothing.
func TestBrowserApplier_FollowAnswerApproveSubmitOnceOrHandOver(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	const postingID = "4012345"
	gh := replica.New(domain.PlatformGreenhouse, replica.Job{Board: "acme", ID: postingID, Title: "Backend Engineer", Questions: ghQuestions}, replica.Variant{})
	t.Cleanup(gh.Close)
	leverJob := replica.Job{Board: "acme", ID: "5f6e7d8c-1111-4222-8333-944455566677", Title: "Data Engineer"}
	lever := replica.New(domain.PlatformLever, leverJob, replica.Variant{Captcha: true})
	t.Cleanup(lever.Close)
	boardAPI := ghPostingServer(t, postingID)
	board, err := sources.New(domain.PlatformGreenhouse, sources.Options{BaseURL: boardAPI.URL})
	require.NoError(t, err)
	var b *browser.Applier
	s := startStack(t, stackOpts{HandoffDelay: -1, Boards: map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: board},
		Direct: func(files domain.DocumentFiles, codes domain.Codes) map[domain.Platform]domain.Applier {
			b = browser.New(browser.Options{ChromiumPath: chromium, MaxBrowsers: 1, Deadline: time.Minute, Files: files, Log: zaptest.NewLogger(t),
				BaseURLs: map[domain.Platform]string{domain.PlatformGreenhouse: gh.URL(), domain.PlatformLever: lever.URL()}})
			t.Cleanup(b.Close)
			return map[domain.Platform]domain.Applier{domain.PlatformGreenhouse: b, domain.PlatformLever: b}
		}})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	token := s.session(t, user)
	auth := map[string]string{"Authorization": "Bearer " + token}
	call := func(method, path string, body any) []byte {
		t.Helper()
		code, _, out := s.request(t, method, path, body, auth)
		require.Less(t, code, 300, "%s %s: %s", method, path, out)
		return out
	}

	call(http.MethodPatch, "/api/v1/me", map[string]any{"name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 7946 0000"})
	resume := documentstest.PDF("Ada Lovelace, analyst")
	code, out := s.upload(t, "/api/v1/documents", map[string]string{"kind": "resume"}, "ada-lovelace.pdf", resume, auth)
	require.Equal(t, http.StatusCreated, code, string(out))
	var run struct{ ID domain.ID }
	require.NoError(t, json.Unmarshal(call(http.MethodPost, "/api/v1/runs", map[string]any{"name": "Acme", "requires_approval": true}), &run))
	call(http.MethodPost, "/api/v1/sources", map[string]any{"url": "https://job-boards.greenhouse.io/acme", "run_id": run.ID})

	// The form asks three questions nobody answered yet: the task waits.
	waitFor(t, 30*time.Second, "the questions to wait", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state_reason = 'needs_answer'`, run.ID) == 1
	})
	var waiting struct{ Items []struct{ Key, Label string } }
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/questions", nil), &waiting))
	answers := map[string]map[string]any{
		"Why Acme?":                     {"value": "Rockets."},
		"Which office?":                 {"value": "Lisbon"},
		"Which languages do you write?": {"values": []string{"Go", "SQL"}},
	}
	require.Len(t, waiting.Items, len(answers))
	for _, q := range waiting.Items {
		body := answers[q.Label]
		require.NotNil(t, body, "an unexpected question %q", q.Label)
		body["key"] = q.Key
		call(http.MethodPost, "/api/v1/questions/answer", body)
	}
	waitFor(t, 30*time.Second, "the filled form to wait for approval", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'awaiting_approval'`, run.ID) == 1
	})
	a := approveTheOnlyApproval(t, call, "browser", "question_4001", "Because rockets.")

	waitFor(t, 90*time.Second, "the application submitted", func() bool {
		return pgtest.MustTaskState(t, s.db, a.TaskID) == domain.StateSubmitted
	})
	subs := gh.Submissions()
	require.Len(t, subs, 1, "exactly once")
	got := subs[0]
	require.True(t, got.Accepted)
	require.Equal(t, []string{"Ada"}, got.Fields["first_name"])
	require.Equal(t, []string{"Lovelace"}, got.Fields["last_name"])
	require.Equal(t, []string{user.Email}, got.Fields["email"])
	require.Equal(t, []string{"+44 20 7946 0000"}, got.Fields["phone"])
	require.Equal(t, []string{"Because rockets."}, got.Fields["question_4001"], "the edited answer is what was sent")
	require.Equal(t, []string{"32"}, got.Fields["question_4003"], "Lisbon, by the option's id")
	require.Equal(t, []string{"41", "42"}, got.Fields["question_4004[]"])
	require.Len(t, got.Files["resume"], 1)
	require.Equal(t, resume, got.Files["resume"][0].Data, "the résumé's exact bytes")
	require.Equal(t, "ada-lovelace.pdf", got.Files["resume"][0].Filename)
	require.Empty(t, got.Files["cover_letter"], "no cover letter was approved")
	require.Empty(t, s.dry.Sent(), "nothing went through the default applier")

	// The task shows what the browser saw: the filled form (screenshot and
	// what each field held) and the confirmation.
	var detail struct {
		Evidence []struct{ ID, Kind, Applier, URL, ContentType string }
	}
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/tasks/"+a.TaskID.String(), nil), &detail))
	var kinds []string
	for _, e := range detail.Evidence {
		kinds = append(kinds, e.Kind)
		require.Equal(t, "browser", e.Applier)
	}
	require.ElementsMatch(t, []string{"filled_form", "filled_form", "confirmation"}, kinds)
	for _, e := range detail.Evidence {
		code, hdr, body := s.request(t, http.MethodGet, e.URL, nil, auth)
		require.Equal(t, http.StatusOK, code)
		if strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			require.Contains(t, string(body), `"question_4001"`)
			require.Contains(t, string(body), "Because rockets.")
		} else {
			magic := map[string][]byte{"image/jpeg": {0xFF, 0xD8}, "image/png": {0x89, 'P'}}[hdr.Get("Content-Type")]
			require.NotNil(t, magic, "a screenshot, served as one: %s", hdr.Get("Content-Type"))
			require.Equal(t, magic, body[:2], "the screenshot's own bytes")
		}
	}
	cookie := map[string]string{"Cookie": web.SessionCookie + "=" + token}
	code, _, page := s.request(t, http.MethodGet, "/tasks/"+a.TaskID.String(), nil, cookie)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(page), fmt.Sprintf(`<img src="/tasks/%s/evidence/`, a.TaskID), "the task page shows the screenshots")
	require.Contains(t, string(page), "what each field held (application/json", "and links the record of what was filled")
	require.Contains(t, string(page), "filled in on the employer&#39;s hosted form, in a browser", "and says how it was sent")

	// A Lever posting in the same run: its form has a CAPTCHA, so the
	// task waits for its user, with a screenshot, and Lever receives
	// nothing.
	var ingested struct {
		Results []struct{ Job struct{ ID domain.ID } }
	}
	require.NoError(t, json.Unmarshal(call(http.MethodPost, "/api/v1/jobs", map[string]any{"jobs": []map[string]string{{
		"url": "https://jobs.lever.co/acme/" + leverJob.ID, "company": "Acme", "title": "Data Engineer"}}}), &ingested))
	var added struct {
		Queued []struct {
			TaskID domain.ID `json:"task_id"`
		}
	}
	require.NoError(t, json.Unmarshal(call(http.MethodPost, "/api/v1/runs/"+run.ID.String()+"/tasks", map[string]any{"job_ids": []domain.ID{ingested.Results[0].Job.ID}}), &added))
	require.Len(t, added.Queued, 1)
	leverTask := added.Queued[0].TaskID
	// Its form is read when the task is prepared (Lever publishes none):
	// the posed CAPTCHA stops it there, before any approval is asked.
	waitFor(t, 90*time.Second, "the Lever application to wait for its user", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'needs_user'`, leverTask) == 1
	})
	require.Empty(t, lever.Submissions(), "never a guess: nothing was sent to Lever")
	detail.Evidence = nil
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/tasks/"+leverTask.String(), nil), &detail))
	require.Len(t, detail.Evidence, 1)
	require.Equal(t, "needs_user", detail.Evidence[0].Kind)
	require.Len(t, gh.Submissions(), 1, "and the Greenhouse application was never sent again")
}

// TestBrowser_DashboardFollowAnswerApproveThenTheBrowserApplies is the
// issue's "done when" with the mouse and keyboard: on the dashboard the
// user follows a Greenhouse board into a run, answers the questions its
// form asks on the Questions page, reviews and approves the filled form;
// the worker's browser applier fills the hosted form (a replica of the
// live one: comboboxes, upload chips, the invisible badge) and submits it;
// Greenhouse mails its security code and the user types it on the task's
// page; the application is accepted once; the task page shows the
// screenshots of the filled form and of the confirmation.
func TestBrowser_DashboardFollowAnswerApproveThenTheBrowserApplies(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	ctx := newBrowser(t, 1280, 1000)
	dir := screenshotDir(t)
	const postingID = "4012345"
	gh := replica.New(domain.PlatformGreenhouse, replica.Job{Board: "acme", ID: postingID, Title: "Backend Engineer", Questions: ghQuestions},
		replica.Variant{Live: true, SecurityCode: true})
	t.Cleanup(gh.Close)
	board, err := sources.New(domain.PlatformGreenhouse, sources.Options{BaseURL: ghPostingServer(t, postingID).URL})
	require.NoError(t, err)
	s := startStack(t, stackOpts{HandoffDelay: -1, JobTimeout: 5 * time.Minute, Boards: map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: board},
		Direct: func(files domain.DocumentFiles, codes domain.Codes) map[domain.Platform]domain.Applier {
			b := browser.New(browser.Options{ChromiumPath: chromium, MaxBrowsers: 1, Deadline: time.Minute, Files: files, Log: zaptest.NewLogger(t),
				Codes: codes, CodeWindow: 2 * time.Minute,
				BaseURLs: map[domain.Platform]string{domain.PlatformGreenhouse: gh.URL()}})
			t.Cleanup(b.Close)
			return map[domain.Platform]domain.Applier{domain.PlatformGreenhouse: b}
		}})
	s.startMailer(t)
	email := "apply-" + domain.NewID().String()[24:] + "@example.test"
	signInBrowser(t, ctx, s, email)
	bg := context.Background()
	user, err := s.db.UserByEmail(bg, email)
	require.NoError(t, err)
	_, err = s.db.UpdateProfile(bg, user.ID, domain.Profile{Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace"}, 50)
	require.NoError(t, err)
	resume := documentstest.PDF("Ada Lovelace, analyst")
	code, out := s.upload(t, "/api/v1/documents", map[string]string{"kind": "resume"}, "ada-lovelace.pdf", resume,
		map[string]string{"Authorization": "Bearer " + s.session(t, user)})
	require.Equal(t, http.StatusCreated, code, string(out))
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{Name: "Acme", RequiresApproval: true})

	// Follow the board into the run.
	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Sources"]`),
		chromedp.WaitVisible(`//h1[.="Sources"]`),
		chromedp.SendKeys(chromedp.CSS(`#f-url`), "https://job-boards.greenhouse.io/acme"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Acme"),
		chromedp.SetValue(chromedp.CSS(`#f-run_id`), run.ID.String()),
		chromedp.Click(chromedp.CSS(`form[action="/sources"] button`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Source added")]`),
	))
	waitFor(t, 30*time.Second, "the application to wait for answers", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state_reason = 'needs_answer'`, run.ID) == 1
	})

	// Answer the three questions on the Questions page.
	// (Navigate, not the menu: the page refreshes itself while the worker
	// syncs, and a click may land on a node that was just replaced.)
	require.NoError(t, step(ctx,
		chromedp.Navigate(s.api.URL+"/questions"),
		chromedp.WaitVisible(`//h3[.="Why Acme?"]`),
		chromedp.SendKeys(`//li[.//h3[.="Why Acme?"]]//input[@name="value"]`, "Rockets."),
		chromedp.Click(`//li[.//h3[.="Why Acme?"]]//button`),
		chromedp.WaitNotPresent(`//h3[.="Why Acme?"]`), // answered: the page no longer asks it
		chromedp.SetValue(`//li[.//h3[.="Which office?"]]//select`, "Lisbon"),
		chromedp.Click(`//li[.//h3[.="Which office?"]]//button`),
		chromedp.WaitNotPresent(`//h3[.="Which office?"]`),
		chromedp.Click(`//li[.//h3[.="Which languages do you write?"]]//input[@value="Go"]`),
		chromedp.Click(`//li[.//h3[.="Which languages do you write?"]]//input[@value="SQL"]`),
	))
	shot(t, ctx, dir, "apply-questions")
	require.NoError(t, step(ctx,
		chromedp.Click(`//li[.//h3[.="Which languages do you write?"]]//button`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "1 application(s) queued again")]`),
	))
	waitFor(t, 30*time.Second, "the filled form to wait for approval", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'awaiting_approval'`, run.ID) == 1
	})

	// Review and approve.
	require.NoError(t, step(ctx,
		chromedp.Navigate(s.api.URL+"/approvals"),
		chromedp.Click(`//a[.="Review and approve"]`),
		chromedp.WaitVisible(`//h2[.="What will be sent"]`),
	))
	review, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	require.NoError(t, err)
	require.Contains(t, review, "filled in on the employer's hosted form, in a browser", "the user sees how it will be sent")
	shot(t, ctx, dir, "apply-review")
	require.NoError(t, step(ctx,
		chromedp.Click(`//button[.="Approve and submit"]`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Approved")]`),
	))
	var taskID domain.ID
	require.NoError(t, s.db.Pool.QueryRow(bg, `SELECT id FROM application_tasks WHERE run_id = $1`, run.ID).Scan(&taskID))

	// Greenhouse mails a security code: the task's page asks for it (the
	// box shows as soon as the form asks: the page is live); the user
	// types it.
	require.NoError(t, step(ctx,
		chromedp.Navigate(s.api.URL+"/tasks/"+taskID.String()),
		chromedp.WaitVisible(`//h2[.="Security code needed"]`),
	))
	mailed := gh.MailedCodes()
	require.Len(t, mailed, 1)
	require.Equal(t, email, mailed[0].Address)
	box, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".code-box").innerText`))
	require.NoError(t, err)
	require.Contains(t, box, domain.MaskEmail(email), "it says where the code went")
	shot(t, ctx, dir, "apply-code")
	require.NoError(t, step(ctx,
		chromedp.SendKeys(chromedp.CSS(`#code`), mailed[0].Code),
		chromedp.Click(`//button[.="Send code"]`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Code sent")]`),
	))
	waitFor(t, 90*time.Second, "the application submitted", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'submitted'`, run.ID) == 1
	})
	subs := gh.Accepted()
	require.Len(t, subs, 1, "exactly once")
	require.Equal(t, []string{mailed[0].Code}, subs[0].Fields["security_code"], "with the code the user typed")
	require.Equal(t, []string{"Rockets."}, subs[0].Fields["question_4001"])
	require.Equal(t, []string{"32"}, subs[0].Fields["question_4003"])
	require.Equal(t, []string{"41", "42"}, subs[0].Fields["question_4004[]"])
	require.Equal(t, resume, subs[0].Files["resume"][0].Data)

	// The task page shows what the browser saw.
	require.NoError(t, step(ctx,
		chromedp.Navigate(s.api.URL+"/tasks/"+taskID.String()),
		chromedp.WaitVisible(`//h3[.="What the applier saw"]`),
	))
	// The screenshots load lazily: bring each into view and wait for it.
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	loaded, err := chromedp.Run(lctx, chromedp.Evaluate[int](`(async () => {
		const imgs = Array.from(document.querySelectorAll(".evidence img"));
		for (const i of imgs) { i.loading = "eager"; i.scrollIntoView(); }
		await Promise.all(imgs.map((i) => i.decode().catch(() => null)));
		return imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, 2, loaded, "the filled form's and the confirmation's screenshots load")
	card, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("li.task-card").innerText`))
	require.NoError(t, err)
	require.NotContains(t, card, "waiting for 3 answer", "a submitted task shows no stale error")
	shot(t, ctx, dir, "apply-evidence")
}
