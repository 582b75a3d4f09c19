package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// magicLinkFrom asks for a sign-in link for email as a client at ip (behind
// the trusted proxy on loopback).
func (b *apiBundle) magicLinkFrom(t *testing.T, email, ip string) resp {
	t.Helper()
	return b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": email},
		Headers: map[string]string{"X-Forwarded-For": ip}})
}

// requireRetryAfter checks a 429: code rate_limited and a Retry-After that
// is a positive whole number of seconds within the window, equal to
// details.retry_after.
func requireRetryAfter(t *testing.T, b *apiBundle, r resp) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	var e errorView
	r.JSON(t, &e)
	require.Equal(t, domain.ERATELIMITED, e.Error.Code)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q is a whole number of seconds", r.Header.Get("Retry-After"))
	require.Positive(t, secs)
	require.LessOrEqual(t, secs, int(b.cfg.Auth.LimitWindow.Seconds()))
	require.Equal(t, float64(secs), e.Error.Details["retry_after"])
}

// TestMagicLink_AttackerCannotLockOutVictim: a client that exhausts its
// budget for an address (and keeps hammering) does not stop the address's
// owner from signing in from elsewhere; refused requests count for nothing;
// the per-address cap across all clients still bounds the mail one inbox
// gets.
func TestMagicLink_AttackerCannotLockOutVictim(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{TrustedProxies: []string{"127.0.0.0/8", "::1/128"}, EmailIPLimit: 3, EmailLimit: 6, IPLimit: 100})
	victim := uniqueEmail()
	const attacker, home = "203.0.113.66", "198.51.100.7"

	for i := range 3 {
		require.Equal(t, http.StatusAccepted, b.magicLinkFrom(t, victim, attacker).Status, "attacker request %d", i)
	}
	for range 10 {
		requireRetryAfter(t, b, b.magicLinkFrom(t, victim, attacker))
	}
	// The victim, on their own network, still signs in: the attacker's ten
	// refused requests did not count against the address.
	for i := range 3 {
		require.Equal(t, http.StatusAccepted, b.magicLinkFrom(t, victim, home).Status, "victim request %d", i)
	}
	b.signInFrom(t, victim, home, 6)

	// Six mails in the window is the address's cap, whoever asks.
	requireRetryAfter(t, b, b.magicLinkFrom(t, victim, "192.0.2.1"))
	require.Equal(t, 6, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'magic_link_email'`))
}

// signInFrom completes the sign-in with the n-th link mailed to address.
func (b *apiBundle) signInFrom(t *testing.T, address, ip string, n int) {
	t.Helper()
	token := b.waitForLink(t, address, n)
	r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/verify", Body: map[string]string{"token": token}, Headers: map[string]string{"X-Forwarded-For": ip}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

// TestMagicLink_GlobalCap: past the global cap on sign-in mail per window,
// every request answers 429 with Retry-After, and no more mail is queued.
func TestMagicLink_GlobalCap(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{TrustedProxies: []string{"127.0.0.0/8", "::1/128"}, GlobalLimit: 3})
	for i := range 3 {
		r := b.magicLinkFrom(t, uniqueEmail(), "203.0.113."+strconv.Itoa(i+1))
		require.Equal(t, http.StatusAccepted, r.Status, "request %d", i)
	}
	for i := range 3 {
		requireRetryAfter(t, b, b.magicLinkFrom(t, uniqueEmail(), "198.51.100."+strconv.Itoa(i+1)))
	}
	require.Equal(t, 3, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'magic_link_email'`))
}
