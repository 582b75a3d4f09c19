package postgres

import (
	"context"
)

// DeleteExpiredAuth deletes up to limit expired magic-link tokens and up to
// limit expired sessions, and returns how many of each went.
func (db *DB) DeleteExpiredAuth(ctx context.Context, limit int) (tokens, sessions int, err error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM magic_link_tokens WHERE token_hash IN (
		SELECT token_hash FROM magic_link_tokens WHERE expires_at < now() LIMIT $1 FOR UPDATE SKIP LOCKED)`, limit)
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
