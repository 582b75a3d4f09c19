package dashboard_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/web"
)

// riverUI stands in for River UI, mounted for admins as cmd/api mounts it.
func riverUI(e *echo.Echo, requireAdmin echo.MiddlewareFunc) {
	e.Any("/ops/riverui*", func(c echo.Context) error { return c.HTML(http.StatusOK, "<h1>River UI</h1>") }, requireAdmin)
}

// getAccepting GETs path with the session cookie and an Accept header.
func (b *bundle) getAccepting(t *testing.T, path, session, accept string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	require.NoError(t, err)
	if session != "" {
		req.Header.Set("Cookie", web.SessionCookie+"="+session)
	}
	req.Header.Set("Accept", accept)
	return do(t, req)
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// TestOperators_RiverUILinkAndHTMLErrors: the navigation links River UI
// for admins only; a job seeker who opens an operator's page, a visitor,
// or anyone at an unknown address gets the error page in words (HTML),
// while the JSON API and scripts keep their JSON errors.
func TestOperators_RiverUILinkAndHTMLErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{Ops: riverUI})
	_, session := b.user(t)
	admin := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	adminSession := pgtest.MustSession(t, b.db, admin.Email, true)

	_, page := b.get(t, "/runs", adminSession)
	require.Contains(t, page, `<a href="/ops/riverui/" class="operator">River UI (operators)</a>`)
	_, page = b.get(t, "/runs", session)
	require.NotContains(t, page, "/ops/riverui")

	res, page := b.getAccepting(t, "/ops/riverui/", adminSession, browserAccept)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, "River UI")

	res, page = b.getAccepting(t, "/ops/riverui/", session, browserAccept)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "text/html"), res.Header.Get("Content-Type"))
	require.Contains(t, page, `<p class="error" role="alert">This page is for operators (the admin role)</p>`)
	require.Contains(t, page, `<a href="/">Back to applyq</a>`)
	require.Contains(t, page, "Sign out", "the page knows who is signed in")

	res, page = b.getAccepting(t, "/ops/riverui/", "", browserAccept)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "text/html"))
	require.Contains(t, page, "Sign in first")

	res, page = b.getAccepting(t, "/no-such-page", session, browserAccept)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "text/html"))
	require.Contains(t, page, "There is no page at this address")

	// Scripts and the JSON API keep the JSON error shape.
	res, body := b.getAccepting(t, "/ops/riverui/api/jobs", session, "application/json")
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"))
	require.Contains(t, body, `"code":"forbidden"`)
	res, body = b.getAccepting(t, "/api/v1/nope", session, browserAccept)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"))
	require.Contains(t, body, `"error"`)
}
