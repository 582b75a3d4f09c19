package e2e_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sources"
)

// The "done when" on replicas of the forms as they are live
// (internal/applier/browser/replica, Live variants), end to end on
// loopback with the real browser applier in Chromium.

// liveUser is a signed-in user with a profile and a résumé, and a run
// that asks for approval; call calls the API as them.
func liveUser(t *testing.T, s *stack) (user *domain.User, call func(method, path string, body any) []byte, resume []byte, runID domain.ID) {
	t.Helper()
	user = pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	auth := map[string]string{"Authorization": "Bearer " + s.session(t, user)}
	call = func(method, path string, body any) []byte {
		t.Helper()
		code, _, out := s.request(t, method, path, body, auth)
		require.Less(t, code, 300, "%s %s: %s", method, path, out)
		return out
	}
	call(http.MethodPatch, "/api/v1/me", map[string]any{"name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace",
		"phone": "+44 20 7946 0000", "location": "London"})
	resume = documentstest.PDF("Ada Lovelace, analyst")
	code, out := s.upload(t, "/api/v1/documents", map[string]string{"kind": "resume"}, "ada-lovelace.pdf", resume, auth)
	require.Equal(t, http.StatusCreated, code, string(out))
	var run struct{ ID domain.ID }
	require.NoError(t, json.Unmarshal(call(http.MethodPost, "/api/v1/runs", map[string]any{"name": "Live", "requires_approval": true}), &run))
	return user, call, resume, run.ID
}

// answerAll answers every waiting question from answers (by label).
func answerAll(t *testing.T, call func(method, path string, body any) []byte, answers map[string]map[string]any) {
	t.Helper()
	var waiting struct{ Items []struct{ Key, Label string } }
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/questions", nil), &waiting))
	require.NotEmpty(t, waiting.Items)
	for _, q := range waiting.Items {
		body, ok := answers[q.Label]
		require.True(t, ok, "an unexpected question %q", q.Label)
		b := map[string]any{"key": q.Key}
		for k, v := range body {
			b[k] = v
		}
		call(http.MethodPost, "/api/v1/questions/answer", b)
	}
}

// TestBrowserLive_GreenhouseCodeThroughTheAPI: a Greenhouse posting whose
// live form carries the invisible reCAPTCHA Enterprise badge, React
// comboboxes, upload chips and the mailed security-code step. The user
// follows the board, answers the questions, approves; the worker fills the
// form and submits; Greenhouse mails its code and the task waits
// (needs_code); a wrong code given through the API is refused by the form
// and asked for again; the right one completes the application — accepted
// exactly once, with the approved values and the résumé's bytes — and no
// code is left in the database.
func TestBrowserLive_GreenhouseCodeThroughTheAPI(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	const postingID = "4012345"
	gh := replica.New(domain.PlatformGreenhouse, replica.Job{Board: "acme", ID: postingID, Title: "Backend Engineer", Questions: ghQuestions},
		replica.Variant{Live: true, SecurityCode: true, BeaconAfterSubmit: true})
	t.Cleanup(gh.Close)
	board, err := sources.New(domain.PlatformGreenhouse, sources.Options{BaseURL: ghPostingServer(t, postingID).URL})
	require.NoError(t, err)
	s := startStack(t, stackOpts{HandoffDelay: -1, JobTimeout: 5 * time.Minute, Boards: map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: board},
		Direct: func(files domain.DocumentFiles, codes domain.Codes) map[domain.Platform]domain.Applier {
			b := browser.New(browser.Options{ChromiumPath: chromium, MaxBrowsers: 1, Deadline: 2 * time.Minute, Files: files, Codes: codes,
				CodeWindow: 2 * time.Minute, Log: zaptest.NewLogger(t), BaseURLs: map[domain.Platform]string{domain.PlatformGreenhouse: gh.URL()}})
			t.Cleanup(b.Close)
			return map[domain.Platform]domain.Applier{domain.PlatformGreenhouse: b}
		}})
	user, call, resume, runID := liveUser(t, s)
	call(http.MethodPost, "/api/v1/sources", map[string]any{"url": "https://job-boards.greenhouse.io/acme", "run_id": runID})
	waitFor(t, 90*time.Second, "the questions to wait", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state_reason = 'needs_answer'`, runID) == 1
	})
	answerAll(t, call, map[string]map[string]any{
		"Why Acme?":                     {"value": "Rockets."},
		"Which office?":                 {"value": "Lisbon"},
		"Which languages do you write?": {"values": []string{"Go", "SQL"}},
	})
	waitFor(t, 60*time.Second, "the filled form to wait for approval", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'awaiting_approval'`, runID) == 1
	})
	a := approveTheOnlyApproval(t, call, "browser", "", "")

	type codeRequest struct {
		Address string
		Attempt int
		Refused string
	}
	request := func() *codeRequest {
		var task struct {
			CodeRequest *codeRequest `json:"code_request"`
		}
		require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/tasks/"+a.TaskID.String(), nil), &task))
		return task.CodeRequest
	}
	waitFor(t, 2*time.Minute, "the form to ask for the mailed code", func() bool { r := request(); return r != nil && r.Attempt == 1 })
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'submitting' AND state_reason = 'needs_code'`, a.TaskID))
	mailed := gh.MailedCodes()
	require.Len(t, mailed, 1)
	require.Equal(t, user.Email, mailed[0].Address, "Greenhouse mailed the code to the applicant")
	require.Equal(t, domain.MaskEmail(user.Email), request().Address)

	call(http.MethodPost, "/api/v1/tasks/"+a.TaskID.String()+"/code", map[string]string{"code": strings.Repeat("Z", len(mailed[0].Code))})
	waitFor(t, 90*time.Second, "the refused code to be asked again", func() bool { r := request(); return r != nil && r.Attempt == 2 })
	require.Contains(t, request().Refused, replica.SecurityCodeMessage, "the form's own words")
	call(http.MethodPost, "/api/v1/tasks/"+a.TaskID.String()+"/code", map[string]string{"code": mailed[0].Code})
	waitFor(t, 90*time.Second, "the application submitted", func() bool { return pgtest.MustTaskState(t, s.db, a.TaskID) == domain.StateSubmitted })

	acc := gh.Accepted()
	require.Len(t, acc, 1, "exactly once")
	got := acc[0]
	require.Equal(t, []string{mailed[0].Code}, got.Fields["security_code"])
	require.Equal(t, []string{"Ada"}, got.Fields["first_name"])
	require.Equal(t, []string{"Lovelace"}, got.Fields["last_name"])
	require.Equal(t, []string{user.Email}, got.Fields["email"])
	require.Equal(t, []string{"Rockets."}, got.Fields["question_4001"])
	require.Equal(t, []string{"32"}, got.Fields["question_4003"], "Lisbon, picked in the combobox")
	require.Equal(t, []string{"41", "42"}, got.Fields["question_4004[]"])
	require.Equal(t, []string{"London, England, United Kingdom"}, got.Fields["location"], "the profile's location, picked in the autocomplete")
	require.Equal(t, resume, got.Files["resume"][0].Data, "the résumé's exact bytes")
	require.Len(t, gh.Submissions(), 3, "the application, the wrong code, the right code")
	require.Zero(t, pgtest.MustCount(t, s.db, `SELECT count(*) FROM task_codes WHERE code IS NOT NULL`), "no code left in the database")
	require.Positive(t, gh.AnalyticsHits(), "the page's 429 beacon decided nothing")
}

// TestBrowserLive_LeverAndAshbyFormsReadAskedApproved: Lever (without a
// captcha, and with an invisible hCaptcha) and Ashby publish no form: the
// browser reads each posting's form when its task is prepared, the
// employer's own questions (Lever's cards, Ashby's buttons and combobox)
// wait for the user's answers, the review shows the exact form, and after
// approval each platform accepts the application once with the approved
// values.
func TestBrowserLive_LeverAndAshbyFormsReadAskedApproved(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	qs := func(p domain.Platform) []replica.Question {
		id := func(n int) string { return "7c3f0a51-0000-4000-8000-00000000000" + string(rune('0'+n)) }
		out := []replica.Question{
			{ID: id(1), Label: "Why Acme?", Kind: replica.KindText, Required: true},
			{ID: id(2), Label: "Which office?", Kind: replica.KindSingleSelect, Required: true, Options: []replica.Option{{Label: "Berlin"}, {Label: "Lisbon"}}},
			{ID: id(3), Label: "Are you authorised to work in the EU?", Kind: replica.KindBoolean, Required: true},
		}
		if p == domain.PlatformLever {
			out = append(out, replica.Question{ID: id(4), Label: "How many years of experience do you have?", Kind: replica.KindSingleSelect, Required: true,
				Radios: true, Options: []replica.Option{{Label: "Less than 2 years"}, {Label: "2-5 years"}, {Label: "More than 5 years"}}})
		}
		return out
	}
	type posting struct {
		p   domain.Platform
		job replica.Job
		srv *replica.Server
	}
	postings := []*posting{
		{p: domain.PlatformLever, job: replica.Job{Board: "acme", ID: "5f6e7d8c-1111-4222-8333-000000000001", Title: "Data Engineer"}},
		{p: domain.PlatformLever, job: replica.Job{Board: "globex", ID: "5f6e7d8c-1111-4222-8333-000000000002", Title: "Data Engineer"}},
		{p: domain.PlatformAshby, job: replica.Job{Board: "acme", ID: "5f6e7d8c-1111-4222-8333-000000000003", Title: "Platform Engineer"}},
	}
	variants := []replica.Variant{{Live: true}, {Live: true, LeverCaptcha: replica.LeverCaptchaInvisible}, {Live: true}}
	for i, po := range postings {
		po.job.Questions = qs(po.p)
		po.srv = replica.New(po.p, po.job, variants[i])
		t.Cleanup(po.srv.Close)
	}
	// Two Lever boards, one replica each: the applier's Lever base URL is
	// one address, so a proxy sends acme's paths to the first and the rest
	// (globex's, and its hCaptcha's) to the second.
	mux := http.NewServeMux()
	mux.Handle("/acme/", reverseProxy(t, postings[0].srv.URL()))
	mux.Handle("/", reverseProxy(t, postings[1].srv.URL()))
	leverProxy := httptest.NewServer(mux)
	t.Cleanup(leverProxy.Close)
	lever := leverProxy.URL
	s := startStack(t, stackOpts{HandoffDelay: -1, JobTimeout: 3 * time.Minute,
		Direct: func(files domain.DocumentFiles, codes domain.Codes) map[domain.Platform]domain.Applier {
			b := browser.New(browser.Options{ChromiumPath: chromium, MaxBrowsers: 1, Deadline: 2 * time.Minute, Files: files, Codes: codes, Log: zaptest.NewLogger(t),
				BaseURLs: map[domain.Platform]string{domain.PlatformLever: lever, domain.PlatformAshby: postings[2].srv.URL()}})
			t.Cleanup(b.Close)
			return map[domain.Platform]domain.Applier{domain.PlatformLever: b, domain.PlatformAshby: b}
		}})
	user, call, resume, runID := liveUser(t, s)
	var jobs []map[string]string
	for _, po := range postings {
		host := map[domain.Platform]string{domain.PlatformLever: "https://jobs.lever.co/", domain.PlatformAshby: "https://jobs.ashbyhq.com/"}[po.p]
		jobs = append(jobs, map[string]string{"url": host + po.job.Board + "/" + po.job.ID, "company": po.job.Board, "title": po.job.Title})
	}
	var ingested struct {
		Results []struct{ Job struct{ ID domain.ID } }
	}
	require.NoError(t, json.Unmarshal(call(http.MethodPost, "/api/v1/jobs", map[string]any{"jobs": jobs}), &ingested))
	var ids []domain.ID
	for _, r := range ingested.Results {
		ids = append(ids, r.Job.ID)
	}
	call(http.MethodPost, "/api/v1/runs/"+runID.String()+"/tasks", map[string]any{"job_ids": ids})

	waitFor(t, 3*time.Minute, "the three forms read and their questions waiting", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state_reason = 'needs_answer'`, runID) == 3
	})
	require.Equal(t, 3, pgtest.MustCount(t, s.db, `SELECT count(*) FROM job_postings WHERE user_id = $1 AND discovered_form IS NOT NULL`, user.ID))
	answerAll(t, call, map[string]map[string]any{
		"Why Acme?":                                 {"value": "Rockets."},
		"Which office?":                             {"value": "Lisbon"},
		"Are you authorised to work in the EU?":     {"value": "Yes"},
		"How many years of experience do you have?": {"value": "2-5 years"},
	})
	approved := map[domain.ID]bool{}
	waitFor(t, 3*time.Minute, "every application approved", func() bool {
		var approvals struct {
			Items []struct {
				ID     domain.ID
				Packet struct{ Applier string }
			}
		}
		require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/approvals", nil), &approvals))
		for _, a := range approvals.Items {
			require.Equal(t, "browser", a.Packet.Applier)
			if !approved[a.ID] {
				call(http.MethodPost, "/api/v1/approvals/"+a.ID.String()+"/approve", map[string]any{})
				approved[a.ID] = true
			}
		}
		return len(approved) == len(postings)
	})
	waitFor(t, 4*time.Minute, "every application submitted", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'submitted'`, runID) == 3
	})
	for _, po := range postings {
		acc := po.srv.Accepted()
		require.Len(t, acc, 1, "%s %s: exactly once", po.p, po.job.Board)
		require.Len(t, po.srv.Submissions(), 1)
		f := acc[0].Fields
		name := func(i int) string { return replica.FieldName(po.p, po.job.Questions[i]) }
		require.Equal(t, []string{"Rockets."}, f[name(0)])
		require.Equal(t, []string{"Lisbon"}, f[name(1)])
		require.Equal(t, []string{replica.BooleanValue(po.p, true)}, f[name(2)])
		if po.p == domain.PlatformLever {
			require.Equal(t, []string{"2-5 years"}, f[name(3)])
			require.Equal(t, []string{"Ada Lovelace"}, f["name"])
			require.Equal(t, []string{user.Email}, f["email"])
			require.Equal(t, resume, acc[0].Files["resume"][0].Data)
		} else {
			require.Equal(t, []string{"Ada Lovelace"}, f["_systemfield_name"])
			require.Equal(t, resume, acc[0].Files["_systemfield_resume"][0].Data)
		}
	}
}

// reverseProxy passes requests on to target.
func reverseProxy(t *testing.T, target string) http.Handler {
	u, err := url.Parse(target)
	require.NoError(t, err)
	return httputil.NewSingleHostReverseProxy(u)
}
