package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestDatabaseFaults_EveryConnectionTerminated: while api, worker and
// sweeper run, every connection they hold is terminated, three times. Each
// daemon reconnects by itself, and every task still ends submitted (or
// paused with the outcome-unknown reason if a connection died between the
// submission and its record); none is lost.
func TestDatabaseFaults_EveryConnectionTerminated(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	addr, workerAdmin, sweeperAdmin := proctest.FreeAddr(t), proctest.FreeAddr(t), proctest.FreeAddr(t)
	env := processEnv(dbURL, "APPLYQ_HTTP_ADDR="+addr, "APPLYQ_WORKER_ADMIN_ADDR="+workerAdmin, "APPLYQ_SWEEPER_ADMIN_ADDR="+sweeperAdmin,
		"APPLYQ_SWEEPER_INTERVAL=1s", "APPLYQ_SWEEPER_STUCK_AFTER=10s", "APPLYQ_SWEEPER_ORPHAN_GRACE=2s", "APPLYQ_WORKER_CONCURRENCY=8")
	procs := []*proctest.Proc{proctest.Start(t, "api", env), proctest.Start(t, "worker", env), proctest.Start(t, "sweeper", env)}
	procs[1].WaitForOutput(t, "worker started", 30*time.Second)
	procs[2].WaitForOutput(t, "sweeper started", 30*time.Second)

	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	const n = 300
	taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, n))
	for range 3 {
		time.Sleep(300 * time.Millisecond)
		killed := pgtest.MustCount(t, db, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND backend_type = 'client backend' AND pid NOT IN (SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_terminate_backend%')) k`)
		require.Positive(t, killed)
		db.Pool.Reset() // the test's own pool lost its connections too
	}
	waitFor(t, 90*time.Second, "every task settled", func() bool {
		return pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'
			OR (state = 'paused' AND state_reason = 'submission_outcome_unknown')`) == n
	})
	require.Equal(t, 0, pgtest.MustCount(t, db, `SELECT count(*) FROM (SELECT task_id FROM task_transitions WHERE to_state = 'submitted'
		GROUP BY task_id HAVING count(*) > 1) d`), "no task submitted twice")
	submitted := pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`)
	t.Logf("%d of %d submitted, %d paused with an unknown outcome", submitted, n, n-submitted)
	// Every daemon reconnected: all ready again.
	for _, base := range []string{addr, workerAdmin, sweeperAdmin} {
		waitFor(t, 20*time.Second, base+" ready", func() bool {
			code, _ := httpGet(t, "http://"+base+"/readyz", "")
			return code == http.StatusOK
		})
	}
}
