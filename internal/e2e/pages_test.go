package e2e_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
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
	email := "page-" + domain.NewID().String()[:8] + "@example.test"

	res := s.form(t, "/sign-in", url.Values{"email": {"nope"}}, "", "")
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body(t, res), `aria-invalid="true"`)

	res = s.form(t, "/sign-in", url.Values{"email": {email}}, "", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body(t, res), "Check your email")

	var link string
	waitFor(t, 20*time.Second, "the sign-in mail", func() bool {
		for _, m := range s.mail.Sent() {
			if m.To == email {
				for _, line := range strings.Split(m.Body, "\n") {
					if strings.Contains(line, "/auth/confirm?token=") {
						link = strings.TrimSpace(line)
					}
				}
			}
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
