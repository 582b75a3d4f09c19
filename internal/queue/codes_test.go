package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notify"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// codesBundle is a task in submitting whose page may wait for a code, the
// relay on the worker's side (polling only hourly: a code must come
// through LISTEN/NOTIFY) and the service users give codes through.
type codesBundle struct {
	dbURL string
	db    *postgres.DB
	svc   *tasks.Service
	user  *domain.User
	task  domain.ID
	codes *queue.Codes
}

func setupCodes(t *testing.T) *codesBundle {
	t.Helper()
	dbURL := pgtest.MustDatabaseURL(t)
	db := postgres.New(pgtest.MustPoolFor(t, dbURL))
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	svc := taskstest.MustService(t, db, tasks.Options{Log: log})
	res := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1))
	task := res.Queued[0].TaskID
	pgtest.MustForceState(t, db, task, domain.StateSubmitting)
	codes := queue.NewCodes(svc, log)
	codes.PollInterval = time.Hour
	return &codesBundle{dbURL: dbURL, db: db, svc: svc, user: user, task: task, codes: codes}
}

// listen runs a listener with the relay subscribed (and the approvals
// waiter, as a worker process has both) until the test ends.
func (b *codesBundle) listen(t *testing.T) *notify.Listener {
	t.Helper()
	l := notify.New(b.dbURL, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)))
	l.Subscribe(domain.NotifyApprovals, &queue.Approvals{Tasks: b.svc, PollInterval: time.Hour, Log: zaptest.NewLogger(t)})
	l.Subscribe(domain.NotifyCodes, b.codes)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = l.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, l.Connected, 10*time.Second, 5*time.Millisecond)
	return l
}

type awaited struct {
	code string
	err  error
}

// await starts Await in a goroutine (as the browser applier calls it) and
// waits until the request is recorded.
func (b *codesBundle) await(ctx context.Context, t *testing.T, until time.Time) <-chan awaited {
	t.Helper()
	out := make(chan awaited, 1)
	go func() {
		code, err := b.codes.Await(ctx, domain.CodeRequest{TaskID: b.task, UserID: b.user.ID, Platform: domain.PlatformGreenhouse,
			Address: "ada@example.com", Attempt: 1, Until: until})
		out <- awaited{code, err}
	}()
	require.Eventually(t, func() bool {
		return pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes WHERE task_id = $1`, b.task) == 1
	}, 10*time.Second, 5*time.Millisecond, "the ask is recorded")
	return out
}

func wait(t *testing.T, ch <-chan awaited) awaited {
	t.Helper()
	select {
	case got := <-ch:
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("Await did not return")
		return awaited{}
	}
}

// TestCodes_AwaitTakesTheCodeGivenThroughNotify: the page waits; a code
// given by its user (another goroutine, as the API would) reaches it
// through LISTEN/NOTIFY, once, and the column is NULL after.
func TestCodes_AwaitTakesTheCodeGivenThroughNotify(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	l := b.listen(t)
	got := b.await(context.Background(), t, time.Now().Add(time.Minute))
	require.Eventually(t, func() bool { return b.codes.Waiting() == 1 }, 5*time.Second, 5*time.Millisecond)

	start := time.Now()
	require.NoError(t, b.svc.GiveCode(context.Background(), b.user.ID, b.task, "ab12-cd34"))
	res := wait(t, got)
	require.NoError(t, res.err)
	require.Equal(t, "ab12cd34", res.code)
	require.Less(t, time.Since(start), 5*time.Second, "woken by the notification, not the hourly poll")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes WHERE code IS NOT NULL`))
	require.Zero(t, b.codes.Waiting())
	require.Zero(t, l.Reconnects(), "two channels on one connection are one connect, not a reconnect")

	require.NoError(t, b.codes.Close(context.Background(), b.task))
	err := b.svc.GiveCode(context.Background(), b.user.ID, b.task, "ab12cd34")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "a closed page refuses codes: %v", err)
}

// TestCodes_AwaitWindowPasses: nobody gives the code: at Until, Await
// returns ErrCodeWindowPassed and the request is closed.
func TestCodes_AwaitWindowPasses(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	until := time.Now().Add(700 * time.Millisecond)
	res := wait(t, b.await(context.Background(), t, until))
	require.ErrorIs(t, res.err, domain.ErrCodeWindowPassed)
	require.Empty(t, res.code)
	require.False(t, time.Now().Before(until))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes WHERE closed_at IS NOT NULL`))
	task, err := b.db.TaskGet(context.Background(), b.user.ID, b.task)
	require.NoError(t, err)
	require.Empty(t, task.StateReason, "the task no longer says it waits for a code")
}

// TestCodes_AwaitContextEnds: the worker's context ends (shutdown, job
// timeout): Await returns its error and closes the request.
func TestCodes_AwaitContextEnds(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx, cancel := context.WithCancel(context.Background())
	got := b.await(ctx, t, time.Now().Add(time.Minute))
	cancel()
	res := wait(t, got)
	require.True(t, errors.Is(res.err, context.Canceled), "%v", res.err)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes WHERE closed_at IS NOT NULL`))
	err := b.svc.GiveCode(context.Background(), b.user.ID, b.task, "ab12cd34")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "%v", err)
}

// TestCodes_ResyncRereads: a code given while the listener was down sent
// a notification nobody heard; the resync after the reconnect wakes the
// waiter, which takes it.
func TestCodes_ResyncRereads(t *testing.T) {
	t.Parallel()
	b := setupCodes(t) // no listener: the notification is lost
	got := b.await(context.Background(), t, time.Now().Add(time.Minute))
	require.NoError(t, b.svc.GiveCode(context.Background(), b.user.ID, b.task, "ZX81ZX81"))
	select {
	case <-got:
		t.Fatal("nothing should have woken the waiter yet")
	case <-time.After(300 * time.Millisecond):
	}
	b.codes.Resync()
	res := wait(t, got)
	require.NoError(t, res.err)
	require.Equal(t, "ZX81ZX81", res.code)
}
