// Package accounts is the application service of sign-in and credentials:
// magic-link requests (rate limited; the mail job enqueued with the
// counts), the mail job's token, sign-in (a single-use token, the user made
// on first sign-in, operators given the admin role) and API tokens. Like
// internal/tasks, each method owns its transaction; the store only runs
// queries.
package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// QueueMail is the River queue for outgoing email, apart from the
// applications queue so a mail backlog never delays submissions.
const QueueMail = "mail"

// MagicLinkArgs asks for a sign-in link to be mailed to Email. It carries no
// secret: the worker makes the token, stores only its hash, and mails it.
type MagicLinkArgs struct {
	Email string `json:"email"`
}

// Kind implements river.JobArgs.
func (MagicLinkArgs) Kind() string { return "magic_link_email" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (MagicLinkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: 5}
}

// Options configure a Service.
type Options struct {
	Pool *pgxpool.Pool
	// River enqueues the sign-in mail job; an insert-only client is enough.
	River *river.Client[pgx.Tx]
	Log   *zap.Logger
	// SessionMaxAge is a session's absolute lifetime.
	SessionMaxAge time.Duration
	// AdminEmails get the admin role when they sign in (operators).
	AdminEmails []string
	// Now is the clock of token expiries; time.Now when nil.
	Now func() time.Time
}

// Service is the sign-in and credentials service.
type Service struct {
	tx    *postgres.Transactor
	store *postgres.Store
	o     Options
}

// New returns the service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tx := postgres.NewTransactor(o.Pool, o.Log)
	return &Service{tx: tx, store: tx.Store(), o: o}
}

// errLimited rolls back a refused request's counts.
var errLimited = errors.New("rate limited")

// RequestMagicLink counts the request against limits and, when none trips,
// enqueues the job that makes the token and mails the link, in one
// transaction. A refused request counts against nothing (its transaction
// rolls back), so hammering a limit does not keep it closed; it is
// ERATELIMITED with details.retry_after, the seconds until it would pass.
// The token itself is made by the mail job, so the raw secret is never
// written to the database (River's job args included).
func (s *Service) RequestMagicLink(ctx context.Context, email string, limits []domain.RateLimit) error {
	return s.limited(ctx, limits, "too many sign-in requests", "", func(st *postgres.Store) error {
		_, err := s.o.River.InsertManyTx(ctx, st.Tx(), []river.InsertManyParams{{Args: MagicLinkArgs{Email: email}}})
		return err
	})
}

// Throttle counts a request that needs no sign-in (a sign-in link's
// exchange, an approval link) against limits (domain.SignInLimits.Public:
// per client IP): ERATELIMITED naming setting, with details.retry_after,
// when one is spent. A counted request counts whether or not it then
// succeeds (guessing links costs the guesser); a refused one counts
// against nothing.
func (s *Service) Throttle(ctx context.Context, limits []domain.RateLimit, setting string) error {
	return s.limited(ctx, limits, "too many requests from your address", setting, func(*postgres.Store) error { return nil })
}

// limited counts limits and, when none trips, runs then, in one
// transaction; over a limit, it rolls back and is domain.RateLimited.
func (s *Service) limited(ctx context.Context, limits []domain.RateLimit, what, setting string, then func(st *postgres.Store) error) error {
	var retryAfter time.Duration
	err := s.tx.InTx(ctx, func(st *postgres.Store) error {
		var err error
		if retryAfter, err = st.RateLimitHit(ctx, limits); err != nil {
			return err
		}
		if retryAfter > 0 {
			return errLimited
		}
		return then(st)
	})
	if errors.Is(err, errLimited) {
		return domain.RateLimited(what, setting, retryAfter)
	}
	return err
}

// IssueMagicLink makes a sign-in token for email, valid for ttl, stores only
// its hash, and returns the raw token to mail (the mail job's step).
func (s *Service) IssueMagicLink(ctx context.Context, email string, ttl time.Duration) (string, error) {
	raw, hash := domain.NewToken(domain.PrefixMagicLink)
	if err := s.store.MagicLinkTokenCreate(ctx, email, hash, ttl); err != nil {
		return "", err
	}
	return raw, nil
}

// SignIn consumes a magic-link token (single use, unexpired), creates the
// user on first sign-in, gives an operator's address (Options.AdminEmails)
// the admin role, and opens a session with sessionHash; the session
// previousHash names (the browser's, when it had one) ends with it: one
// browser, one session. An unknown, used or expired token is
// EUNAUTHORIZED, and nothing is written.
func (s *Service) SignIn(ctx context.Context, tokenHash, sessionHash, previousHash []byte) (*domain.User, time.Time, error) {
	var user *domain.User
	var expires time.Time
	err := s.tx.InTx(ctx, func(st *postgres.Store) error {
		email, err := st.MagicLinkTokenConsume(ctx, tokenHash)
		if err != nil {
			return err
		}
		if user, err = st.UserByEmail(ctx, email); err != nil {
			return err
		}
		if user.Role != domain.RoleAdmin && slices.ContainsFunc(s.o.AdminEmails, func(a string) bool { return strings.EqualFold(a, user.Email) }) {
			if user, err = st.UserSetRole(ctx, user.ID, domain.RoleAdmin); err != nil {
				return err
			}
		}
		if expires, err = st.SessionCreate(ctx, sessionHash, user.ID, s.o.SessionMaxAge); err != nil {
			return err
		}
		if len(previousHash) == 0 {
			return nil
		}
		return st.DeleteSession(ctx, previousHash)
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return user, expires, nil
}

// SignOut ends the session whose token hashes to sessionHash; one that
// ended already is not an error.
func (s *Service) SignOut(ctx context.Context, sessionHash []byte) error {
	return s.store.DeleteSession(ctx, sessionHash)
}

// RevokeAPIToken revokes one of the user's API tokens at once (ENOTFOUND
// for another user's or an unknown one).
func (s *Service) RevokeAPIToken(ctx context.Context, userID, id domain.ID) error {
	return s.store.RevokeAPIToken(ctx, userID, id)
}

// CreateAPIToken checks and normalizes the request (EINVALID naming each bad
// field) and stores the new token's hash for the user.
func (s *Service) CreateAPIToken(ctx context.Context, userID domain.ID, in domain.APITokenCreate, hash []byte) (*domain.APIToken, error) {
	if err := in.Normalize(s.o.Now()); err != nil {
		return nil, err
	}
	return s.store.APITokenCreate(ctx, userID, in.Name, in.Scope, in.ExpiresAt, hash)
}
