package postgres

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"
)

// Transient failures are retried: a deadlock victim or a serialization
// failure left nothing behind (its transaction rolled back), so running the
// whole transaction again is safe.
const (
	maxTxAttempts  = 4
	txRetryBackoff = 10 * time.Millisecond
)

// InTx runs fn in a transaction on pool and commits when fn returns nil. A
// deadlock or serialization failure runs fn again in a new transaction (up
// to four attempts, with a short jittered backoff; onRetry, when set, hears
// of each), so fn must only assign its results, not accumulate them, and
// have no effect outside the transaction.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error, onRetry func(attempt int, err error)) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, pool, fn)
		if err == nil || !IsTransient(err) || attempt == maxTxAttempts {
			return err
		}
		if onRetry != nil {
			onRetry(attempt, err)
		}
		wait := time.Duration(attempt) * txRetryBackoff
		wait += time.Duration(rand.Int64N(int64(wait))) // #nosec G404 -- jitter, not a secret
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// Transactor runs an application service's transactions on its pool,
// each with the store inside it: the one transaction skeleton of the
// services (internal/tasks, internal/accounts, internal/documents,
// internal/notifications).
type Transactor struct {
	pool  *pgxpool.Pool
	store *Store
	log   *zap.Logger
}

// NewTransactor returns the transactor of a service on pool; each retry
// is logged to log (nil: not logged).
func NewTransactor(pool *pgxpool.Pool, log *zap.Logger) *Transactor {
	if log == nil {
		log = zap.NewNop()
	}
	return &Transactor{pool: pool, store: NewStore(pool), log: log}
}

// Store returns the store on the pool, for reads outside a transaction.
func (x *Transactor) Store() *Store { return x.store }

// InTx runs fn in a transaction with the store inside it (st.Tx() is the
// transaction, for River's inserts) and commits when fn returns nil; a
// deadlock or serialization failure runs fn again in a new one (InTx), so
// fn must only assign its results and have no effect outside the
// transaction.
func (x *Transactor) InTx(ctx context.Context, fn func(st *Store) error) error {
	return InTx(ctx, x.pool, func(tx pgx.Tx) error { return fn(x.store.WithTx(tx)) }, x.logRetry)
}

// Once is InTx without the retry, for a transaction with an effect
// outside it that must not run twice by itself (a mail sent before the
// commit): its caller retries, if anyone does.
func (x *Transactor) Once(ctx context.Context, fn func(st *Store) error) error {
	return pgx.BeginFunc(ctx, x.pool, func(tx pgx.Tx) error { return fn(x.store.WithTx(tx)) })
}

func (x *Transactor) logRetry(attempt int, err error) {
	x.log.Info("transaction retried after a transient failure", zap.Int("attempt", attempt), zap.Error(err))
}
