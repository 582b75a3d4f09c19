package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestShutdown_SIGTERMDuringWork: a worker stopped while submissions are in
// flight finishes them within the grace period, leaves no task in_progress
// or submitting without a lease owner, and exits 0.
func TestShutdown_SIGTERMDuringWork(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		time.Sleep(700 * time.Millisecond)
	}))
	t.Cleanup(receiver.Close)
	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	w := proctest.Start(t, "worker", processEnv(dbURL, "APPLYQ_WORKER_APPLIER=webhook", "APPLYQ_WEBHOOK_URL="+receiver.URL,
		"APPLYQ_WEBHOOK_SECRET=0123456789abcdef0123456789abcdef", "APPLYQ_WORKER_CONCURRENCY=4", "APPLYQ_WORKER_SHUTDOWN_TIMEOUT=20s"))
	w.WaitForOutput(t, "worker started", 30*time.Second)
	taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 20))
	waitFor(t, 20*time.Second, "submissions in flight", func() bool {
		return pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'submitting'`) > 0
	})
	w.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, w.Wait(t, 30*time.Second), w.Output())
	require.Zero(t, pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state IN ('in_progress', 'submitting')`),
		"in-flight work finished before exit")
	require.Zero(t, pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state IN ('in_progress', 'submitting') AND lease_owner IS NULL`))
	submitted := pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`)
	queued := pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'queued'`)
	require.Equal(t, 20, submitted+queued, "every task is submitted or still queued with its job")
	require.Contains(t, w.Output(), "worker stopped")
}

// TestShutdown_SecondSignalExitsAtOnce: a worker stuck in a task stops at the
// second signal without waiting for the grace period.
func TestShutdown_SecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{RequiresApproval: true}) // its claim commits in_progress
	w := proctest.Start(t, "worker", processEnv(dbURL, "APPLYQ_FAILPOINT_AFTER_CLAIM=sleep:1h", "APPLYQ_WORKER_SHUTDOWN_TIMEOUT=1h"))
	w.WaitForOutput(t, "worker started", 30*time.Second)
	taskID := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1)).Queued[0].TaskID
	waitFor(t, 20*time.Second, "in_progress", func() bool { return pgtest.MustTaskState(t, db, taskID) == "in_progress" })
	w.Signal(t, syscall.SIGTERM)
	w.WaitForOutput(t, "shutting down", 10*time.Second)
	w.Signal(t, syscall.SIGTERM)
	start := time.Now()
	require.Equal(t, 130, w.Wait(t, 10*time.Second))
	require.Less(t, time.Since(start), 5*time.Second)
}

// continuationInsideApplier starts a real worker, has it prepare an approval,
// approves it (the notification path continues it: the River continuation
// job is delayed past the test), and returns once the approved submission is
// inside the receiver, which answers 200 after hold.
func continuationInsideApplier(t *testing.T, grace, hold time.Duration) (*postgres.DB, domain.ID, *proctest.Proc, *atomic.Int32) {
	t.Helper()
	var received atomic.Int32
	inside := make(chan struct{}, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		received.Add(1)
		inside <- struct{}{}
		select {
		case <-time.After(hold):
		case <-r.Context().Done(): // the worker gave up on it
		}
	}))
	t.Cleanup(receiver.Close)
	dbURL := pgtest.MustDatabaseURL(t)
	pool := pgtest.MustPoolFor(t, dbURL)
	db := postgres.New(pool)
	// The decision's River job is delayed past the test: only the listening
	// worker continues the task.
	svc := taskstest.MustService(t, db, tasks.Options{HandoffDelay: time.Hour})
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{RequiresApproval: true})
	w := proctest.Start(t, "worker", processEnv(dbURL, "APPLYQ_WORKER_APPLIER=webhook", "APPLYQ_WEBHOOK_URL="+receiver.URL,
		"APPLYQ_WEBHOOK_SECRET=0123456789abcdef0123456789abcdef", "APPLYQ_WORKER_SHUTDOWN_TIMEOUT="+grace.String()))
	w.WaitForOutput(t, "worker started", 30*time.Second)
	taskID := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1)).Queued[0].TaskID
	waitFor(t, 20*time.Second, "awaiting_approval", func() bool { return pgtest.MustTaskState(t, db, taskID) == domain.StateAwaitingApproval })
	a, err := db.ApprovalLatestForTask(context.Background(), taskID)
	require.NoError(t, err)
	_, err = svc.Decide(context.Background(), postgres.ApprovalKey{ID: a.ID, UserID: user.ID}, domain.DecisionApprove, "test")
	require.NoError(t, err)
	select {
	case <-inside:
	case <-time.After(20 * time.Second):
		t.Fatal("the approved submission never reached the receiver")
	}
	return db, taskID, w, &received
}

// TestShutdown_SIGTERMWhileContinuationInsideApplier: a worker told to stop
// while an approval continuation is inside the applier waits for it within
// the grace period, records the submission and exits 0 — it never hangs,
// and the sent application is never left in submitting.
func TestShutdown_SIGTERMWhileContinuationInsideApplier(t *testing.T) {
	t.Parallel()
	db, taskID, w, received := continuationInsideApplier(t, 20*time.Second, 1500*time.Millisecond)
	w.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, w.Wait(t, 30*time.Second), w.Output())
	require.Equal(t, domain.StateSubmitted, pgtest.MustTaskState(t, db, taskID), "the sent application is recorded")
	require.EqualValues(t, 1, received.Load())
}

// TestShutdown_GraceEndsDuringContinuation: when the grace period ends while
// the continuation is still inside the applier, the call is cancelled, its
// outcome (unknown: the request went out) is recorded, and the worker exits.
func TestShutdown_GraceEndsDuringContinuation(t *testing.T) {
	t.Parallel()
	db, taskID, w, received := continuationInsideApplier(t, time.Second, 10*time.Second)
	w.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, w.Wait(t, 30*time.Second), w.Output())
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, db, taskID), w.Output())
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state_reason = 'submission_outcome_unknown'`, taskID))
	require.EqualValues(t, 1, received.Load())
}
