package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestBatcher_GroupsCommitsAndIsolatesFailures: 64 concurrent transitions
// through one batcher take far fewer commits than 64; a failing caller's
// writes are rolled back alone.
func TestBatcher_GroupsCommitsAndIsolatesFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := pgtest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 64))
	batcher := b.db.NewBatcher(ctx, 32, 5*time.Millisecond)
	errBoom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, len(res.Queued))
	for i, q := range res.Queued {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = batcher.Do(ctx, func(tx pgx.Tx) error {
				_, err := b.db.TransitionTx(ctx, tx, postgres.TransitionParams{TaskID: q.TaskID, From: domain.StateQueued,
					To: domain.StateCancelled, Actor: "batch"})
				if err == nil && i%8 == 0 {
					return errBoom // written, then failed: must be rolled back
				}
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%8 == 0 {
			require.ErrorIs(t, err, errBoom)
			require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, res.Queued[i].TaskID))
		} else {
			require.NoError(t, err)
			require.Equal(t, domain.StateCancelled, pgtest.MustTaskState(t, b.db, res.Queued[i].TaskID))
		}
	}
	require.Equal(t, 56, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE actor = 'batch'`))
	calls, commits := batcher.Stats()
	require.Equal(t, int64(64), calls)
	require.Less(t, commits, int64(16), "64 callers grouped into few commits")
}
