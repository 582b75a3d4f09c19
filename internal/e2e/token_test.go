package e2e_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestPages_TokensWithScopeAndExpiry: the tokens page creates a read-only
// token that expires, lists both, and the token reads but cannot write.
func TestPages_TokensWithScopeAndExpiry(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{NoWorker: true})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	cookie := s.session(t, user)

	res := s.form(t, "/tokens", url.Values{"name": {"grafana"}, "scope": {"read"}, "expires_in": {"2592000"}}, "", cookie)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	page := body(t, res)
	token := regexp.MustCompile(`aqt_[A-Za-z0-9_-]{43}`).FindString(page)
	require.NotEmpty(t, token, page)
	require.Regexp(t, `<td>grafana</td><td>read</td><td>[^<]+</td><td>\d{4}-`, page, "scope and expiry are listed")
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM api_tokens WHERE scope = 'read'
		AND expires_at BETWEEN now() + interval '29 days' AND now() + interval '31 days'`))

	code, _ := httpGet(t, s.api.URL+"/api/v1/me", token)
	require.Equal(t, http.StatusOK, code)
	code, _ = s.post(t, "/api/v1/runs", map[string]any{"name": "x"}, map[string]string{"Authorization": "Bearer " + token})
	require.Equal(t, http.StatusForbidden, code)

	res = s.form(t, "/tokens", url.Values{"name": {"x"}, "scope": {"admin"}, "expires_in": {"5"}}, "", cookie)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	page = body(t, res)
	require.Contains(t, page, "scope must be read")
	require.Contains(t, page, "expires_in must be a number of seconds")
}
