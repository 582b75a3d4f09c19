package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// rowCounts snapshots every table a write endpoint could touch.
func rowCounts(t *testing.T, b *apiBundle) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range []string{"users", "application_runs", "job_postings", "application_tasks", "task_transitions", "api_tokens", "river_job", "sessions", "sources"} {
		out[tbl] = pgtest.MustCount(t, b.db, "SELECT count(*) FROM "+tbl)
	}
	return out
}

func TestBadInput_EveryWriteEndpoint(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{BodyLimit: "64K"})
	token := b.signIn(t, uniqueEmail())
	f := createFixtures(t, b, token)

	endpoints := []struct {
		method, path string
		wrongType    string // a body with a field of the wrong type
		unknown      string // a body with an unknown field
	}{
		{"POST", "/api/v1/auth/magic-link", `{"email": 42}`, `{"email":"a@example.com","admin":true}`},
		{"POST", "/api/v1/auth/verify", `{"token": ["x"]}`, `{"token":"x","remember":true}`},
		{"PATCH", "/api/v1/me", `{"daily_submission_limit": "lots"}`, `{"role":"admin"}`},
		{"POST", "/api/v1/tokens", `{"name": 7}`, `{"name":"x","admin":true}`},
		{"POST", "/api/v1/runs", `{"name": "x", "requires_approval": "yes"}`, `{"name":"x","owner":"someone"}`},
		{"PATCH", "/api/v1/runs/" + f.Run, `{"name": false}`, `{"user_id":"x"}`},
		{"POST", "/api/v1/runs/" + f.Run + "/tasks", `{"job_ids": "all"}`, `{"job_ids":[],"force":true}`},
		{"POST", "/api/v1/jobs", `{"jobs": {"url": "x"}}`, `{"jobs":[{"url":"https://example.com/a","salary":1}]}`},
		{"POST", "/api/v1/tasks/bulk-resume", `{"states": "paused"}`, `{"states":["paused"],"all":true}`},
		{"POST", "/api/v1/tasks/bulk-cancel", `{"run_id": 5}`, `{"run_id":"` + f.Run + `","everything":true}`},
		{"POST", "/api/v1/sources", `{"url": ["https://jobs.lever.co/x"]}`, `{"url":"https://jobs.lever.co/x","etag":"x"}`},
		{"PATCH", "/api/v1/sources/" + f.Source, `{"filters": {"remote_only": 1}}`, `{"board":"other"}`},
	}
	before := rowCounts(t, b)
	huge := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, e := range endpoints {
		name := e.method + " " + e.path
		cases := []struct {
			body, ctype string
			status      int
			code        string
		}{
			{`{"name": "x"`, "application/json", http.StatusBadRequest, domain.EINVALID},
			{`not json`, "application/json", http.StatusBadRequest, domain.EINVALID},
			{``, "application/json", http.StatusBadRequest, domain.EINVALID},
			{`{} {}`, "application/json", http.StatusBadRequest, domain.EINVALID},
			{e.wrongType, "application/json", http.StatusBadRequest, domain.EINVALID},
			{e.unknown, "application/json", http.StatusBadRequest, domain.EINVALID},
			{`{}`, "text/plain", http.StatusUnsupportedMediaType, "unsupported_media_type"},
			{huge, "application/json", http.StatusRequestEntityTooLarge, domain.ETOOLARGE},
		}
		for _, c := range cases {
			r := b.do(t, req{Method: e.method, Path: e.path, Token: token, Body: c.body, Type: c.ctype})
			require.Equal(t, c.status, r.Status, "%s with %.40q: %s", name, c.body, r.Body)
			require.Equal(t, c.code, r.ErrorCode(t), "%s with %.40q", name, c.body)
		}
	}
	require.Equal(t, before, rowCounts(t, b), "no bad request wrote a row")

	// Validation errors name each bad field.
	r := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: map[string]any{"name": "", "cover_letter_template": "Hi {{.nope}}"}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, string(r.Body), `"name":"is required"`)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: map[string]any{"name": "ok", "cover_letter_template": "Hi {{.nope}}"}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, string(r.Body), `unknown variable \"nope\"`)
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/me", Token: token, Body: map[string]any{"resume_url": "javascript:alert(1)", "daily_submission_limit": -1}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, string(r.Body), `"resume_url"`)
	require.Contains(t, string(r.Body), `"daily_submission_limit"`)
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + f.Run, Token: token, Body: map[string]any{"status": "cancelled"}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]any{"email": "not-an-email"}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, string(r.Body), `"email"`)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/tasks/bulk-cancel", Token: token, Body: map[string]any{}})
	require.Equal(t, http.StatusBadRequest, r.Status, "a bulk action needs a filter")
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs/" + f.Run + "/tasks", Token: token, Body: map[string]any{"job_ids": []string{"nope"}}})
	require.Equal(t, http.StatusBadRequest, r.Status)

	// Bad query parameters.
	for _, path := range []string{
		"/api/v1/tasks?state=done", "/api/v1/tasks?state=queued,bogus", "/api/v1/tasks?cursor=%21%21", "/api/v1/tasks?cursor=e30",
		"/api/v1/tasks?limit=0", "/api/v1/tasks?limit=abc", "/api/v1/tasks?run_id=12", "/api/v1/jobs?cursor=AAAA",
		"/api/v1/jobs?has_been_applied_to=maybe", "/api/v1/runs?cursor=zz", "/api/v1/runs?limit=201",
	} {
		r := b.do(t, req{Method: "GET", Path: path, Token: token})
		require.Equal(t, http.StatusBadRequest, r.Status, path)
		require.Equal(t, domain.EINVALID, r.ErrorCode(t), path)
	}
	// A cursor from one list is refused by another.
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?limit=1&state=queued", Token: token})
	var p taskPage
	r.JSON(t, &p)
	_ = p
	createFixtures(t, b, token)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?limit=1&state=queued", Token: token})
	r.JSON(t, &p)
	require.NotEmpty(t, p.NextCursor)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/jobs?cursor=" + p.NextCursor, Token: token})
	require.Equal(t, http.StatusBadRequest, r.Status)
	// Malformed ids in paths are 404 like unknown ones.
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks/not-an-id", Token: token})
	require.Equal(t, http.StatusNotFound, r.Status)
}

func TestJobs_CSVListAndFilters(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := b.signIn(t, uniqueEmail())
	csvBody := "url,company,title,location\n" +
		"https://jobs.lever.co/acme/6f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c,Acme,Backend Engineer,Berlin\n" +
		"https://jobs.ashbyhq.com/globex/1d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21,Globex,Data Engineer,Remote\n" +
		"https://jobs.lever.co/acme/6f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c/apply?lever-source=x,Acme,Backend Engineer,Berlin\n"
	r := b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: csvBody, Type: "text/csv"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var ing ingestView
	r.JSON(t, &ing)
	require.Equal(t, 2, ing.Created)
	require.Equal(t, 1, ing.AlreadyKnown)

	r = b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: "link,company\nx,y\n", Type: "text/csv"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, string(r.Body), `CSV column \"link\" is not known`)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: "url,company\n\"unterminated,y\n", Type: "text/csv"})
	require.Equal(t, http.StatusBadRequest, r.Status)

	list := func(q string) []string {
		r := b.do(t, req{Method: "GET", Path: "/api/v1/jobs?" + q, Token: token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p struct {
			Items []struct{ Company string } `json:"items"`
		}
		r.JSON(t, &p)
		var out []string
		for _, it := range p.Items {
			out = append(out, it.Company)
		}
		return out
	}
	require.ElementsMatch(t, []string{"Acme", "Globex"}, list(""))
	require.Equal(t, []string{"Globex"}, list("q=data"))
	require.Equal(t, []string{"Acme"}, list("company=acme"))
	require.Equal(t, []string{"Acme"}, list("source=lever"))
	require.Empty(t, list("q=%25"), "LIKE wildcards are literal")
	require.ElementsMatch(t, []string{"Acme", "Globex"}, list("has_been_applied_to=false"))
	require.Empty(t, list("has_been_applied_to=true"))
}

func TestRuns_PauseCancelDelete(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{DevEndpoints: true})
	token := b.signIn(t, uniqueEmail())
	f := createFixtures(t, b, token)

	r := b.do(t, req{Method: "GET", Path: "/api/v1/dev/runs/" + f.Run + "/next-task", Token: token})
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), f.Task)

	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + f.Run, Token: token, Body: map[string]any{"status": "paused", "name": "renamed"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var run runView
	r.JSON(t, &run)
	require.Equal(t, "paused", run.Status)
	require.Equal(t, "renamed", run.Name)

	// A run with a submitted task cannot be deleted.
	id, err := domain.ParseID(f.Task)
	require.NoError(t, err)
	pgtest.MustForceState(t, b.db, id, domain.StateSubmitted)
	r = b.do(t, req{Method: "DELETE", Path: "/api/v1/runs/" + f.Run, Token: token})
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, domain.ECONFLICT, r.ErrorCode(t))

	// Cancel a second run: its tasks are cancelled, then it can be deleted.
	g := createFixtures(t, b, token)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs/" + g.Run + "/cancel", Token: token})
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), `"tasks_cancelled":1`)
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + g.Run, Token: token, Body: map[string]any{"status": "active"}})
	require.Equal(t, http.StatusConflict, r.Status, "a cancelled run stays cancelled")
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs/" + g.Run + "/tasks", Token: token, Body: map[string]any{"job_ids": []string{f.Job}}})
	require.Equal(t, http.StatusConflict, r.Status, "no new tasks in a cancelled run")
	r = b.do(t, req{Method: "DELETE", Path: "/api/v1/runs/" + g.Run, Token: token})
	require.Equal(t, http.StatusNoContent, r.Status)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/runs/" + g.Run, Token: token})
	require.Equal(t, http.StatusNotFound, r.Status)

	// The job submitted in the first run shows as applied, and adding it to a
	// new run reports a duplicate.
	r = b.do(t, req{Method: "GET", Path: "/api/v1/jobs/" + f.Job, Token: token})
	require.Contains(t, string(r.Body), `"has_been_applied_to":true`)
}

func TestDevEndpoint_OffByDefault(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := b.signIn(t, uniqueEmail())
	f := createFixtures(t, b, token)
	r := b.do(t, req{Method: "GET", Path: "/api/v1/dev/runs/" + f.Run + "/next-task", Token: token})
	require.Equal(t, http.StatusNotFound, r.Status)
}
