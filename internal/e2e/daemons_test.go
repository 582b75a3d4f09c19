package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestDaemons_WorkTasksAndStopOnSIGTERM runs api, worker and sweeper as real
// processes: tasks added through the queue path end submitted, and SIGTERM
// stops each daemon cleanly with exit code 0.
func TestDaemons_WorkTasksAndStopOnSIGTERM(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.MustDatabaseURL(t)
	pool := pgtest.MustPoolFor(t, dbURL)
	db := postgres.New(pool)

	addr, apiAdmin, workerAdmin, sweeperAdmin := proctest.FreeAddr(t), proctest.FreeAddr(t), proctest.FreeAddr(t), proctest.FreeAddr(t)
	env := []string{"APPLYQ_DATABASE_URL=" + dbURL, "APPLYQ_LOG_FORMAT=json", "APPLYQ_HTTP_ADDR=" + addr, "APPLYQ_HTTP_ADMIN_ADDR=" + apiAdmin,
		"APPLYQ_WORKER_FETCH_COOLDOWN=10ms", "APPLYQ_WORKER_FETCH_POLL_INTERVAL=100ms",
		"APPLYQ_WORKER_ADMIN_ADDR=" + workerAdmin, "APPLYQ_SWEEPER_ADMIN_ADDR=" + sweeperAdmin, "APPLYQ_SWEEPER_INTERVAL=1s"}
	api := proctest.Start(t, "api", env)
	worker := proctest.Start(t, "worker", env)
	sweeper := proctest.Start(t, "sweeper", env)
	api.WaitForOutput(t, "api listening", 30*time.Second)
	worker.WaitForOutput(t, "worker started", 30*time.Second)
	sweeper.WaitForOutput(t, "sweeper started", 30*time.Second)

	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	res := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 25))
	require.Len(t, res.Queued, 25)
	deadline := time.Now().Add(60 * time.Second)
	for pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`) != 25 {
		require.True(t, time.Now().Before(deadline), "tasks were not submitted in time:\n%s", worker.Output())
		time.Sleep(50 * time.Millisecond)
	}
	require.Contains(t, worker.Output(), `"task_id":"`+res.Queued[0].TaskID.String()+`"`, "log lines about a task carry its id")

	for _, base := range []string{addr, apiAdmin, workerAdmin, sweeperAdmin} {
		for _, path := range []string{"/healthz", "/readyz"} {
			code, body := httpGet(t, "http://"+base+path, "")
			require.Equal(t, http.StatusOK, code, "%s%s: %s", base, path, body)
		}
	}

	// Metrics match what happened. They are on the admin listeners only:
	// the public API port has none.
	code, body := httpGet(t, "http://"+addr+"/metrics", "")
	require.Equal(t, http.StatusNotFound, code, body)
	waitFor(t, 10*time.Second, "a sweeper pass and a count of the submitted tasks", func() bool {
		_, body := httpGet(t, "http://"+sweeperAdmin+"/metrics", "")
		return metricValue(body, `applyq_sweeper_passes_total{result="ok"}`) >= 1 && metricValue(body, `applyq_tasks{state="submitted"}`) == 25
	})
	_, apiMetrics := httpGet(t, "http://"+apiAdmin+"/metrics", "")
	_, workerMetrics := httpGet(t, "http://"+workerAdmin+"/metrics", "")
	_, sweeperMetrics := httpGet(t, "http://"+sweeperAdmin+"/metrics", "")
	require.NotContains(t, apiMetrics, "applyq_tasks{", "tasks are counted by the sweeper, not at every API scrape")
	require.Greater(t, metricValue(sweeperMetrics, "applyq_tasks_count_timestamp_seconds"), 0.0)
	require.Equal(t, 25.0, metricValue(workerMetrics, `applyq_applier_outcomes_total{applier="dry_run",outcome="submitted"}`))
	require.Equal(t, 25.0, metricValue(workerMetrics, `applyq_river_jobs_total{kind="apply_task",outcome="completed"}`))
	counted := 0.0
	for _, body := range []string{apiMetrics, workerMetrics, sweeperMetrics} {
		counted += sumFamily(body, "applyq_task_transitions_total")
	}
	require.Equal(t, float64(pgtest.MustCount(t, db, `SELECT count(*) FROM task_transitions WHERE from_state IS NOT NULL`)), counted,
		"transitions counted by the daemons equal the rows they wrote")
	for _, body := range []string{apiMetrics, workerMetrics, sweeperMetrics} {
		require.Contains(t, body, "applyq_build_info{")
	}
	require.Contains(t, apiMetrics, `applyq_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}`)
	require.Contains(t, workerMetrics, "applyq_applier_duration_seconds_bucket")
	require.Contains(t, workerMetrics, "applyq_listen_reconnects_total 0")
	require.Contains(t, sweeperMetrics, `applyq_sweeper_actions_total{kind="requeued"} 0`)

	// River UI: admins only.
	admin, normal := adminSession(t, db, true), adminSession(t, db, false)
	code, _ = httpGet(t, "http://"+addr+"/ops/riverui/", admin)
	require.Equal(t, http.StatusOK, code)
	code, _ = httpGet(t, "http://"+addr+"/ops/riverui/api/jobs?state=completed&limit=5", admin)
	require.Equal(t, http.StatusOK, code)
	code, _ = httpGet(t, "http://"+addr+"/ops/riverui/", normal)
	require.Equal(t, http.StatusForbidden, code)
	code, _ = httpGet(t, "http://"+addr+"/ops/riverui/", "")
	require.Equal(t, http.StatusUnauthorized, code)

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
	st, err := postgres.Status(context.Background(), pool)
	require.NoError(t, err)
	require.Contains(t, migrate.Output(), fmt.Sprintf("applyq schema: version %d of %d", st.AppLatest, st.AppLatest))
}

// TestDaemons_BadConfigNamesTheSetting: invalid settings stop start-up with
// a message naming the key and its environment variable.
func TestDaemons_BadConfigNamesTheSetting(t *testing.T) {
	t.Parallel()
	p := proctest.Start(t, "worker", []string{"APPLYQ_WORKER_CONCURRENCY=-3"})
	require.Equal(t, 1, p.Wait(t, 30*time.Second))
	require.Contains(t, p.Output(), "worker.concurrency (APPLYQ_WORKER_CONCURRENCY): must be between 1 and 10000, got -3")
}

func httpGet(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// metricValue reads one sample ("name{labels}") from a Prometheus text page.
func metricValue(page, sample string) float64 {
	for _, line := range strings.Split(page, "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v
		}
	}
	return -1
}

// sumFamily adds every sample of a counter family except those from "none"
// (tasks created by the test itself, not by a daemon).
func sumFamily(page, family string) float64 {
	total := 0.0
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, family+"{") && !strings.Contains(line, `from="none"`) {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += v
		}
	}
	return total
}

// adminSession signs a new user in directly through the store.
func adminSession(t *testing.T, db *postgres.DB, admin bool) string {
	t.Helper()
	email := "ops-" + domain.NewID().String()[24:] + "@example.test"
	if admin {
		return pgtest.MustSession(t, db, email, true)
	}
	return pgtest.MustSession(t, db, email)
}
