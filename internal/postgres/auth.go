package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

// hitRateLimitsTx counts one hit against each limit and returns how long
// until the window of every tripped limit has ended (zero when none
// tripped). Counters live in Postgres so every API replica shares them; the
// rows are taken in key order, so two requests never wait on each other.
func hitRateLimitsTx(ctx context.Context, tx pgx.Tx, limits []domain.RateLimit) (retryAfter time.Duration, err error) {
	sorted := slices.SortedFunc(slices.Values(limits), func(a, b domain.RateLimit) int { return strings.Compare(a.Key, b.Key) })
	for _, l := range sorted {
		var n int
		var left float64 // seconds until the window ends
		err := tx.QueryRow(ctx, `INSERT INTO rate_limits (key, window_start)
			VALUES ($1, date_bin(make_interval(secs => $2), now(), timestamptz '2000-01-01'))
			ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
			RETURNING count, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8`, l.Key, l.Window.Seconds()).Scan(&n, &left)
		if err != nil {
			return 0, err
		}
		if n > l.Limit {
			retryAfter = max(retryAfter, time.Duration(left*float64(time.Second)))
		}
	}
	return retryAfter, nil
}

// errLimited rolls back a refused request's counts.
var errLimited = errors.New("postgres: rate limited")

// RequestMagicLink counts the request against limits and, when none trips,
// enqueues the job that creates the token and mails the link, in one
// transaction. A refused request counts against nothing (its transaction
// rolls back), so hammering a limit does not keep it closed; it is
// ERATELIMITED with details.retry_after, the seconds until it would pass.
// The token itself is made by the mail job, so the raw secret is never
// written to the database (River's job args included).
func (db *DB) RequestMagicLink(ctx context.Context, email string, limits []domain.RateLimit) error {
	var retryAfter time.Duration
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if retryAfter, err = hitRateLimitsTx(ctx, tx, limits); err != nil {
			return err
		}
		if retryAfter > 0 {
			return errLimited
		}
		if db.inserter == nil {
			return errors.New("postgres: this store was built without a job inserter")
		}
		return db.inserter.InsertMagicLinkJobTx(ctx, tx, email)
	})
	if errors.Is(err, errLimited) {
		secs := max(1, int(math.Ceil(retryAfter.Seconds())))
		wait := fmt.Sprintf("%d seconds", secs)
		if secs > 90 {
			wait = fmt.Sprintf("%d minutes", (secs+59)/60)
		}
		return domain.Errorf(domain.ERATELIMITED, "too many sign-in requests: try again in %s", wait).
			WithDetails(map[string]any{"retry_after": secs})
	}
	return err
}

// CreateMagicLinkToken stores the hash of a new sign-in token for email.
func (db *DB) CreateMagicLinkToken(ctx context.Context, tx pgx.Tx, email string, hash []byte, ttl time.Duration) error {
	_, err := tx.Exec(ctx, `INSERT INTO magic_link_tokens (token_hash, email, expires_at)
		VALUES ($1, $2, now() + make_interval(secs => $3))`, hash, email, ttl.Seconds())
	return err
}

// SignIn consumes a magic-link token (single use, unexpired), creates the user
// on first sign-in, and opens a new session with the given hash. An unknown,
// used or expired token is EUNAUTHORIZED, and nothing is written.
//
// Addresses in adminEmails get the admin role (operators; River UI).
func (db *DB) SignIn(ctx context.Context, tokenHash, sessionHash []byte, absolute time.Duration, adminEmails ...string) (*domain.User, time.Time, error) {
	var user *domain.User
	var expires time.Time
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var email string
		err := tx.QueryRow(ctx, `UPDATE magic_link_tokens SET consumed_at = now()
			WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > now() RETURNING email`, tokenHash).Scan(&email)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.EUNAUTHORIZED, "this sign-in link is invalid, used or expired: request a new one")
		}
		if err != nil {
			return err
		}
		user, err = scanUser(tx.QueryRow(ctx, `WITH ins AS (
				INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING `+userColumns+`)
			SELECT * FROM ins UNION ALL SELECT `+userColumns+` FROM users WHERE email = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
			domain.NewID(), email))
		if err != nil {
			return err
		}
		if len(adminEmails) > 0 && user.Role != domain.RoleAdmin {
			if user, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET role = CASE WHEN email = ANY($2::citext[]) THEN 'admin' ELSE role END
				WHERE id = $1 RETURNING `+userColumns, user.ID, adminEmails)); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
			RETURNING expires_at`, sessionHash, user.ID, absolute.Seconds()).Scan(&expires)
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return user, expires, nil
}

// Authenticate returns the user behind a session or API token hash (see
// AuthenticateCredential).
func (db *DB) Authenticate(ctx context.Context, hash []byte, idle time.Duration) (*domain.User, error) {
	u, _, err := db.AuthenticateCredential(ctx, hash, idle)
	return u, err
}

// AuthenticateCredential returns the user behind a session or API token
// hash, and what the credential is. A session must be within its absolute
// expiry and its idle timeout; using it slides the idle window (written at
// most once a minute). An API token must be neither revoked nor expired.
// Anything else is EUNAUTHORIZED.
func (db *DB) AuthenticateCredential(ctx context.Context, hash []byte, idle time.Duration) (*domain.User, *domain.Credential, error) {
	var userID domain.ID
	cred := &domain.Credential{Scope: domain.ScopeFull}
	err := db.Pool.QueryRow(ctx, `UPDATE sessions SET last_seen_at = now()
		WHERE id_hash = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)
		  AND last_seen_at < now() - interval '1 minute'
		RETURNING user_id`, hash, idle.Seconds()).Scan(&userID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = db.Pool.QueryRow(ctx, `SELECT user_id, NULL::uuid, 'full' FROM sessions
			WHERE id_hash = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)
			UNION ALL
			SELECT user_id, id, scope FROM api_tokens
			WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
			LIMIT 1`, hash, idle.Seconds()).Scan(&userID, &cred.TokenID, &cred.Scope)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, domain.Errorf(domain.EUNAUTHORIZED, "sign in first: the session or token is missing, expired or revoked")
	}
	if err != nil {
		return nil, nil, err
	}
	if cred.IsAPIToken() {
		if _, err := db.Pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now()
			WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, cred.TokenID); err != nil {
			return nil, nil, err
		}
	}
	u, err := db.GetUser(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	return u, cred, nil
}

// DeleteSession signs a session out.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hash)
	return err
}

// apiTokenColumns are read in domain.APIToken's field order.
const apiTokenColumns = `id, name, scope, created_at, expires_at, last_used_at, revoked_at` // #nosec G101 -- column names, not a credential

// CreateAPIToken stores a new API token's hash for the user. The request is
// normalized first (EINVALID naming each bad field).
func (db *DB) CreateAPIToken(ctx context.Context, userID domain.ID, in domain.APITokenCreate, hash []byte) (*domain.APIToken, error) {
	if err := in.Normalize(time.Now()); err != nil {
		return nil, err
	}
	rows, _ := db.Pool.Query(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+apiTokenColumns, domain.NewID(), userID, in.Name, hash, in.Scope, in.ExpiresAt)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[domain.APIToken])
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ListAPITokens returns the user's tokens, newest first, without secrets.
func (db *DB) ListAPITokens(ctx context.Context, userID domain.ID) ([]domain.APIToken, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens
		WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	return pgx.CollectRows(rows, pgx.RowToStructByPos[domain.APIToken])
}

// RevokeAPIToken revokes one of the user's tokens. Revoking twice is fine;
// another user's token is ENOTFOUND.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id domain.ID) error {
	tag, err := db.Pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "token not found")
	}
	return nil
}
