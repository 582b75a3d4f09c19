package e2e_test

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/queue"
)

// TestDaemons_WorkTasksAndStopOnSIGTERM runs api, worker and sweeper as real
// processes: tasks added through the queue path end submitted, and SIGTERM
// stops each daemon cleanly with exit code 0.
func TestDaemons_WorkTasksAndStopOnSIGTERM(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.MustDatabaseURL(t)
	pool := pgtest.MustPoolFor(t, dbURL)
	ins, err := queue.NewInserter(pool)
	require.NoError(t, err)
	db := postgres.New(pool, ins, nil)

	addr := proctest.FreeAddr(t)
	env := []string{"APPLYQ_DATABASE_URL=" + dbURL, "APPLYQ_LOG_FORMAT=json", "APPLYQ_HTTP_ADDR=" + addr,
		"APPLYQ_WORKER_FETCH_COOLDOWN=10ms", "APPLYQ_WORKER_FETCH_POLL_INTERVAL=100ms"}
	api := proctest.Start(t, "api", env)
	worker := proctest.Start(t, "worker", env)
	sweeper := proctest.Start(t, "sweeper", env)
	api.WaitForOutput(t, "api listening", 30*time.Second)
	worker.WaitForOutput(t, "worker started", 30*time.Second)
	sweeper.WaitForOutput(t, "sweeper started", 30*time.Second)

	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	res := pgtest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 25))
	require.Len(t, res.Queued, 25)
	deadline := time.Now().Add(60 * time.Second)
	for pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`) != 25 {
		require.True(t, time.Now().Before(deadline), "tasks were not submitted in time:\n%s", worker.Output())
		time.Sleep(50 * time.Millisecond)
	}
	require.Contains(t, worker.Output(), `"task_id":"`+res.Queued[0].TaskID.String()+`"`, "log lines about a task carry its id")

	for _, path := range []string{"/healthz", "/readyz"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}

	for _, p := range []*proctest.Proc{api, worker, sweeper} {
		p.Signal(t, syscall.SIGTERM)
	}
	for _, p := range []*proctest.Proc{api, worker, sweeper} {
		require.Equal(t, 0, p.Wait(t, 30*time.Second), "%s exit code\n%s", p.Name, p.Output())
	}
	require.Contains(t, worker.Output(), "worker stopped")
	require.Contains(t, api.Output(), "api stopped")
	require.Contains(t, sweeper.Output(), "sweeper stopped")
}

// TestDaemons_RefuseOutdatedSchema: a daemon started on an unmigrated
// database exits 1 and says which command fixes it.
func TestDaemons_RefuseOutdatedSchema(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.MustDatabaseURL(t)
	pool := pgtest.MustPoolFor(t, dbURL)
	require.NoError(t, postgres.MigrateDown(context.Background(), pool, false))

	worker := proctest.Start(t, "worker", []string{"APPLYQ_DATABASE_URL=" + dbURL})
	require.Equal(t, 1, worker.Wait(t, 30*time.Second))
	require.Contains(t, worker.Output(), "make migrate")

	migrate := proctest.Start(t, "migrate", []string{"APPLYQ_DATABASE_URL=" + dbURL}, "up")
	require.Equal(t, 0, migrate.Wait(t, 60*time.Second), migrate.Output())
	require.Contains(t, migrate.Output(), "applyq schema: version 4 of 4")
}

// TestDaemons_BadConfigNamesTheSetting: invalid settings stop start-up with
// a message naming the key and its environment variable.
func TestDaemons_BadConfigNamesTheSetting(t *testing.T) {
	t.Parallel()
	p := proctest.Start(t, "worker", []string{"APPLYQ_WORKER_CONCURRENCY=-3"})
	require.Equal(t, 1, p.Wait(t, 30*time.Second))
	require.Contains(t, p.Output(), "worker.concurrency (APPLYQ_WORKER_CONCURRENCY): must be between 1 and 10000, got -3")
}
