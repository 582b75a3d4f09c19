package postgres_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

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

// TestBatcher_DoAfterStopNeverWaits: once the batcher's loop has stopped
// (worker shutdown), a late caller — an approval continuation that was
// inside the applier — still gets its write committed, alone, instead of
// waiting for a batch that never comes.
func TestBatcher_DoAfterStopNeverWaits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := pgtest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 8))
	ctx, cancel := context.WithCancel(context.Background())
	batcher := b.db.NewBatcher(ctx, 32, time.Millisecond)
	cancel()
	time.Sleep(50 * time.Millisecond) // the loop has seen the cancellation

	var wg sync.WaitGroup
	errs := make([]error, len(res.Queued))
	for i, q := range res.Queued {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = batcher.Do(context.Background(), func(tx pgx.Tx) error {
				_, err := b.db.TransitionTx(context.Background(), tx, postgres.TransitionParams{TaskID: q.TaskID,
					From: domain.StateQueued, To: domain.StateCancelled, Actor: "late"})
				return err
			})
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Do after the batcher stopped never returned")
	}
	for i, q := range res.Queued {
		require.NoError(t, errs[i])
		require.Equal(t, domain.StateCancelled, pgtest.MustTaskState(t, b.db, q.TaskID), "the late write is committed")
	}
}

// TestBatcher_RolledBackSavepointRunsNoHooks: a caller whose function
// fails after a transition is rolled back to its savepoint: its transition
// is neither counted (hook) nor logged; the others' are, once each.
func TestBatcher_RolledBackSavepointRunsNoHooks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := pgtest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 16))
	core, logs := observer.New(zapcore.InfoLevel)
	db := postgres.New(b.db.Pool, nil, zap.New(core))
	var counted atomic.Int64
	db.Hooks.Transition = func(from, to domain.State) { counted.Add(1) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batcher := db.NewBatcher(ctx, 32, 20*time.Millisecond) // all 16 in one batch
	errBoom := errors.New("boom")
	var wg sync.WaitGroup
	for i, q := range res.Queued {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := batcher.Do(ctx, func(tx pgx.Tx) error {
				if _, err := db.TransitionTx(ctx, tx, postgres.TransitionParams{TaskID: q.TaskID, From: domain.StateQueued,
					To: domain.StateCancelled, Actor: "batch"}); err != nil {
					return err
				}
				if i%2 == 0 {
					return errBoom
				}
				return nil
			})
			if i%2 == 0 {
				assert.ErrorIs(t, err, errBoom)
			} else {
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	_, commits := batcher.Stats()
	require.Less(t, commits, int64(8), "the callers shared transactions (savepoints were used)")
	require.EqualValues(t, 8, counted.Load(), "only committed transitions are counted")
	logged := logs.FilterMessage("task transition").All()
	require.Len(t, logged, 8, "only committed transitions are logged")
	for _, e := range logged {
		id := e.ContextMap()["task_id"].(string)
		for i, q := range res.Queued {
			if q.TaskID.String() == id {
				require.Equal(t, 1, i%2, "a rolled-back transition was logged: task %d", i)
			}
		}
	}
}

// TestInTx_RolledBackTransactionRunsNoHooks: a transition whose transaction
// rolls back is neither counted nor logged.
func TestInTx_RolledBackTransactionRunsNoHooks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := pgtest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1))
	core, logs := observer.New(zapcore.InfoLevel)
	db := postgres.New(b.db.Pool, nil, zap.New(core))
	var counted atomic.Int64
	db.Hooks.Transition = func(from, to domain.State) { counted.Add(1) }
	errBoom := errors.New("boom")
	err := db.InTx(context.Background(), func(tx pgx.Tx) error {
		if _, err := db.TransitionTx(context.Background(), tx, postgres.TransitionParams{TaskID: res.Queued[0].TaskID,
			From: domain.StateQueued, To: domain.StateCancelled, Actor: "x"}); err != nil {
			return err
		}
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	require.Zero(t, counted.Load())
	require.Zero(t, logs.FilterMessage("task transition").Len())
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, res.Queued[0].TaskID))
}
