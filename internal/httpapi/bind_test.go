package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// errorView is the one JSON error shape, as a body.
type errorView struct {
	Error apiError `json:"error"`
}

// TestText_NULAndBadUTF8AreRefusedEverywhere: a NUL character, bytes that
// are not UTF-8, or half a surrogate pair, in any text field of any write
// endpoint, answer 400 invalid naming the field (or the offset of the bad
// bytes), never 500, and write nothing. Postgres refuses all three.
func TestText_NULAndBadUTF8AreRefusedEverywhere(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	f := createFixtures(t, b, token)

	// Each body has one string with X where the bad text goes; field is the
	// name the answer must give for a NUL (empty: the field is an id or a
	// state, refused by its own parser with 400).
	bodies := []struct {
		method, path, body, field string
	}{
		{"POST", "/api/v1/auth/magic-link", `{"email":"aXb@example.com"}`, "email"},
		{"POST", "/api/v1/auth/verify", `{"token":"aqm_X"}`, "token"},
		{"PATCH", "/api/v1/me", `{"name":"AdaX"}`, "name"},
		{"PATCH", "/api/v1/me", `{"phone":"+44X"}`, "phone"},
		{"PATCH", "/api/v1/me", `{"location":"LondonX"}`, "location"},
		{"PATCH", "/api/v1/me", `{"resume_url":"https://example.com/cvX"}`, "resume_url"},
		{"PATCH", "/api/v1/me", `{"links":{"gitXhub":"https://example.com"}}`, "links"},
		{"PATCH", "/api/v1/me", `{"links":{"github":"https://example.com/X"}}`, "links.github"},
		{"POST", "/api/v1/tokens", `{"name":"ciX"}`, "name"},
		{"POST", "/api/v1/runs", `{"name":"runX"}`, "name"},
		{"POST", "/api/v1/runs", `{"name":"run","cover_letter_template":"HiX"}`, "cover_letter_template"},
		{"PATCH", "/api/v1/runs/" + f.Run, `{"name":"runX"}`, "name"},
		{"PATCH", "/api/v1/runs/" + f.Run, `{"cover_letter_template":"HiX"}`, "cover_letter_template"},
		{"PATCH", "/api/v1/runs/" + f.Run, `{"status":"pausedX"}`, "status"},
		{"POST", "/api/v1/runs/" + f.Run + "/tasks", `{"job_ids":["X"]}`, ""},
		{"POST", "/api/v1/tasks/bulk-resume", `{"states":["pausedX"]}`, ""},
		{"POST", "/api/v1/tasks/bulk-cancel", `{"run_id":"X"}`, ""},
		{"POST", "/api/v1/sources", `{"url":"https://jobs.lever.co/X"}`, "url"},
		{"POST", "/api/v1/sources", `{"platform":"lever","board":"acmeX"}`, "board"},
		{"POST", "/api/v1/sources", `{"url":"https://jobs.lever.co/acme","name":"AcmeX"}`, "name"},
		{"POST", "/api/v1/sources", `{"url":"https://jobs.lever.co/acme","sync_every":"6hX"}`, "sync_every"},
		{"POST", "/api/v1/sources", `{"url":"https://jobs.lever.co/acme","filters":{"title_keywords":["GoX"]}}`, "filters.title_keywords[0]"},
		{"PATCH", "/api/v1/sources/" + f.Source, `{"name":"AcmeX"}`, "name"},
		{"PATCH", "/api/v1/sources/" + f.Source, `{"status":"pausedX"}`, "status"},
		{"PATCH", "/api/v1/sources/" + f.Source, `{"run_id":"X"}`, "run_id"},
	}
	for _, field := range []string{"url", "company", "title", "location", "source", "external_id", "description"} {
		v := "x"
		if field == "url" {
			v = "https://example.com/j"
		}
		bodies = append(bodies, struct{ method, path, body, field string }{"POST", "/api/v1/jobs",
			`{"jobs":[{"url":"https://example.com/ok"},{"url":"https://example.com/2","` + field + `":"` + v + `X"}]}`, field})
	}
	bodies = append(bodies, struct{ method, path, body, field string }{"POST", "/api/v1/jobs",
		`{"jobs":[{"url":"https://example.com/ok"},{"url":"https://example.com/2","raw":{"a":[1,"X"]}}]}`, "raw.a[1]"})

	bad := []struct {
		name, text string
		nul        bool
	}{
		{"NUL escape", `\u0000`, true},
		{"raw bytes that are not UTF-8", "\xff\xfe", false},
		{"lone high surrogate", `\ud800`, false},
		{"lone low surrogate", `\udc00 and more`, false},
	}
	before := rowCounts(t, b)
	for _, e := range bodies {
		for _, x := range bad {
			name := e.method + " " + e.path + " " + e.body + " with " + x.name
			r := b.do(t, req{Method: e.method, Path: e.path, Token: token, Body: strings.Replace(e.body, "X", x.text, 1)})
			require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", name, r.Body)
			var v errorView
			r.JSON(t, &v)
			require.Equal(t, domain.EINVALID, v.Error.Code, name)
			require.NotEmpty(t, v.Error.Message, name)
			switch {
			case !x.nul:
				require.Contains(t, v.Error.Details, "offset", "%s: %s", name, r.Body)
			case e.field == "":
			case e.path == "/api/v1/jobs":
				require.Equal(t, float64(1), v.Error.Details["row"], "%s: %s", name, r.Body)
				require.Equal(t, e.field, v.Error.Details["field"], "%s: %s", name, r.Body)
				require.Contains(t, v.Error.Message, e.field)
			default:
				fields, _ := v.Error.Details["fields"].(map[string]any)
				require.Contains(t, fields, e.field, "%s: %s", name, r.Body)
			}
		}
	}
	require.Equal(t, before, rowCounts(t, b), "no refused request wrote a row")

	// A surrogate pair is one character, and control characters other than
	// NUL are refused by the domain rules, field by field.
	r := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: `{"name":"Rocket \ud83d\ude80"}`})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Contains(t, string(r.Body), "Rocket 🚀")
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: `{"name":"two\nlines"}`})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, string(r.Body), `"name":"must not contain control characters`)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: `{"name":"ok","cover_letter_template":"Dear {{.company}},\n\n\tthanks\u0007"}`})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, string(r.Body), `"cover_letter_template":"must not contain control characters other than tabs and line breaks"`)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: `{"jobs":[{"url":"https://example.com/bell","title":"a\u0007b"}]}`})
	require.Equal(t, http.StatusOK, r.Status, "a posting with a control character is rejected alone: %s", r.Body)
	require.Contains(t, string(r.Body), `"rejected":1`)
	require.Contains(t, string(r.Body), `"title":"must not contain control characters`)
}

// TestText_SearchParameters: NUL or bytes that are not UTF-8 in any query
// parameter answer 400 invalid, never 500.
func TestText_SearchParameters(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	createFixtures(t, b, token)
	params := map[string][]string{
		"/api/v1/jobs":      {"q", "company", "source", "cursor", "has_been_applied_to", "limit", "source_id", "open", "stage", "sort"},
		"/api/v1/tasks":     {"state", "run_id", "cursor", "limit"},
		"/api/v1/runs":      {"cursor", "limit"},
		"/api/v1/approvals": {"status", "cursor", "limit"},
	}
	for path, names := range params {
		for _, name := range names {
			for _, v := range []string{"a%00b", "a%FFb", "%C3"} {
				u := path + "?" + name + "=" + v
				r := b.do(t, req{Method: "GET", Path: u, Token: token})
				require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", u, r.Body)
				var e errorView
				r.JSON(t, &e)
				require.Equal(t, domain.EINVALID, e.Error.Code, u)
			}
		}
	}
	// Ids and approval keys in the path: not found, like any unknown id.
	for _, bad := range []string{"a%00b", "%FF"} {
		for _, w := range []req{
			{Method: "GET", Path: "/api/v1/runs/" + bad}, {Method: "PATCH", Path: "/api/v1/runs/" + bad, Body: map[string]any{"name": "x"}},
			{Method: "GET", Path: "/api/v1/jobs/" + bad}, {Method: "GET", Path: "/api/v1/tasks/" + bad},
			{Method: "POST", Path: "/api/v1/tasks/" + bad + "/resume"}, {Method: "DELETE", Path: "/api/v1/tokens/" + bad},
			{Method: "GET", Path: "/api/v1/approvals/" + bad}, {Method: "POST", Path: "/api/v1/approvals/aqa_" + bad + "/approve"},
		} {
			w.Token = token
			r := b.do(t, w)
			require.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", w.Method, w.Path, r.Body)
		}
	}
	r := b.do(t, req{Method: "GET", Path: "/api/v1/jobs?q=a%00b", Token: token})
	require.Contains(t, string(r.Body), `"q":"must not contain NUL characters`)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/jobs?company=%FF", Token: token})
	require.Contains(t, string(r.Body), `"company":"must be valid UTF-8 text"`)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/jobs?q=" + strings.Repeat("%C3%A9", 300), Token: token})
	require.Equal(t, http.StatusOK, r.Status, "300 characters of search text are fine: %s", r.Body)
}

// TestText_CSVCells: a NUL or bytes that are not UTF-8 in a CSV cell refuse
// the upload with 400 naming the row, the line and the column; nothing is
// ingested.
func TestText_CSVCells(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	for _, c := range []struct {
		name, csv, field string
		line             int
	}{
		{"NUL in a title", "url,company,title\nhttps://example.com/1,Acme,ok\n\"https://example.com/2\",Acme,\"two\nlines\"\nhttps://example.com/3,Acme,ba\x00d\n", "title", 5},
		{"not UTF-8 in a company", "url,company,title\nhttps://example.com/1,Acme,ok\nhttps://example.com/2,Acme,ok\nhttps://example.com/3,\xffcme,x\n", "company", 4},
		{"NUL in a url", "title,url\nok,https://example.com/1\nok,https://example.com/2\nx,https://example.com/\x00\n", "url", 4},
	} {
		before := rowCounts(t, b)
		r := b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: c.csv, Type: "text/csv"})
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", c.name, r.Body)
		var e errorView
		r.JSON(t, &e)
		require.Equal(t, domain.EINVALID, e.Error.Code, c.name)
		require.Equal(t, map[string]any{"row": float64(2), "line": float64(c.line), "field": c.field}, e.Error.Details, c.name)
		require.Contains(t, e.Error.Message, "row 2", c.name)
		require.Equal(t, before, rowCounts(t, b), "%s: nothing ingested", c.name)
	}
}

// TestLimits_CharactersNotBytes: names promised "at most N characters" take
// N two-byte characters and refuse N+1, over the API.
func TestLimits_CharactersNotBytes(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	f := createFixtures(t, b, token)
	e := func(n int) string { return strings.Repeat("é", n) }
	for _, c := range []struct {
		method, path, field string
		max, ok             int
	}{
		{"POST", "/api/v1/runs", "name", 200, http.StatusCreated},
		{"PATCH", "/api/v1/runs/" + f.Run, "name", 200, http.StatusOK},
		{"POST", "/api/v1/tokens", "name", 100, http.StatusCreated},
		{"PATCH", "/api/v1/me", "name", 200, http.StatusOK},
		{"PATCH", "/api/v1/me", "location", 200, http.StatusOK},
		{"PATCH", "/api/v1/me", "phone", 50, http.StatusOK},
	} {
		name := c.method + " " + c.path + " " + c.field
		r := b.do(t, req{Method: c.method, Path: c.path, Token: token, Body: map[string]any{c.field: e(c.max)}})
		require.Equal(t, c.ok, r.Status, "%s: %d characters: %s", name, c.max, r.Body)
		require.Contains(t, string(r.Body), e(c.max), name)
		r = b.do(t, req{Method: c.method, Path: c.path, Token: token, Body: map[string]any{c.field: e(c.max + 1)}})
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %d characters: %s", name, c.max+1, r.Body)
		require.Contains(t, string(r.Body), `"`+c.field+`":`, name)
	}
	r := b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: map[string]any{"jobs": []map[string]string{
		{"url": "https://example.com/300", "title": e(300), "company": e(300)},
		{"url": "https://example.com/301", "title": e(301)},
	}}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var ing ingestView
	r.JSON(t, &ing)
	require.Equal(t, 1, ing.Created)
	require.Equal(t, 1, ing.Rejected)
	require.Contains(t, string(r.Body), `"title":"must be at most 300 characters, got 301"`)
}

// TestBody_ChunkedTooLarge: a body sent without Content-Length that outgrows
// http.body_limit answers 413 too_large, as JSON and as CSV.
func TestBody_ChunkedTooLarge(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{BodyLimit: "1K"})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	for _, c := range []struct{ ctype, body string }{
		{"application/json", `{"name":"` + strings.Repeat("x", 4096) + `"}`},
		{"text/csv", "url,title\n" + strings.Repeat("https://example.com/a,b\n", 200)},
	} {
		path := "/api/v1/runs"
		if c.ctype == "text/csv" {
			path = "/api/v1/jobs"
		}
		// io.MultiReader hides the length, so the client sends it chunked.
		hr, err := http.NewRequest("POST", b.srv.URL+path, io.MultiReader(strings.NewReader(c.body)))
		require.NoError(t, err)
		hr.Header.Set("Content-Type", c.ctype)
		hr.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(hr)
		require.NoError(t, err)
		out, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "%s: %s", c.ctype, out)
		require.Contains(t, string(out), `"code":"too_large"`)
	}
}
