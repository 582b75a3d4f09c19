package sweeper_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sweeper"
)

// TestHousekeeping_ForgetsSpentTokens: a pass deletes used and expired
// sign-in links and expired sessions, and forgets the token hash of
// approval requests decided or expired longer ago than the grace; live
// links, recent decisions and the requests themselves stay.
func TestHousekeeping_ForgetsSpentTokens(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.now = dbNow(t, b.db)
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := b.db.Pool.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}
	key := func(token string) postgres.ApprovalKey {
		return postgres.ApprovalKey{TokenHash: domain.HashToken(token)}
	}

	// Approval links: pending; decided just now; decided and expired longer
	// ago than the grace.
	_, pending := pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{})
	_, recent := pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{})
	oldDecided, decided := pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{})
	oldExpired, expired := pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{})
	for _, tok := range []string{recent, decided} {
		_, err := b.svc.Decide(ctx, key(tok), domain.DecisionReject, "approval_link")
		require.NoError(t, err)
	}
	long := b.now.Add(-sweeper.SpentTokenGrace - time.Minute)
	exec(`UPDATE approval_requests SET decided_at = $2 WHERE id = $1`, oldDecided.ID, long)
	exec(`UPDATE approval_requests SET status = 'expired', expires_at = $2, decided_at = $2 WHERE id = $1`, oldExpired.ID, long)

	// Sign-in links: two used, one expired, one live; sessions: one live,
	// one expired.
	live := pgtest.MustSession(t, b.db, b.user.Email)
	dead := pgtest.MustSession(t, b.db, b.user.Email)
	exec(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, domain.HashToken(dead))
	_, usedLink := domain.NewToken(domain.PrefixMagicLink)
	_, usedLink2 := domain.NewToken(domain.PrefixMagicLink)
	_, expiredLink := domain.NewToken(domain.PrefixMagicLink)
	_, liveLink := domain.NewToken(domain.PrefixMagicLink)
	for _, h := range [][]byte{usedLink, usedLink2, expiredLink, liveLink} {
		exec(`INSERT INTO magic_link_tokens (token_hash, email, expires_at) VALUES ($1, $2, now() + interval '1 minute')`, h, b.user.Email)
	}
	exec(`UPDATE magic_link_tokens SET consumed_at = now() WHERE token_hash = ANY($1)`, [][]byte{usedLink, usedLink2})
	exec(`UPDATE magic_link_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, expiredLink)
	require.Equal(t, 4, pgtest.MustCount(t, b.db, `SELECT count(*) FROM magic_link_tokens`))

	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, res.ApprovalTokensCleared)
	require.Equal(t, 3, res.ExpiredTokensDeleted, "two used, one expired")
	require.Equal(t, 1, res.ExpiredSessionsDeleted)

	for _, tok := range []string{decided, expired} {
		_, err := b.db.ApprovalGet(ctx, key(tok))
		require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "a spent link is forgotten")
	}
	for _, tok := range []string{pending, recent} {
		_, err := b.db.ApprovalGet(ctx, key(tok))
		require.NoError(t, err, "a live or recently decided link still answers")
	}
	require.Equal(t, 4, pgtest.MustCount(t, b.db, `SELECT count(*) FROM approval_requests`), "the requests and decisions stay")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM magic_link_tokens WHERE token_hash = $1`, liveLink))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM magic_link_tokens`), "only the live sign-in link stays")
	_, err = b.db.Authenticate(ctx, domain.HashToken(live), time.Hour)
	require.NoError(t, err)

	res, err = b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, res.ApprovalTokensCleared)
	require.Zero(t, res.ExpiredTokensDeleted)
}
