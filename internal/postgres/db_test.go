package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestConnect_SaysWhatIsWrong: a missing database, a refused user and an
// unreachable server are three different problems with three different
// fixes; none of the messages shows a password.
func TestConnect_SaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server, err := url.Parse(pgtest.BaseURL())
	require.NoError(t, err)
	with := func(user, db string, password bool) string {
		u := *server
		if password {
			u.User = url.UserPassword(user, "s3cret")
			q := u.Query()
			q.Set("password", "s3cret")
			u.RawQuery = q.Encode()
		} else {
			u.User = url.User(user)
		}
		u.Path = "/" + db
		return u.String()
	}
	user := server.User.Username()
	if user == "" {
		user = "postgres"
	}

	t.Run("database does not exist", func(t *testing.T) {
		t.Parallel()
		db := fmt.Sprintf("applyq_missing_%d", time.Now().UnixNano())
		_, err := postgres.Connect(ctx, with(user, db, false), 0)
		require.Error(t, err)
		msg := err.Error()
		require.Contains(t, msg, fmt.Sprintf("database %q does not exist", db))
		require.Contains(t, msg, "createdb")
		require.Contains(t, msg, "make migrate")
		require.Contains(t, msg, "APPLYQ_DATABASE_URL")
		require.NotContains(t, msg, "is it running")
	})
	t.Run("user refused", func(t *testing.T) {
		t.Parallel()
		_, err := postgres.Connect(ctx, with("applyq_no_such_role", "postgres", false), 0)
		require.Error(t, err)
		msg := err.Error()
		require.Contains(t, msg, `refused user "applyq_no_such_role"`)
		require.Contains(t, msg, "APPLYQ_DATABASE_URL")
		require.NotContains(t, msg, "is it running")
	})
	t.Run("server unreachable", func(t *testing.T) {
		t.Parallel()
		_, err := postgres.Connect(ctx, "postgres://postgres:s3cret@127.0.0.1:1/applyq?sslmode=disable&password=s3cret", 0)
		require.Error(t, err)
		msg := err.Error()
		require.Contains(t, msg, "cannot reach Postgres at 127.0.0.1:1")
		require.Contains(t, msg, "is it running")
		require.NotContains(t, msg, "s3cret")
	})
	t.Run("no password in any message", func(t *testing.T) {
		t.Parallel()
		for _, dsn := range []string{
			with(user, "applyq_missing_db", true),
			"host=127.0.0.1 port=1 user=postgres password=s3cret dbname=applyq sslmode=disable",
			"postgres://postgres:s3cret@127.0.0.1:1/applyq?sslmode=bogus&password=s3cret",
		} {
			_, err := postgres.Connect(ctx, dsn, 0)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "s3cret")
		}
	})
}
