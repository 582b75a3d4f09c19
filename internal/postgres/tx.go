package postgres

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
