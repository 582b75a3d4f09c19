package e2e_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/web"
)

// TestPages_FormsRefuseTextPostgresCannotStore: NUL characters and bytes
// that are not UTF-8 in the dashboard's forms, uploads and search answer a
// 400 page (or reject the one posting), never a 500, and store nothing.
func TestPages_FormsRefuseTextPostgresCannotStore(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{NoWorker: true})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	cookie := s.session(t, user)
	counts := func() string { return dbSnapshot(t, s) }
	before := counts()

	for _, bad := range []string{"\x00", "\xff"} {
		for _, c := range []struct {
			path   string
			values url.Values
			signed bool
		}{
			{"/sign-in", url.Values{"email": {"a" + bad + "b@example.com"}}, false},
			{"/profile", url.Values{"name": {"Ada" + bad}, "daily_submission_limit": {"5"}}, true},
			{"/profile", url.Values{"location": {bad}, "daily_submission_limit": {"5"}}, true},
			{"/runs", url.Values{"name": {"run" + bad}}, true},
			{"/runs", url.Values{"name": {"run"}, "cover_letter_template": {"Hi" + bad}}, true},
			{"/tokens", url.Values{"name": {"ci" + bad}}, true},
		} {
			ck := ""
			if c.signed {
				ck = cookie
			}
			res := s.form(t, c.path, c.values, "", ck)
			require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s %q: %s", c.path, c.values.Encode(), body(t, res))
		}

		// A pasted URL that cannot be stored is rejected alone, in the results.
		res := s.form(t, "/jobs", url.Values{"urls": {"https://example.com/" + bad}}, "", cookie)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body(t, res), "rejected")

		// Uploaded files.
		for name, content := range map[string]string{
			"jobs.csv":  "url,title\nhttps://example.com/1,ok\nhttps://example.com/2,b" + bad + "d\n",
			"jobs.json": `{"jobs":[{"url":"https://example.com/1","title":"b` + bad + `d"}]}`,
		} {
			code, page := s.uploadJobs(t, cookie, name, content)
			if name == "jobs.json" && bad == "\x00" {
				// A raw NUL byte is not JSON at all.
				require.Equal(t, http.StatusBadRequest, code, "%s: %s", name, page)
				continue
			}
			require.Equal(t, http.StatusBadRequest, code, "%s with %q: %s", name, bad, page)
		}
		code, page := s.uploadJobs(t, cookie, "jobs.json", `{"jobs":[{"url":"https://example.com/1","title":"b\u0000d"}]}`)
		require.Equal(t, http.StatusOK, code, "a NUL escape rejects that posting alone: %s", page)
		require.Contains(t, page, "rejected")

		// Search.
		for _, path := range []string{"/jobs?q=a" + url.QueryEscape(bad), "/queue/paused?cursor=" + url.QueryEscape(bad)} {
			req, err := http.NewRequest(http.MethodGet, s.api.URL+path, nil)
			require.NoError(t, err)
			req.Header.Set("Cookie", web.SessionCookie+"="+cookie)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s: %s", path, body(t, res))
			res.Body.Close()
		}
	}
	require.Equal(t, before, counts(), "nothing was stored")
	require.Zero(t, pgtest.MustCount(t, s.db, `SELECT count(*) FROM job_postings`))
}

// uploadJobs posts a file to the dashboard's jobs form.
func (s *stack) uploadJobs(t *testing.T, cookie, name, content string) (int, string) {
	t.Helper()
	code, page := s.upload(t, "/jobs", nil, name, []byte(content),
		map[string]string{"Origin": s.cfg.HTTP.PublicBaseURL, "Cookie": web.SessionCookie + "=" + cookie})
	return code, string(page)
}
