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
		u, expires, err := svc.SignIn(ctx, domain.HashToken(raw), sess)
		if err == nil {
			require.WithinDuration(t, time.Now().Add(time.Hour), expires, time.Minute)
			_, _, err := svc.SignIn(ctx, domain.HashToken(raw), sess)
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
