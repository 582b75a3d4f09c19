package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestScale_FourWorkersNoDeadlock runs 4 real worker processes against one
// database holding 40 users × 50 tasks. The tasks are added a few per user
// in turn, so River hands every fetch (and any batch a worker forms from it)
// tasks, runs and daily counters of many users at once, in an order no
// worker chose: the setting in which two workers locking rows in different
// orders deadlock. At the end Postgres has detected no deadlock, every task
// is submitted, the webhook receiver saw each task's Idempotency-Key exactly
// once, and each user's daily counter holds exactly the user's submissions.
func TestScale_FourWorkersNoDeadlock(t *testing.T) {
	t.Parallel()
	const users, perUser, chunk, workers = 40, 50, 2, 4
	total := users * perUser

	var mu sync.Mutex
	keys := map[string]int{} // Idempotency-Key → requests received
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		keys[r.Header.Get(applier.HeaderIdempotencyKey)]++
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(receiver.Close)

	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	ctx := context.Background()
	type seeded struct {
		user *domain.User
		run  *domain.Run
		jobs []domain.ID
	}
	start := time.Now()
	all := make([]seeded, users)
	for u := range all {
		user := pgtest.MustUser(t, db, pgtest.UserOpts{})
		all[u] = seeded{user: user, run: pgtest.MustRun(t, db, user, pgtest.RunOpts{}), jobs: pgtest.MustJobs(t, db, user, perUser)}
	}
	for i := 0; i < perUser; i += chunk { // user 1's next 2, user 2's next 2, …
		for _, s := range all {
			taskstest.MustAdd(t, db, s.user, s.run, s.jobs[i:i+chunk])
		}
	}
	deadlocksBefore := deadlocks(t, db)
	seededIn := time.Since(start)

	env := processEnv(dbURL, "APPLYQ_WORKER_APPLIER=webhook", "APPLYQ_WEBHOOK_URL="+receiver.URL,
		"APPLYQ_WEBHOOK_SECRET=0123456789abcdef0123456789abcdef", "APPLYQ_WEBHOOK_TIMEOUT=10s",
		"APPLYQ_WORKER_CONCURRENCY=25", "APPLYQ_DATABASE_MAX_CONNS=6")
	procs := make([]*proctest.Proc, workers)
	for i := range procs {
		procs[i] = proctest.Start(t, "worker", env)
	}
	deadline := time.Now().Add(45 * time.Second)
	for pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`) < total {
		if time.Now().After(deadline) {
			require.Failf(t, "not every task submitted within 45s", "states: %v", taskStates(t, db))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("scale: %d tasks of %d users seeded in %s, submitted by %d worker processes in %s",
		total, users, seededIn.Round(time.Millisecond), workers, (time.Since(start) - seededIn).Round(time.Millisecond))
	for _, p := range procs {
		p.Signal(t, syscall.SIGTERM)
	}
	for _, p := range procs {
		require.Zero(t, p.Wait(t, 30*time.Second), "worker exit code")
		require.NotContains(t, p.Output(), "40P01", "a worker saw a deadlock")
		require.NotContains(t, strings.ToLower(p.Output()), "deadlock detected", "a worker saw a deadlock")
	}

	// A backend publishes its counters when it exits: once the workers'
	// backends are gone, pg_stat_database holds every deadlock they hit.
	waitFor(t, 10*time.Second, "the workers' backends to exit", func() bool {
		return pgtest.MustCount(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`) <=
			int(db.Pool.Stat().TotalConns())
	})
	require.Zero(t, deadlocks(t, db)-deadlocksBefore, "deadlocks detected by Postgres")

	require.Equal(t, map[string]int{"submitted": total}, taskStates(t, db))
	rows, err := db.Pool.Query(ctx, `SELECT id::text FROM application_tasks`)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	mu.Lock()
	seen := make([]string, 0, len(keys))
	for key, n := range keys {
		require.Equal(t, 1, n, "submissions of task %s", key)
		seen = append(seen, key)
	}
	mu.Unlock()
	require.ElementsMatch(t, ids, seen, "the receiver saw each task's Idempotency-Key once, and no other")
	rows, err = db.Pool.Query(ctx, `SELECT t.user_id, count(*), (SELECT coalesce(sum(used), 0) FROM daily_usage d WHERE d.user_id = t.user_id)
		FROM application_tasks t WHERE t.state = 'submitted' GROUP BY t.user_id`)
	require.NoError(t, err)
	counted := 0
	for rows.Next() {
		var user domain.ID
		var submitted, used int
		require.NoError(t, rows.Scan(&user, &submitted, &used))
		require.Equal(t, perUser, submitted, "user %s: tasks submitted", user)
		require.Equal(t, submitted, used, "user %s: the daily counter holds each submission once", user)
		counted++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, users, counted, "users with submissions")
}

// deadlocks reads how many deadlocks Postgres has detected in db's database.
func deadlocks(t *testing.T, db *postgres.DB) int {
	t.Helper()
	return pgtest.MustCount(t, db, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`)
}

// taskStates counts db's tasks by state.
func taskStates(t *testing.T, db *postgres.DB) map[string]int {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT state::text, count(*) FROM application_tasks GROUP BY 1`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		require.NoError(t, rows.Scan(&s, &n))
		out[s] = n
	}
	require.NoError(t, rows.Err())
	return out
}
