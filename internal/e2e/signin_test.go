package e2e_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// TestPages_SignInLimitSaysRetryAfter: the sign-in form counts against the
// same limits as the API, and its 429 page carries Retry-After.
func TestPages_SignInLimitSaysRetryAfter(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{NoWorker: true})
	email := "limit-" + domain.NewID().String()[24:] + "@example.test"
	for i := range s.cfg.Auth.EmailIPLimit {
		res := s.form(t, "/sign-in", url.Values{"email": {email}}, "", "")
		require.Equal(t, http.StatusOK, res.StatusCode, "request %d", i)
	}
	res := s.form(t, "/sign-in", url.Values{"email": {email}}, "", "")
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.Positive(t, secs)
	require.Contains(t, body(t, res), "try again in")
}
