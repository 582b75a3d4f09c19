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
	"github.com/applyq/applyq/internal/failpoint"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestFailpoints_KillAroundSubmission kills a real worker at each point
// around a submission, then runs the sweeper and a fresh worker: the task
// ends in the documented state and the receiver saw at most one submission.
func TestFailpoints_KillAroundSubmission(t *testing.T) {
	t.Parallel()
	cases := []struct {
		point     string
		wantState domain.State
		wantSent  int32
	}{
		{failpoint.BeforeSubmitting, domain.StateSubmitted, 1}, // nothing sent yet: requeued, then submitted once
		{failpoint.BeforeApply, domain.StatePaused, 0},         // submitting committed, never sent: outcome unknown to applyq
		{failpoint.AfterApply, domain.StatePaused, 1},          // sent, result not recorded: paused, never resent
	}
	for _, c := range cases {
		t.Run(c.point, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int32
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				sent.Add(1)
			}))
			t.Cleanup(receiver.Close)
			dbURL := pgtest.MustDatabaseURL(t)
			db := storeFor(t, dbURL)
			user := pgtest.MustUser(t, db, pgtest.UserOpts{})
			run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
			webhook := []string{"APPLYQ_WORKER_APPLIER=webhook", "APPLYQ_WEBHOOK_URL=" + receiver.URL,
				"APPLYQ_WEBHOOK_SECRET=0123456789abcdef0123456789abcdef"}
			doomed := proctest.Start(t, "worker", processEnv(dbURL, append(webhook, "APPLYQ_FAILPOINT_"+c.point+"=kill")...))
			doomed.WaitForOutput(t, "worker started", 30*time.Second)
			taskID := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1)).Queued[0].TaskID
			require.Equal(t, -1, doomed.Wait(t, 30*time.Second), "killed at %s", c.point)

			fresh := proctest.Start(t, "worker", processEnv(dbURL, webhook...))
			fresh.WaitForOutput(t, "worker started", 30*time.Second)
			_, err := newSweeper(t, db, func() time.Time { return time.Now().Add(time.Minute) }).RunOnce(context.Background())
			require.NoError(t, err)
			waitFor(t, 30*time.Second, "the documented end state", func() bool { return pgtest.MustTaskState(t, db, taskID) == c.wantState })
			time.Sleep(500 * time.Millisecond)
			require.Equal(t, c.wantState, pgtest.MustTaskState(t, db, taskID))
			require.Equal(t, c.wantSent, sent.Load(), "submissions seen by the receiver")
			if c.wantState == domain.StatePaused {
				require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state_reason = 'submission_outcome_unknown'`, taskID))
			}
		})
	}
}

// TestFailpoints_ReleaseBuildIgnoresThem: a worker built as make build
// builds it, without the failpoint tag, ignores APPLYQ_FAILPOINT_*: kill
// failpoints at every point around a submission do not kill it, and the
// task is submitted.
func TestFailpoints_ReleaseBuildIgnoresThem(t *testing.T) {
	t.Parallel()
	var kills []string
	for _, point := range []string{failpoint.AfterClaim, failpoint.BeforeSubmitting, failpoint.BeforeApply, failpoint.AfterApply} {
		kills = append(kills, "APPLYQ_FAILPOINT_"+point+"=kill")
	}
	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	taskID := taskstest.MustAdd(t, db, user, pgtest.MustRun(t, db, user, pgtest.RunOpts{}), pgtest.MustJobs(t, db, user, 1)).Queued[0].TaskID

	worker := proctest.StartBinary(t, proctest.MustBuildRelease(t, "worker"), processEnv(dbURL, kills...))
	waitFor(t, 60*time.Second, "the task submitted", func() bool { return pgtest.MustTaskState(t, db, taskID) == domain.StateSubmitted })
	worker.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, worker.Wait(t, 30*time.Second), "the worker was not killed by a failpoint")
}
