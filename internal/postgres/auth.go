package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// RateLimitHit counts one hit against each limit and returns how long until
// the window of every tripped limit has ended (zero when none tripped), in
// one statement. Counters live in Postgres so every API replica shares
// them; the rows are taken in key order, so two requests never wait on each
// other. The keys must be distinct. Run it in the transaction that does the
// limited work, so that rolling back a refused request uncounts it.
func (s *Store) RateLimitHit(ctx context.Context, limits []domain.RateLimit) (retryAfter time.Duration, err error) {
	if len(limits) == 0 {
		return 0, nil
	}
	byKey := make(map[string]domain.RateLimit, len(limits))
	p := dbsqlc.RateLimitHitParams{Keys: make([]string, 0, len(limits)), WindowSeconds: make([]float64, 0, len(limits))}
	for _, l := range limits {
		if _, dup := byKey[l.Key]; dup {
			return 0, fmt.Errorf("postgres: rate limit key %q given twice", l.Key)
		}
		byKey[l.Key] = l
		p.Keys = append(p.Keys, l.Key)
		p.WindowSeconds = append(p.WindowSeconds, l.Window.Seconds())
	}
	rows, err := s.q.RateLimitHit(ctx, p)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		l := byKey[r.Key]
		if r.Count > l.Limit {
			retryAfter = max(retryAfter, r.WindowStart.Add(l.Window).Sub(r.Now))
		}
	}
	return retryAfter, nil
}

// QuotaHit counts one use of q (nil: no quota) and returns
// domain.RateLimited naming what and q's setting when it is spent; the
// caller then rolls its transaction back, so a refused request counts
// against nothing.
func (s *Store) QuotaHit(ctx context.Context, q *domain.Quota, what string) error {
	if q == nil {
		return nil
	}
	wait, err := s.RateLimitHit(ctx, []domain.RateLimit{q.RateLimit})
	if err != nil || wait <= 0 {
		return err
	}
	return domain.RateLimited(what, q.Setting, wait)
}

// RateLimitFill spends what is left of each limit's current window (a
// platform answered "too many"): every caller of RateLimitHit with these
// keys then waits for the window to end. Sorted by key: the rows are taken
// in that order.
func (s *Store) RateLimitFill(ctx context.Context, limits []domain.RateLimit) error {
	if len(limits) == 0 {
		return nil
	}
	sorted := slices.SortedFunc(slices.Values(limits), func(a, b domain.RateLimit) int { return strings.Compare(a.Key, b.Key) })
	p := dbsqlc.RateLimitFillParams{}
	for _, l := range slices.CompactFunc(sorted, func(a, b domain.RateLimit) bool { return a.Key == b.Key }) {
		p.Keys = append(p.Keys, l.Key)
		p.WindowSeconds = append(p.WindowSeconds, l.Window.Seconds())
		p.Fills = append(p.Fills, l.Limit)
	}
	return s.q.RateLimitFill(ctx, p)
}

// MagicLinkTokenCreate stores the hash of a new sign-in token for email,
// valid for ttl.
func (s *Store) MagicLinkTokenCreate(ctx context.Context, email string, hash []byte, ttl time.Duration) error {
	return s.q.MagicLinkTokenInsert(ctx, dbsqlc.MagicLinkTokenInsertParams{TokenHash: hash, Email: email, TtlSeconds: ttl.Seconds()})
}

// MagicLinkTokenConsume marks a sign-in token used and returns its address.
// An unknown, used or expired token is EUNAUTHORIZED.
func (s *Store) MagicLinkTokenConsume(ctx context.Context, hash []byte) (email string, err error) {
	email, err = s.q.MagicLinkTokenConsume(ctx, hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", domain.Errorf(domain.EUNAUTHORIZED, "this sign-in link is invalid, used or expired: request a new one")
	}
	return email, err
}

// SessionCreate opens a session with this hash for the user, expiring
// absolute from now on the database's clock, and returns its expiry.
func (s *Store) SessionCreate(ctx context.Context, hash []byte, userID domain.ID, absolute time.Duration) (time.Time, error) {
	return s.q.SessionInsert(ctx, dbsqlc.SessionInsertParams{IDHash: hash, UserID: userID, AbsoluteSeconds: absolute.Seconds()})
}

// Authenticate returns the user behind a session or API token hash (see
// AuthenticateCredential).
func (s *Store) Authenticate(ctx context.Context, hash []byte, idle time.Duration) (*domain.User, error) {
	u, _, err := s.AuthenticateCredential(ctx, hash, idle)
	return u, err
}

// AuthenticateCredential returns the user behind a session or API token
// hash, and what the credential is, in one statement. A session must be
// within its absolute expiry and its idle timeout; using it slides the idle
// window (written at most once a minute). An API token must be neither
// revoked nor expired; its last use is written at most once a minute.
// Anything else is EUNAUTHORIZED.
func (s *Store) AuthenticateCredential(ctx context.Context, hash []byte, idle time.Duration) (*domain.User, *domain.Credential, error) {
	r, err := s.q.UserAuthenticate(ctx, dbsqlc.UserAuthenticateParams{Hash: hash, IdleSeconds: idle.Seconds()})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, domain.Errorf(domain.EUNAUTHORIZED, "sign in first: the session or token is missing, expired or revoked")
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := userFromRow(&r.User)
	if err != nil {
		return nil, nil, err
	}
	return u, &domain.Credential{TokenID: r.TokenID, Scope: domain.TokenScope(r.Scope)}, nil
}

// DeleteSession signs a session out.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	return s.q.SessionDelete(ctx, hash)
}

func apiTokenFromRow(r *dbsqlc.APITokenListByUserRow) domain.APIToken {
	return domain.APIToken{ID: r.ID, Name: r.Name, Scope: domain.TokenScope(r.Scope), CreatedAt: r.CreatedAt,
		ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
}

// APITokenCreate stores a new API token's hash for the user, as given
// (domain.APITokenCreate.Normalize checks the name, scope and expiry).
func (s *Store) APITokenCreate(ctx context.Context, userID domain.ID, name string, scope domain.TokenScope, expiresAt *time.Time, hash []byte) (*domain.APIToken, error) {
	r, err := s.q.APITokenInsert(ctx, dbsqlc.APITokenInsertParams{ID: domain.NewID(), UserID: userID, Name: name,
		TokenHash: hash, Scope: string(scope), ExpiresAt: expiresAt})
	if err != nil {
		return nil, err
	}
	t := apiTokenFromRow((*dbsqlc.APITokenListByUserRow)(r))
	return &t, nil
}

// ListAPITokens returns the user's tokens, newest first, without secrets.
func (s *Store) ListAPITokens(ctx context.Context, userID domain.ID) ([]domain.APIToken, error) {
	rows, err := s.q.APITokenListByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.APIToken, len(rows))
	for i, r := range rows {
		out[i] = apiTokenFromRow(r)
	}
	return out, nil
}

// RevokeAPIToken revokes one of the user's tokens. Revoking twice is fine;
// another user's token is ENOTFOUND.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id domain.ID) error {
	n, err := s.q.APITokenRevoke(ctx, dbsqlc.APITokenRevokeParams{ID: id, UserID: userID})
	if err != nil {
		return err
	}
	if n == 0 {
		return domain.Errorf(domain.ENOTFOUND, "token not found")
	}
	return nil
}
