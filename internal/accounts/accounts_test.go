package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestSignIn_AdminEmailsGetTheAdminRole: an address in the admin list
// (compared case-insensitively) signs in as admin, on first sign-in or
// later; others stay users; a token works once.
func TestSignIn_AdminEmailsGetTheAdminRole(t *testing.T) {
	t.Parallel()
	db := pgtest.MustDB(t)
	ctx := context.Background()
	signIn := func(email string, admins ...string) (*domain.User, error) {
		svc := accounts.New(accounts.Options{Pool: db.Pool, SessionMaxAge: time.Hour, AdminEmails: admins})
		raw, err := svc.IssueMagicLink(ctx, email, time.Minute)
		require.NoError(t, err)
		_, sess := domain.NewToken(domain.PrefixSession)
		u, expires, err := svc.SignIn(ctx, domain.HashToken(raw), sess, nil)
		if err == nil {
			require.WithinDuration(t, time.Now().Add(time.Hour), expires, time.Minute)
			_, _, err := svc.SignIn(ctx, domain.HashToken(raw), sess, nil)
			require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCode(err), "a used token")
		}
		return u, err
	}
	u, err := signIn("ops@example.test", "someone@example.test", "OPS@Example.test")
	require.NoError(t, err)
	require.Equal(t, domain.RoleAdmin, u.Role)

	u, err = signIn("user@example.test", "ops@example.test")
	require.NoError(t, err)
	require.Equal(t, domain.RoleUser, u.Role)
	u, err = signIn("user@example.test", "user@example.test")
	require.NoError(t, err)
	require.Equal(t, domain.RoleAdmin, u.Role, "listed later: admin at the next sign-in")
	u, err = signIn("user@example.test")
	require.NoError(t, err)
	require.Equal(t, domain.RoleAdmin, u.Role, "the role is never taken back by signing in")
}

// TestSessionsAndTokens_ThroughTheService: signing in again from a browser
// ends the session it had, in the sign-in's transaction; signing out ends
// a session; revoking ends an API token of the user's own only.
func TestSessionsAndTokens_ThroughTheService(t *testing.T) {
	t.Parallel()
	db := pgtest.MustDB(t)
	ctx := context.Background()
	svc := accounts.New(accounts.Options{Pool: db.Pool, SessionMaxAge: time.Hour})
	sessions := func() int { return pgtest.MustCount(t, db, `SELECT count(*) FROM sessions`) }
	signIn := func(previous []byte) []byte {
		raw, err := svc.IssueMagicLink(ctx, "ada@example.test", time.Minute)
		require.NoError(t, err)
		_, sess := domain.NewToken(domain.PrefixSession)
		_, _, err = svc.SignIn(ctx, domain.HashToken(raw), sess, previous)
		require.NoError(t, err)
		return sess
	}
	first := signIn(nil)
	second := signIn(first)
	require.Equal(t, 1, sessions(), "the browser's previous session ended")
	require.NoError(t, svc.SignOut(ctx, second))
	require.Zero(t, sessions())
	require.NoError(t, svc.SignOut(ctx, second), "ended already: not an error")

	user, err := db.UserByEmail(ctx, "ada@example.test")
	require.NoError(t, err)
	other, err := db.UserByEmail(ctx, "bob@example.test")
	require.NoError(t, err)
	_, hash := domain.NewToken(domain.PrefixAPIToken)
	tok, err := svc.CreateAPIToken(ctx, user.ID, domain.APITokenCreate{Name: "ci"}, hash)
	require.NoError(t, err)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(svc.RevokeAPIToken(ctx, other.ID, tok.ID)), "another user's token")
	require.NoError(t, svc.RevokeAPIToken(ctx, user.ID, tok.ID))
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL`))
}

// TestThrottle: requests without sign-in from one IP are counted in
// Postgres, successful or not; beyond the limit they are ERATELIMITED
// naming the setting, and a refused one counts nothing; another IP has its
// own count.
func TestThrottle(t *testing.T) {
	t.Parallel()
	db := pgtest.MustDB(t)
	ctx := context.Background()
	svc := accounts.New(accounts.Options{Pool: db.Pool, SessionMaxAge: time.Hour})
	limits := domain.SignInLimits{PublicPerIP: 2, Window: time.Minute}
	for range 2 {
		require.NoError(t, svc.Throttle(ctx, limits.Public("192.0.2.1"), domain.PublicLimitSetting))
	}
	for range 3 {
		err := svc.Throttle(ctx, limits.Public("192.0.2.1"), domain.PublicLimitSetting)
		require.Equal(t, domain.ERATELIMITED, domain.ErrorCode(err))
		require.Equal(t, domain.PublicLimitSetting, domain.ErrorDetails(err)["limit"])
		require.LessOrEqual(t, domain.ErrorDetails(err)["retry_after"], 60)
	}
	require.Equal(t, 2, pgtest.MustCount(t, db, `SELECT count FROM rate_limits WHERE key = 'public:ip:192.0.2.1'`), "refused requests count nothing")
	require.NoError(t, svc.Throttle(ctx, limits.Public("192.0.2.2"), domain.PublicLimitSetting))
}
