package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// fixtureIDs creates one of everything for a signed-in user over HTTP.
type fixtureIDs struct {
	Run, Job, Task, Token, Source string
}

func createFixtures(t *testing.T, b *apiBundle, token string) fixtureIDs {
	t.Helper()
	var f fixtureIDs
	r := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: map[string]any{"name": "mine"}})
	require.Equal(t, http.StatusCreated, r.Status)
	var run runView
	r.JSON(t, &run)
	f.Run = run.ID
	r = b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: map[string]any{"jobs": []map[string]string{{"url": "https://boards.greenhouse.io/acme/jobs/" + domain.NewID().String(), "company": "Acme", "title": "Engineer"}}}})
	var ing ingestView
	r.JSON(t, &ing)
	f.Job = ing.Results[0].Job.ID
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs/" + f.Run + "/tasks", Token: token, Body: map[string]any{"job_ids": []string{f.Job}}})
	var added domain.AddJobsResult
	r.JSON(t, &added)
	f.Task = added.Queued[0].TaskID.String()
	r = b.do(t, req{Method: "POST", Path: "/api/v1/tokens", Token: token, Body: map[string]any{"name": "ci"}})
	require.Equal(t, http.StatusCreated, r.Status)
	var tok struct{ ID string }
	r.JSON(t, &tok)
	f.Token = tok.ID
	r = b.do(t, req{Method: "POST", Path: "/api/v1/sources", Token: token, Body: map[string]any{"url": "https://jobs.lever.co/acme-" + domain.NewID().String()[24:], "run_id": f.Run}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var src struct{ ID string }
	r.JSON(t, &src)
	f.Source = src.ID
	return f
}

func TestTenancy_OtherUsersIDsAre404(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{DevEndpoints: true})
	alice := b.signIn(t, uniqueEmail())
	mallory := b.signIn(t, uniqueEmail())
	a := createFixtures(t, b, alice)
	m := createFixtures(t, b, mallory)

	attempts := []req{
		{Method: "GET", Path: "/api/v1/runs/" + a.Run},
		{Method: "PATCH", Path: "/api/v1/runs/" + a.Run, Body: map[string]any{"name": "pwned"}},
		{Method: "POST", Path: "/api/v1/runs/" + a.Run + "/cancel"},
		{Method: "DELETE", Path: "/api/v1/runs/" + a.Run},
		{Method: "POST", Path: "/api/v1/runs/" + a.Run + "/tasks", Body: map[string]any{"job_ids": []string{m.Job}}},
		{Method: "POST", Path: "/api/v1/runs/" + m.Run + "/tasks", Body: map[string]any{"job_ids": []string{a.Job}}},
		{Method: "GET", Path: "/api/v1/jobs/" + a.Job},
		{Method: "GET", Path: "/api/v1/tasks/" + a.Task},
		{Method: "POST", Path: "/api/v1/tasks/" + a.Task + "/resume"},
		{Method: "POST", Path: "/api/v1/tasks/" + a.Task + "/cancel"},
		{Method: "POST", Path: "/api/v1/tasks/bulk-cancel", Body: map[string]any{"run_id": a.Run}},
		{Method: "POST", Path: "/api/v1/tasks/bulk-resume", Body: map[string]any{"run_id": a.Run}},
		{Method: "DELETE", Path: "/api/v1/tokens/" + a.Token},
		{Method: "GET", Path: "/api/v1/sources/" + a.Source},
		{Method: "PATCH", Path: "/api/v1/sources/" + a.Source, Body: map[string]any{"status": "paused"}},
		{Method: "PATCH", Path: "/api/v1/sources/" + m.Source, Body: map[string]any{"run_id": a.Run}},
		{Method: "POST", Path: "/api/v1/sources", Body: map[string]any{"url": "https://jobs.lever.co/other", "run_id": a.Run}},
		{Method: "POST", Path: "/api/v1/sources/" + a.Source + "/sync"},
		{Method: "DELETE", Path: "/api/v1/sources/" + a.Source},
		{Method: "GET", Path: "/api/v1/dev/runs/" + a.Run + "/next-task"},
	}
	for _, at := range attempts {
		at.Token = mallory
		r := b.do(t, at)
		require.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", at.Method, at.Path, r.Body)
		require.Equal(t, domain.ENOTFOUND, r.ErrorCode(t))
	}
	// Lists show only one's own rows.
	for _, path := range []string{"/api/v1/runs", "/api/v1/jobs", "/api/v1/tasks", "/api/v1/tokens", "/api/v1/sources"} {
		r := b.do(t, req{Method: "GET", Path: path, Token: mallory})
		require.Equal(t, http.StatusOK, r.Status)
		for _, id := range []string{a.Run, a.Job, a.Task, a.Token, a.Source} {
			require.NotContains(t, string(r.Body), id, path)
		}
	}
	// Nothing of alice's changed.
	r := b.do(t, req{Method: "GET", Path: "/api/v1/tasks/" + a.Task, Token: alice})
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), `"state":"queued"`)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/runs/" + a.Run, Token: alice})
	require.Contains(t, string(r.Body), `"name":"mine"`)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tokens", Token: alice})
	require.Contains(t, string(r.Body), `"revoked_at":null`)
}

func TestMagicLink_KnownAndUnknownEmailsLookTheSame(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	known := uniqueEmail()
	b.signIn(t, known)

	send := func(email string) resp {
		return b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": email}})
	}
	k, u := send(known), send(uniqueEmail())
	require.Equal(t, http.StatusAccepted, k.Status)
	require.Equal(t, k.Status, u.Status)
	require.Equal(t, k.Body, u.Body, "byte-identical bodies")
	for _, h := range []http.Header{k.Header, u.Header} {
		h.Del("Date")
		h.Del("X-Request-Id")
	}
	require.Equal(t, k.Header, u.Header, "identical headers")
}

func TestMagicLink_LimitsTrip(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{EmailLimit: 3, IPLimit: 6})
	email := uniqueEmail()
	for i := range 3 {
		r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": email}})
		require.Equal(t, http.StatusAccepted, r.Status, "request %d", i)
	}
	r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": strings.ToUpper(email)}})
	require.Equal(t, http.StatusTooManyRequests, r.Status, "per-email limit, case-insensitive")
	requireRetryAfter(t, b, r)

	// Per IP: 6 requests in all from this address; a forged X-Forwarded-For
	// does not make a new client.
	codes := []int{}
	for i := range 5 {
		r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": uniqueEmail()},
			Headers: map[string]string{"X-Forwarded-For": "203.0.113." + string(rune('1'+i)), "X-Real-Ip": "198.51.100.7"}})
		codes = append(codes, r.Status)
	}
	// 3 accepted for the first address (the refused one counts for nothing);
	// three more pass.
	require.Equal(t, []int{http.StatusAccepted, http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests, http.StatusTooManyRequests}, codes)
	// Only the accepted requests enqueued mail jobs.
	require.Equal(t, 6, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'magic_link_email'`))
}

func TestMagicLink_TokenIsSingleUseAndExpires(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	email := uniqueEmail()
	r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": email}})
	require.Equal(t, http.StatusAccepted, r.Status)
	token := b.waitForLink(t, email, 1)
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE args::text LIKE '%'||$1||'%'`, token), "the raw token is never stored")

	verify := func(tok string) resp {
		return b.do(t, req{Method: "POST", Path: "/api/v1/auth/verify", Body: map[string]string{"token": tok}})
	}
	first := verify(token)
	require.Equal(t, http.StatusOK, first.Status)
	setCookie := first.Header.Get("Set-Cookie")
	require.Contains(t, setCookie, httpapi.SessionCookie+"=aqs_")
	for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		require.Contains(t, setCookie, attr)
	}
	require.NotContains(t, setCookie, "Domain=")

	replay := verify(token)
	require.Equal(t, http.StatusUnauthorized, replay.Status)
	require.Equal(t, domain.EUNAUTHORIZED, replay.ErrorCode(t))

	// An expired token is refused.
	r = b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": email}})
	require.Equal(t, http.StatusAccepted, r.Status)
	second := b.waitForLink(t, email, 2)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE magic_link_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, domain.HashToken(second))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, verify(second).Status)

	for _, junk := range []string{"", "aqm_short", "aqs_" + strings.Repeat("A", 43), strings.Repeat("x", 5000)} {
		require.Equal(t, http.StatusUnauthorized, verify(junk).Status, junk)
	}
}

func TestCSRF_CookieStateChangesMustBeSameOrigin(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	session := b.signIn(t, uniqueEmail())
	cookie := httpapi.SessionCookie + "=" + session
	body := map[string]any{"name": "from a form"}

	cross := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Body: body, Headers: map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site"}})
	require.Equal(t, http.StatusForbidden, cross.Status)
	require.Equal(t, domain.EFORBIDDEN, cross.ErrorCode(t))
	evil := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Body: body, Headers: map[string]string{"Cookie": cookie, "Origin": "https://evil.example"}})
	require.Equal(t, http.StatusForbidden, evil.Status)
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_runs`), "refused requests write nothing")

	same := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Body: body, Headers: map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin", "Origin": b.cfg.HTTP.PublicBaseURL}})
	require.Equal(t, http.StatusCreated, same.Status, string(same.Body))
	// Reads with the cookie are fine cross-site (SameSite=Lax and CORS guard them).
	get := b.do(t, req{Method: "GET", Path: "/api/v1/runs", Headers: map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site"}})
	require.Equal(t, http.StatusOK, get.Status)
	// Bearer requests carry no ambient credential: not cookie-bound.
	bearer := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: session, Body: body, Headers: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	require.Equal(t, http.StatusCreated, bearer.Status)
}

func TestAPITokens_CreateListRevoke(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	session := b.signIn(t, uniqueEmail())
	r := b.do(t, req{Method: "POST", Path: "/api/v1/tokens", Token: session, Body: map[string]any{"name": "laptop"}})
	require.Equal(t, http.StatusCreated, r.Status)
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	var created struct {
		ID, Token string
	}
	r.JSON(t, &created)
	require.True(t, strings.HasPrefix(created.Token, domain.PrefixAPIToken))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM api_tokens WHERE token_hash = sha256($1::bytea)`, []byte(created.Token)), "stored as SHA-256")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM api_tokens WHERE position($1::bytea in token_hash) > 0`, []byte(created.Token)))

	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: created.Token})
	require.Equal(t, http.StatusOK, r.Status, "the API token authenticates")
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tokens", Token: session})
	require.NotContains(t, string(r.Body), created.Token, "secrets are shown once")
	require.Contains(t, string(r.Body), created.ID)

	r = b.do(t, req{Method: "DELETE", Path: "/api/v1/tokens/" + created.ID, Token: session})
	require.Equal(t, http.StatusNoContent, r.Status)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: created.Token})
	require.Equal(t, http.StatusUnauthorized, r.Status, "a revoked token stops working")
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	for _, path := range []string{"/healthz", "/api/v1/me", "/nope"} {
		r := b.do(t, req{Method: "GET", Path: path})
		require.Contains(t, r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'", path)
		require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
		require.Empty(t, r.Header.Get("X-XSS-Protection"), "no legacy XSS header")
		require.Empty(t, r.Header.Get("Strict-Transport-Security"), "no HSTS over plain http")
		require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), "no CORS unless configured")
	}
	r := b.do(t, req{Method: "OPTIONS", Path: "/api/v1/runs", Headers: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}})
	require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), "CORS preflight from an unknown origin is refused")
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	session := b.signIn(t, uniqueEmail())
	require.Equal(t, http.StatusOK, b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: session}).Status)

	// Idle past the idle timeout: refused.
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE sessions SET last_seen_at = now() - $2::interval WHERE id_hash = $1`,
		domain.HashToken(session), (b.cfg.Auth.SessionIdleTimeout + 60e9).String())
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: session}).Status)

	// Past the absolute expiry, even if recently seen: refused.
	other := b.signIn(t, uniqueEmail())
	_, err = b.db.Pool.Exec(context.Background(), `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, domain.HashToken(other))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: other}).Status)

	// Each sign-in is a new session id.
	email := uniqueEmail()
	s1, s2 := b.signIn(t, email), b.signIn(t, email)
	require.NotEqual(t, s1, s2)
}
