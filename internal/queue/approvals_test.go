package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
)

// TestApprovals_NotifyNeverQueriesOnTheListenerGoroutine: Notify runs on the
// LISTEN connection's goroutine, which must never block: with every database
// connection taken, it still returns at once, and the re-read happens on
// Run's goroutine once a connection is free.
func TestApprovals_NotifyNeverQueriesOnTheListenerGoroutine(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(pgtest.MustDatabaseURL(t))
	require.NoError(t, err)
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	svc := tasks.New(tasks.Options{Pool: pool, Log: zaptest.NewLogger(t)})
	a := &queue.Approvals{Tasks: svc, PollInterval: time.Hour, Log: zaptest.NewLogger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)

	taskID := domain.NewID() // no such task: once re-read, it is forgotten
	a.Wait(taskID)
	require.Equal(t, 1, a.Waiting())

	held, err := pool.Acquire(ctx) // the only connection
	require.NoError(t, err)
	returned := make(chan struct{})
	go func() {
		a.Notify(taskID.String())
		a.Resync()
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		held.Release()
		t.Fatal("Notify/Resync blocked on the database")
	}
	require.Equal(t, 1, a.Waiting(), "nothing was re-read while no connection was free")

	held.Release()
	require.Eventually(t, func() bool { return a.Waiting() == 0 }, 10*time.Second, 10*time.Millisecond,
		"the notified task was re-read off the listener goroutine")
}
