package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/sweeper"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// processEnv is the environment of a worker process in these tests.
func processEnv(dbURL string, extra ...string) []string {
	return append([]string{"APPLYQ_DATABASE_URL=" + dbURL, "APPLYQ_LOG_FORMAT=json",
		"APPLYQ_WORKER_FETCH_COOLDOWN=10ms", "APPLYQ_WORKER_FETCH_POLL_INTERVAL=100ms",
		"APPLYQ_WORKER_HEARTBEAT_INTERVAL=200ms", "APPLYQ_WORKER_SHUTDOWN_TIMEOUT=2s",
		"APPLYQ_WORKER_ADMIN_ADDR=127.0.0.1:0", "APPLYQ_SWEEPER_ADMIN_ADDR=127.0.0.1:0", "APPLYQ_HTTP_ADMIN_ADDR=127.0.0.1:0"}, extra...)
}

func newSweeper(t *testing.T, db *postgres.DB, now func() time.Time) *sweeper.Sweeper {
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	return &sweeper.Sweeper{Tasks: taskstest.MustService(t, db, tasks.Options{Log: log, MaxAttempts: 5}), DB: db, Log: log,
		Interval: time.Second, StuckAfter: 10 * time.Second, OrphanGrace: 0, BatchSize: 100, MaxBatches: 10, Now: now}
}

func storeFor(t *testing.T, dbURL string) *postgres.DB {
	return postgres.New(pgtest.MustPoolFor(t, dbURL))
}

// TestSweeper_WorkerKilledInProgress: a real worker process is SIGKILLed
// while it holds a task in in_progress; the sweeper requeues it and another
// worker process finishes it.
func TestSweeper_WorkerKilledInProgress(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	// A run that requires approval: its claim commits in_progress (a run
	// without one goes straight to submitting).
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{RequiresApproval: true})

	stuck := proctest.Start(t, "worker", processEnv(dbURL, "APPLYQ_FAILPOINT_AFTER_CLAIM=sleep:1h"))
	stuck.WaitForOutput(t, "worker started", 30*time.Second)
	taskID := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1)).Queued[0].TaskID
	waitFor(t, 20*time.Second, "in_progress", func() bool { return pgtest.MustTaskState(t, db, taskID) == domain.StateInProgress })
	stuck.Signal(t, syscall.SIGKILL)
	require.Equal(t, -1, stuck.Wait(t, 10*time.Second), "killed")

	// The dead worker's heartbeat stops; the sweeper's clock runs past the threshold.
	sw := newSweeper(t, db, func() time.Time { return time.Now().Add(time.Minute) })
	res, err := sw.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.Requeued)

	other := proctest.Start(t, "worker", processEnv(dbURL))
	waitFor(t, 30*time.Second, "the other worker to ask for approval", func() bool {
		return pgtest.MustTaskState(t, db, taskID) == domain.StateAwaitingApproval
	})
	a, err := db.ApprovalLatestForTask(context.Background(), taskID)
	require.NoError(t, err)
	_, err = taskstest.MustService(t, db, tasks.Options{}).Decide(context.Background(), postgres.ApprovalKey{ID: a.ID, UserID: user.ID}, domain.DecisionApprove, "user")
	require.NoError(t, err)
	waitFor(t, 30*time.Second, "the other worker to submit", func() bool { return pgtest.MustTaskState(t, db, taskID) == domain.StateSubmitted })
	require.Equal(t, 2, pgtest.MustCount(t, db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND to_state = 'in_progress'`, taskID))
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND to_state = 'submitted'`, taskID))
	require.Equal(t, 1, strings.Count(other.Output(), `"dry-run submission"`))
}

// TestSweeper_WorkerKilledSubmitting: killed while the applier call is out;
// the task ends paused with the reason and the receiver saw one call.
func TestSweeper_WorkerKilledSubmitting(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	received := make(chan struct{}, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		calls.Add(1)
		received <- struct{}{}
		<-r.Context().Done() // hang until the client goes away
	}))
	t.Cleanup(receiver.Close)

	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	webhook := []string{"APPLYQ_WORKER_APPLIER=webhook", "APPLYQ_WEBHOOK_URL=" + receiver.URL,
		"APPLYQ_WEBHOOK_SECRET=0123456789abcdef0123456789abcdef", "APPLYQ_WEBHOOK_TIMEOUT=1h"}
	w1 := proctest.Start(t, "worker", processEnv(dbURL, webhook...))
	w1.WaitForOutput(t, "worker started", 30*time.Second)
	taskID := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1)).Queued[0].TaskID
	select {
	case <-received:
	case <-time.After(30 * time.Second):
		t.Fatal("the receiver got no request")
	}
	require.Equal(t, domain.StateSubmitting, pgtest.MustTaskState(t, db, taskID))
	w1.Signal(t, syscall.SIGKILL)
	w1.Wait(t, 10*time.Second)

	w2 := proctest.Start(t, "worker", processEnv(dbURL, webhook...))
	w2.WaitForOutput(t, "worker started", 30*time.Second)
	sw := newSweeper(t, db, func() time.Time { return time.Now().Add(time.Minute) })
	res, err := sw.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.PausedUnknownOutcome)
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'submission_outcome_unknown'`, taskID))
	time.Sleep(time.Second)
	require.Equal(t, int32(1), calls.Load(), "never sent twice")
}

// TestSweeper_ExpiryStopsTheWaiter: an approval past expires_at is expired
// by the sweeper, its task paused, the waiting worker stops waiting, and a
// late approve answers 410.
func TestSweeper_ExpiryStopsTheWaiter(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{})
	_, _, tokens := s.approvalRun(t, 1)
	a := s.approval(t, tokens[0])
	require.Equal(t, 1, s.procs[0].Approvals.Waiting())

	// Expiry is judged on the database's clock: move the request's into the past.
	_, err := s.db.Pool.Exec(context.Background(), `UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE task_id = $1`, a.TaskID)
	require.NoError(t, err)
	sw := newSweeper(t, s.db, time.Now)
	res, err := sw.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.ExpiredApprovals)
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, s.db, a.TaskID))
	waitFor(t, 10*time.Second, "the waiter to let go", func() bool { return s.procs[0].Approvals.Waiting() == 0 })
	code, body := s.post(t, "/api/v1/approvals/"+tokens[0]+"/approve", nil, nil)
	require.Equal(t, http.StatusGone, code, string(body))
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, s.db, a.TaskID))
	require.Empty(t, s.dry.Sent())
}

// TestSweeper_OrphanIsWorkedAfterRepair: a queued task whose River job was
// deleted outside applyq is worked to submitted after one pass.
func TestSweeper_OrphanIsWorkedAfterRepair(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{NoWorker: true})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{})
	taskID := taskstest.MustAdd(t, s.db, user, run, pgtest.MustJobs(t, s.db, user, 1)).Queued[0].TaskID
	_, err := s.db.Pool.Exec(context.Background(), `DELETE FROM river_job`)
	require.NoError(t, err)
	s.startWorker(t, stackOpts{})
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, s.db, taskID), "nothing works a task without a job")

	res, err := newSweeper(t, s.db, time.Now).RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.OrphansRepaired)
	waitFor(t, 20*time.Second, "submitted", func() bool { return pgtest.MustTaskState(t, s.db, taskID) == domain.StateSubmitted })
}

// TestSweeper_OnceExitCodesAndSummary runs the binary as cron would.
func TestSweeper_OnceExitCodesAndSummary(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.MustDatabaseURL(t)
	p := proctest.Start(t, "sweeper", []string{"APPLYQ_DATABASE_URL=" + dbURL, "APPLYQ_LOG_LEVEL=warn"}, "--once")
	require.Equal(t, 0, p.Wait(t, 30*time.Second), p.Output())
	require.Regexp(t, `(?m)^sweep: requeued=0 failed_exhausted=0 paused_unknown_outcome=0 paused_code_not_typed=0 expired_approvals=0 orphans_repaired=0 river_jobs_cancelled=0 runs_completed=0 expired_tokens_deleted=0 expired_sessions_deleted=0 approval_tokens_cleared=0 digests_repaired=0 handoffs_ended=0 duration=\S+$`, p.Output())

	bad := proctest.Start(t, "sweeper", []string{"APPLYQ_DATABASE_URL=postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}, "--once")
	require.Equal(t, 1, bad.Wait(t, 30*time.Second))
	require.Contains(t, bad.Output(), "error:")
}
