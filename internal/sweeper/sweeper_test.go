package sweeper_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sweeper"
)

func TestRunOnce_DeletesOnlyExpiredAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.MustDB(t)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	_, err := db.Pool.Exec(ctx, `INSERT INTO magic_link_tokens (token_hash, email, expires_at) VALUES
		(sha256('a'), 'a@example.test', now() - interval '1 minute'),
		(sha256('b'), 'b@example.test', now() + interval '10 minutes')`)
	require.NoError(t, err)
	_, err = db.Pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, expires_at) VALUES
		(sha256('s1'), $1, now() - interval '1 second'), (sha256('s2'), $1, now() + interval '1 hour')`, user.ID)
	require.NoError(t, err)

	sw := &sweeper.Sweeper{DB: db, Log: zaptest.NewLogger(t)}
	res, err := sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.ExpiredTokensDeleted)
	require.Equal(t, 1, res.ExpiredSessionsDeleted)
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM magic_link_tokens WHERE token_hash = sha256('b')`))
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM sessions WHERE id_hash = sha256('s2')`))

	res, err = sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, res.ExpiredTokensDeleted+res.ExpiredSessionsDeleted, "a second pass finds nothing")
}
