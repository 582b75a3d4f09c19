package postgres

import (
	"context"
	"time"
)

// DeleteExpiredAuth deletes up to limit magic-link tokens that were used or
// expired and up to limit expired sessions, and returns how many of each
// went.
func (db *DB) DeleteExpiredAuth(ctx context.Context, limit int) (tokens, sessions int, err error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM magic_link_tokens WHERE token_hash IN (
		SELECT token_hash FROM magic_link_tokens WHERE expires_at < now() OR consumed_at IS NOT NULL LIMIT $1 FOR UPDATE SKIP LOCKED)`, limit)
	if err != nil {
		return 0, 0, err
	}
	tokens = int(tag.RowsAffected())
	tag, err = db.Pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash IN (
		SELECT id_hash FROM sessions WHERE expires_at < now() LIMIT $1 FOR UPDATE SKIP LOCKED)`, limit)
	if err != nil {
		return tokens, 0, err
	}
	sessions = int(tag.RowsAffected())
	// Rate-limit windows older than a day are long over.
	if _, err := db.Pool.Exec(ctx, `DELETE FROM rate_limits WHERE ctid IN (
		SELECT ctid FROM rate_limits WHERE window_start < now() - interval '1 day' LIMIT $1)`, limit); err != nil {
		return tokens, sessions, err
	}
	return tokens, sessions, nil
}

// ForgetApprovalTokens clears the token hash of up to limit approval
// requests decided or expired before cutoff (a pending one past its expiry
// counts as expired), so their links answer like unknown ones. The request,
// its packet and its decision stay. It returns how many it cleared.
func (db *DB) ForgetApprovalTokens(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	tag, err := db.Pool.Exec(ctx, `UPDATE approval_requests SET token_hash = NULL WHERE id IN (
		SELECT id FROM approval_requests WHERE token_hash IS NOT NULL AND coalesce(decided_at, expires_at) < $1
		LIMIT $2 FOR UPDATE SKIP LOCKED)`, cutoff, limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
