package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

type tokenView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at"`
	Token     string     `json:"token"`
}

// mustToken creates an API token with the session and returns it.
func (b *apiBundle) mustToken(t *testing.T, session string, body map[string]any) tokenView {
	t.Helper()
	r := b.do(t, req{Method: "POST", Path: "/api/v1/tokens", Token: session, Body: body})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var v tokenView
	r.JSON(t, &v)
	return v
}

// TestAPITokens_ReadScopeOnlyReads: a read-only token may use safe methods
// only; every state change answers 403 and changes nothing.
func TestAPITokens_ReadScopeOnlyReads(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	session := pgtest.MustSession(t, b.db, uniqueEmail())
	f := createFixtures(t, b, session)
	read := b.mustToken(t, session, map[string]any{"name": "dashboards", "scope": "read"})
	require.Equal(t, "read", read.Scope)
	require.Nil(t, read.ExpiresAt)

	for _, path := range []string{"/api/v1/me", "/api/v1/runs", "/api/v1/runs/" + f.Run, "/api/v1/jobs", "/api/v1/tasks", "/api/v1/tasks/" + f.Task, "/api/v1/tokens", "/api/v1/approvals"} {
		r := b.do(t, req{Method: "GET", Path: path, Token: read.Token})
		require.Equal(t, http.StatusOK, r.Status, "GET %s: %s", path, r.Body)
	}
	before := rowCounts(t, b)
	for _, w := range []req{
		{Method: "POST", Path: "/api/v1/runs", Body: map[string]any{"name": "x"}},
		{Method: "PATCH", Path: "/api/v1/runs/" + f.Run, Body: map[string]any{"name": "x"}},
		{Method: "DELETE", Path: "/api/v1/runs/" + f.Run},
		{Method: "POST", Path: "/api/v1/runs/" + f.Run + "/cancel"},
		{Method: "PATCH", Path: "/api/v1/me", Body: map[string]any{"name": "x"}},
		{Method: "POST", Path: "/api/v1/jobs", Body: map[string]any{"jobs": []map[string]string{{"url": "https://example.com/r"}}}},
		{Method: "POST", Path: "/api/v1/tasks/" + f.Task + "/cancel"},
		{Method: "POST", Path: "/api/v1/tasks/bulk-cancel", Body: map[string]any{"run_id": f.Run}},
		{Method: "POST", Path: "/api/v1/tokens", Body: map[string]any{"name": "more"}},
		{Method: "DELETE", Path: "/api/v1/tokens/" + read.ID},
		{Method: "POST", Path: "/api/v1/auth/logout"},
	} {
		w.Token = read.Token
		r := b.do(t, w)
		require.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", w.Method, w.Path, r.Body)
		require.Equal(t, domain.EFORBIDDEN, r.ErrorCode(t))
		require.Contains(t, string(r.Body), "read-only")
	}
	require.Equal(t, before, rowCounts(t, b), "a read-only token changed nothing")
	r := b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: read.Token})
	require.Equal(t, http.StatusOK, r.Status, "and it still works")
}

// TestAPITokens_OnlySessionsCreateTokens: a full API token can do what a
// session does, except mint tokens.
func TestAPITokens_OnlySessionsCreateTokens(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	session := pgtest.MustSession(t, b.db, uniqueEmail())
	full := b.mustToken(t, session, map[string]any{"name": "ci"})
	require.Equal(t, "full", full.Scope, "scope defaults to full")

	r := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: full.Token, Body: map[string]any{"name": "by token"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	for _, scope := range []string{"", "read", "full"} {
		body := map[string]any{"name": "minted"}
		if scope != "" {
			body["scope"] = scope
		}
		r = b.do(t, req{Method: "POST", Path: "/api/v1/tokens", Token: full.Token, Body: body})
		require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
		require.Equal(t, domain.EFORBIDDEN, r.ErrorCode(t))
		require.Contains(t, string(r.Body), "cannot create tokens")
	}
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM api_tokens`), "no token minted a token")
}

// TestAPITokens_LogoutIsTruthful: logout with an API token answers 400
// saying how to revoke it, and the token stays valid (as the answer says);
// logout with a session ends it.
func TestAPITokens_LogoutIsTruthful(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	session := pgtest.MustSession(t, b.db, uniqueEmail())
	full := b.mustToken(t, session, map[string]any{"name": "ci"})

	r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/logout", Token: full.Token})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	var e errorView
	r.JSON(t, &e)
	require.Equal(t, domain.EINVALID, e.Error.Code)
	require.Contains(t, e.Error.Message, "DELETE /api/v1/tokens/"+full.ID)
	require.Equal(t, full.ID, e.Error.Details["token_id"])
	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: full.Token})
	require.Equal(t, http.StatusOK, r.Status, "the token is still valid, as the answer said")

	r = b.do(t, req{Method: "DELETE", Path: "/api/v1/tokens/" + full.ID, Token: full.Token})
	require.Equal(t, http.StatusNoContent, r.Status, "a full token can revoke itself")
	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: full.Token})
	require.Equal(t, http.StatusUnauthorized, r.Status)

	r = b.do(t, req{Method: "POST", Path: "/api/v1/auth/logout", Token: session})
	require.Equal(t, http.StatusNoContent, r.Status)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: session})
	require.Equal(t, http.StatusUnauthorized, r.Status)
}

// TestAPITokens_Expiry: a token may expire (expires_in or expires_at,
// bounded); once expired it answers 401, and the list shows when.
func TestAPITokens_Expiry(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	session := pgtest.MustSession(t, b.db, uniqueEmail())

	start := time.Now()
	in := b.mustToken(t, session, map[string]any{"name": "hour", "expires_in": 3600})
	require.NotNil(t, in.ExpiresAt)
	require.WithinDuration(t, start.Add(time.Hour), *in.ExpiresAt, time.Minute)
	at := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	on := b.mustToken(t, session, map[string]any{"name": "month", "expires_at": at.Format(time.RFC3339), "scope": "read"})
	require.True(t, at.Equal(*on.ExpiresAt), "%s != %s", at, on.ExpiresAt)

	r := b.do(t, req{Method: "GET", Path: "/api/v1/tokens", Token: session})
	require.Contains(t, string(r.Body), `"expires_at":"`+at.Format(time.RFC3339)+`"`)
	require.Contains(t, string(r.Body), `"scope":"read"`)

	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: in.Token})
	require.Equal(t, http.StatusOK, r.Status)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, in.ID)
	require.NoError(t, err)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: in.Token})
	require.Equal(t, http.StatusUnauthorized, r.Status, "an expired token stops working")

	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "x", "scope": "admin"}, "scope"},
		{map[string]any{"name": "x", "expires_in": 59}, "expires_in"},
		{map[string]any{"name": "x", "expires_in": 366 * 24 * 3600}, "expires_in"},
		{map[string]any{"name": "x", "expires_in": -1}, "expires_in"},
		{map[string]any{"name": "x", "expires_in": 3600, "expires_at": at.Format(time.RFC3339)}, "expires_in"},
		{map[string]any{"name": "x", "expires_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}, "expires_at"},
		{map[string]any{"name": "x", "expires_at": time.Now().Add(400 * 24 * time.Hour).Format(time.RFC3339)}, "expires_at"},
		{map[string]any{"name": "x", "expires_at": "next week"}, "expires_at"},
		{map[string]any{"name": ""}, "name"},
	} {
		r := b.do(t, req{Method: "POST", Path: "/api/v1/tokens", Token: session, Body: c.body})
		require.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", c.body, r.Body)
		require.Contains(t, string(r.Body), `"`+c.field+`"`, "%v", c.body)
	}
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM api_tokens`))
}
