package postgres

import (
	"context"
	"time"

	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// DeleteExpiredAuth deletes up to limit magic-link tokens that were used or
// expired and up to limit expired sessions, and returns how many of each
// went. It also deletes up to limit rate-limit counters whose window is long
// over. Each delete is its own statement: a failure keeps what went before.
func (s *Store) DeleteExpiredAuth(ctx context.Context, limit int) (tokens, sessions int, err error) {
	n, err := s.q.MagicLinkTokenDeleteSpent(ctx, limit)
	if err != nil {
		return 0, 0, err
	}
	tokens = int(n)
	if n, err = s.q.SessionDeleteExpired(ctx, limit); err != nil {
		return tokens, 0, err
	}
	sessions = int(n)
	if _, err := s.q.RateLimitDeleteOld(ctx, limit); err != nil {
		return tokens, sessions, err
	}
	return tokens, sessions, nil
}

// ForgetApprovalTokens clears the token hash of up to limit approval
// requests decided or expired before cutoff (a pending one past its expiry
// counts as expired), so their links answer like unknown ones. The request,
// its packet and its decision stay. It returns how many it cleared.
func (s *Store) ForgetApprovalTokens(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	n, err := s.q.ApprovalForgetTokens(ctx, dbsqlc.ApprovalForgetTokensParams{Cutoff: cutoff, Max: limit})
	return int(n), err
}
