// Package sweeper holds the maintenance passes that keep applyq's promises
// when processes die: each pass is a small, bounded, idempotent query batch,
// safe to run from several sweepers at once. Run loops them on a ticker;
// RunOnce is one pass for cron.
package sweeper

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/postgres"
)

// batchSize bounds the rows one statement of a pass touches.
const batchSize = 1000

// Sweeper runs maintenance passes against the store.
type Sweeper struct {
	DB       *postgres.DB
	Log      *zap.Logger
	Interval time.Duration
}

// Result counts what one pass did.
type Result struct {
	ExpiredTokensDeleted   int
	ExpiredSessionsDeleted int
}

// String is the one-line summary printed by --once.
func (r Result) String() string {
	return fmt.Sprintf("expired_tokens_deleted=%d expired_sessions_deleted=%d", r.ExpiredTokensDeleted, r.ExpiredSessionsDeleted)
}

// RunOnce runs every pass once.
func (s *Sweeper) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	var err error
	res.ExpiredTokensDeleted, res.ExpiredSessionsDeleted, err = s.DB.DeleteExpiredAuth(ctx, batchSize)
	if err != nil {
		return res, fmt.Errorf("housekeeping: %w", err)
	}
	return res, nil
}

// Run runs a pass every Interval until ctx is cancelled. A failed pass is
// logged and retried at the next tick.
func (s *Sweeper) Run(ctx context.Context) error {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		res, err := s.RunOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.Log.Error("sweep pass failed", zap.Error(err))
		default:
			s.Log.Info("sweep pass", zap.Int("expired_tokens_deleted", res.ExpiredTokensDeleted),
				zap.Int("expired_sessions_deleted", res.ExpiredSessionsDeleted))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
