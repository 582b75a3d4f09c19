package e2e_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
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
	pgtest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 20))
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
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	w := proctest.Start(t, "worker", processEnv(dbURL, "APPLYQ_FAILPOINT_AFTER_CLAIM=sleep:1h", "APPLYQ_WORKER_SHUTDOWN_TIMEOUT=1h"))
	w.WaitForOutput(t, "worker started", 30*time.Second)
	taskID := pgtest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1)).Queued[0].TaskID
	waitFor(t, 20*time.Second, "in_progress", func() bool { return pgtest.MustTaskState(t, db, taskID) == "in_progress" })
	w.Signal(t, syscall.SIGTERM)
	w.WaitForOutput(t, "shutting down", 10*time.Second)
	w.Signal(t, syscall.SIGTERM)
	start := time.Now()
	require.Equal(t, 130, w.Wait(t, 10*time.Second))
	require.Less(t, time.Since(start), 5*time.Second)
}
