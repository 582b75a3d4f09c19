package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// statementCounter is a pgx tracer recording the statements a pool runs.
type statementCounter struct {
	mu   sync.Mutex
	sqls []string
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sqls = append(c.sqls, data.SQL)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// take returns the statements run since the last call.
func (c *statementCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.sqls
	c.sqls = nil
	return out
}

// TestAuthenticate_OneStatementKeepsEverySemantic: authenticating a request
// is one statement, whatever the credential and whatever the outcome, and
// it keeps the rules: idle and absolute session timeouts, last_seen_at and
// last_used_at written at most once a minute, revoked and expired tokens
// refused, the credential (session or token, with its scope) reported.
func TestAuthenticate_OneStatementKeepsEverySemantic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.MustDatabaseURL(t)
	db := postgres.New(pgtest.MustPoolFor(t, url))
	counter := &statementCounter{}
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.ConnConfig.Tracer = counter
	traced, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(traced.Close)
	store := postgres.NewStore(traced)

	const idle = 30 * time.Minute
	user, err := db.UserByEmail(ctx, "auth-"+domain.NewID().String()+"@example.test")
	require.NoError(t, err)

	// session inserts a session last seen ago, expiring in expiresIn.
	session := func(lastSeen, expiresIn time.Duration) []byte {
		_, hash := domain.NewToken(domain.PrefixSession)
		_, err := db.Pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, last_seen_at, expires_at)
			VALUES ($1, $2, now() - make_interval(secs => $3), now() + make_interval(secs => $4))`,
			hash, user.ID, lastSeen.Seconds(), expiresIn.Seconds())
		require.NoError(t, err)
		return hash
	}
	lastSeen := func(hash []byte) time.Duration {
		var ago float64
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT extract(epoch FROM now() - last_seen_at) FROM sessions WHERE id_hash = $1`, hash).Scan(&ago))
		return time.Duration(ago * float64(time.Second))
	}
	// token creates an API token, then lets sql (given its id) age it.
	token := func(scope domain.TokenScope, sql string) ([]byte, domain.ID) {
		_, hash := domain.NewToken(domain.PrefixAPIToken)
		tok, err := db.APITokenCreate(ctx, user.ID, "t", scope, nil, hash)
		require.NoError(t, err)
		if sql != "" {
			_, err = db.Pool.Exec(ctx, sql, tok.ID)
			require.NoError(t, err)
		}
		return hash, tok.ID
	}
	lastUsed := func(id domain.ID) *time.Duration {
		var ago *float64
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT extract(epoch FROM now() - last_used_at) FROM api_tokens WHERE id = $1`, id).Scan(&ago))
		if ago == nil {
			return nil
		}
		d := time.Duration(*ago * float64(time.Second))
		return &d
	}
	authenticate := func(t *testing.T, hash []byte) (*domain.User, *domain.Credential, error) {
		t.Helper()
		counter.take()
		u, cred, err := store.AuthenticateCredential(ctx, hash, idle)
		require.Len(t, counter.take(), 1, "one statement per request")
		return u, cred, err
	}
	refused := func(t *testing.T, hash []byte) {
		t.Helper()
		u, cred, err := authenticate(t, hash)
		require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCode(err), "%v", err)
		require.Nil(t, u)
		require.Nil(t, cred)
	}

	t.Run("fresh session: a full session credential, last_seen_at not rewritten", func(t *testing.T) {
		hash := session(10*time.Second, time.Hour)
		u, cred, err := authenticate(t, hash)
		require.NoError(t, err)
		require.Equal(t, user.ID, u.ID)
		require.Equal(t, user.Email, u.Email)
		require.False(t, cred.IsAPIToken())
		require.Equal(t, domain.ScopeFull, cred.Scope)
		require.Greater(t, lastSeen(hash), 5*time.Second, "seen under a minute ago: not written again")
	})
	t.Run("session seen minutes ago: accepted, last_seen_at slides", func(t *testing.T) {
		hash := session(5*time.Minute, time.Hour)
		_, cred, err := authenticate(t, hash)
		require.NoError(t, err)
		require.False(t, cred.IsAPIToken())
		require.Less(t, lastSeen(hash), 5*time.Second)
	})
	t.Run("session idle past the idle timeout: refused, untouched", func(t *testing.T) {
		hash := session(idle+time.Minute, time.Hour)
		refused(t, hash)
		require.Greater(t, lastSeen(hash), idle)
	})
	t.Run("session past its absolute expiry: refused", func(t *testing.T) {
		refused(t, session(5*time.Minute, -time.Second))
	})
	t.Run("read token: its id and scope, last_used_at written", func(t *testing.T) {
		hash, id := token(domain.ScopeRead, "")
		require.Nil(t, lastUsed(id))
		u, cred, err := authenticate(t, hash)
		require.NoError(t, err)
		require.Equal(t, user.ID, u.ID)
		require.True(t, cred.IsAPIToken())
		require.Equal(t, id, *cred.TokenID)
		require.Equal(t, domain.ScopeRead, cred.Scope)
		require.NotNil(t, lastUsed(id))
		require.Less(t, *lastUsed(id), 5*time.Second)
	})
	t.Run("full token used seconds ago: accepted, last_used_at not rewritten", func(t *testing.T) {
		hash, id := token(domain.ScopeFull, `UPDATE api_tokens SET last_used_at = now() - interval '20 seconds', expires_at = now() + interval '1 hour' WHERE id = $1`)
		_, cred, err := authenticate(t, hash)
		require.NoError(t, err)
		require.Equal(t, domain.ScopeFull, cred.Scope)
		require.Greater(t, *lastUsed(id), 15*time.Second)
	})
	t.Run("token used minutes ago: last_used_at written", func(t *testing.T) {
		hash, id := token(domain.ScopeFull, `UPDATE api_tokens SET last_used_at = now() - interval '5 minutes' WHERE id = $1`)
		_, _, err := authenticate(t, hash)
		require.NoError(t, err)
		require.Less(t, *lastUsed(id), 5*time.Second)
	})
	t.Run("revoked token: refused, untouched", func(t *testing.T) {
		hash, id := token(domain.ScopeFull, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1`)
		refused(t, hash)
		require.Nil(t, lastUsed(id))
	})
	t.Run("expired token: refused, untouched", func(t *testing.T) {
		hash, id := token(domain.ScopeRead, `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`)
		refused(t, hash)
		require.Nil(t, lastUsed(id))
	})
	t.Run("unknown hash: refused", func(t *testing.T) {
		_, hash := domain.NewToken(domain.PrefixSession)
		refused(t, hash)
	})
	t.Run("Authenticate is the same statement", func(t *testing.T) {
		hash := session(0, time.Hour)
		counter.take()
		u, err := store.Authenticate(ctx, hash, idle)
		require.NoError(t, err)
		require.Equal(t, user.ID, u.ID)
		require.Len(t, counter.take(), 1)
	})
}
