package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
	"github.com/applyq/applyq/internal/web"
)

// form posts a form like a browser on the applyq site (or, with origin set,
// on another site), without following redirects.
func (s *stack) form(t *testing.T, path string, values url.Values, origin, cookie string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.api.URL+path, strings.NewReader(values.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin == "" {
		origin = s.cfg.HTTP.PublicBaseURL
	}
	req.Header.Set("Origin", origin)
	if cookie != "" {
		req.Header.Set("Cookie", web.SessionCookie+"="+cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return string(b)
}

func TestPages_ApprovalLinkConfirmsWithAPost(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{HandoffDelay: -1})
	_, _, tokens := s.approvalRun(t, 1)
	a := s.approval(t, tokens[0])

	// Opening the link (or a scanner prefetching it) changes nothing.
	for range 3 {
		code, h, page := s.get(t, "/approvals/confirm?token="+tokens[0])
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
		require.Contains(t, string(page), "Hello Company")
		require.Contains(t, string(page), `value="approve"`)
	}
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, s.db, a.TaskID))

	// A cross-site form post is refused.
	res := s.form(t, "/approvals/confirm", url.Values{"token": {tokens[0]}, "decision": {"approve"}}, "https://evil.example", "")
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, s.db, a.TaskID))

	res = s.form(t, "/approvals/confirm", url.Values{"token": {tokens[0]}, "decision": {"approve"}}, "", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body(t, res), "Approved")
	waitFor(t, 20*time.Second, "submitted", func() bool { return pgtest.MustTaskState(t, s.db, a.TaskID) == domain.StateSubmitted })

	code, _, page := s.get(t, "/approvals/confirm?token=aqa_nope")
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, string(page), "not valid")
}

func TestPages_SignInByEmailLink(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{})
	email := "page-" + domain.NewID().String()[24:] + "@example.test"

	res := s.form(t, "/sign-in", url.Values{"email": {"nope"}}, "", "")
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body(t, res), `aria-invalid="true"`)

	res = s.form(t, "/sign-in", url.Values{"email": {email}}, "", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body(t, res), "Check your email")

	var link string
	waitFor(t, 20*time.Second, "the sign-in mail", func() bool {
		links := s.mail.Links(email, "/auth/confirm?token=")
		if len(links) > 0 {
			link = links[len(links)-1]
		}
		return link != ""
	})
	u, err := url.Parse(link)
	require.NoError(t, err)
	token := u.Query().Get("token")
	code, _, page := s.get(t, "/auth/confirm?token="+url.QueryEscape(token))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(page), "Sign in")
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM magic_link_tokens WHERE consumed_at IS NULL`), "GET consumed nothing")

	res = s.form(t, "/auth/confirm", url.Values{"token": {token}}, "https://evil.example", "")
	require.Equal(t, http.StatusForbidden, res.StatusCode, "login CSRF refused")
	res = s.form(t, "/auth/confirm", url.Values{"token": {token}}, "", "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/", res.Header.Get("Location"))
	var session string
	for _, c := range res.Cookies() {
		if c.Name == web.SessionCookie {
			session = c.Value
		}
	}
	require.NotEmpty(t, session)

	req, err := http.NewRequest(http.MethodGet, s.api.URL+"/", nil)
	require.NoError(t, err)
	req.Header.Set("Cookie", web.SessionCookie+"="+session)
	home, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer home.Body.Close()
	require.Equal(t, http.StatusOK, home.StatusCode)
	require.Contains(t, body(t, home), email)
}

// dbSnapshot is everything a page view must not change.
func dbSnapshot(t *testing.T, s *stack) string {
	t.Helper()
	var out string
	for _, q := range []string{
		`SELECT coalesce(string_agg(id::text || state || priority || queued_at || updated_at, ',' ORDER BY id), '') FROM application_tasks`,
		`SELECT coalesce(string_agg(id::text || status || coalesce(decided_at::text, ''), ',' ORDER BY id), '') FROM approval_requests`,
		`SELECT coalesce(string_agg(id::text || status || name, ',' ORDER BY id), '') FROM application_runs`,
		`SELECT coalesce(string_agg(id::text || coalesce(revoked_at::text, ''), ',' ORDER BY id), '') FROM api_tokens`,
		`SELECT count(*)::text FROM task_transitions`, `SELECT count(*)::text FROM river_job`, `SELECT count(*)::text FROM job_postings`,
		`SELECT count(*)::text FROM users`, `SELECT coalesce(string_agg(profile::text, ','), '') FROM users`,
	} {
		var v string
		require.NoError(t, s.db.Pool.QueryRow(context.Background(), q).Scan(&v))
		out += v + "\n"
	}
	return out
}

var linkRE = regexp.MustCompile(`(?:href|action)="(/[^"]*)"`)

// TestPages_GetOfEveryLinkChangesNothing crawls every page a user can reach
// and GETs every link and every form action on them, as a prefetching mail
// scanner or browser would: nothing in the database changes.
func TestPages_GetOfEveryLinkChangesNothing(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{NoWorker: true})
	user, _, tokens := func() (*domain.User, []domain.ID, []string) {
		s.startWorker(t, stackOpts{})
		return s.approvalRun(t, 3)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, p := range s.procs {
		require.NoError(t, p.Stop(ctx))
	}
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{})
	res := taskstest.MustAdd(t, s.db, user, run, pgtest.MustJobs(t, s.db, user, 3))
	pgtest.MustForceState(t, s.db, res.Queued[1].TaskID, domain.StatePaused)
	pgtest.MustForceState(t, s.db, res.Queued[2].TaskID, domain.StateFailed)
	session := s.session(t, user)

	before := dbSnapshot(t, s)
	seen := map[string]bool{}
	queue := []string{"/runs", "/approvals/confirm?token=" + tokens[0], "/auth/confirm?token=x"}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for len(queue) > 0 && len(seen) < 300 {
		path := strings.ReplaceAll(queue[0], "&amp;", "&")
		queue = queue[1:]
		if seen[path] || strings.HasPrefix(path, "/events") || strings.HasPrefix(path, "/static/") {
			continue
		}
		seen[path] = true
		req, err := http.NewRequest(http.MethodGet, s.api.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Cookie", web.SessionCookie+"="+session)
		res, err := client.Do(req)
		require.NoError(t, err)
		page, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		require.Less(t, res.StatusCode, 500, "GET %s: %s", path, page)
		for _, m := range linkRE.FindAllStringSubmatch(string(page), -1) {
			queue = append(queue, m[1])
		}
	}
	require.Greater(t, len(seen), 20, "the crawl reached the pages")
	for _, must := range []string{"/queue/queued", "/queue/paused", "/approvals", "/jobs", "/profile", "/tokens"} {
		require.True(t, seen[must], "crawled %s", must)
	}
	require.Equal(t, before, dbSnapshot(t, s), "GETs changed nothing")
}
