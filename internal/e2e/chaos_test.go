package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestChaos runs real api, 3 workers and a sweeper; users' runs (half need
// approval, approved by a scripted client over HTTP); workers are SIGKILLed
// at random every few seconds and restarted; the webhook receiver sometimes
// times out after receiving. At the end every task is terminal or paused
// with a reason, and the receiver saw at most one submission per (user,
// job). Size: APPLYQ_CHAOS_TASKS, APPLYQ_CHAOS_USERS, APPLYQ_CHAOS_SECONDS
// (small by default; `make chaos` runs 5,000 tasks over 5 minutes).
func TestChaos(t *testing.T) {
	t.Parallel()
	tasks, users, seconds := envInt("APPLYQ_CHAOS_TASKS", 300), envInt("APPLYQ_CHAOS_USERS", 10), envInt("APPLYQ_CHAOS_SECONDS", 20)

	var mu sync.Mutex
	perJob := map[domain.ID]int{}
	var received, slow atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p domain.Packet
		if json.Unmarshal(body, &p) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		perJob[p.JobID]++
		mu.Unlock()
		received.Add(1)
		if rand.IntN(25) == 0 { // received, then too slow: the sender cannot know
			slow.Add(1)
			time.Sleep(1500 * time.Millisecond)
		}
	}))
	t.Cleanup(receiver.Close)

	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	addr := proctest.FreeAddr(t)
	env := processEnv(dbURL, "APPLYQ_HTTP_ADDR="+addr, "APPLYQ_WORKER_APPLIER=webhook", "APPLYQ_WEBHOOK_URL="+receiver.URL,
		"APPLYQ_WEBHOOK_SECRET=0123456789abcdef0123456789abcdef", "APPLYQ_WEBHOOK_TIMEOUT=1s", "APPLYQ_WORKER_CONCURRENCY=8",
		"APPLYQ_SWEEPER_INTERVAL=1s", "APPLYQ_SWEEPER_STUCK_AFTER=10s", "APPLYQ_SWEEPER_ORPHAN_GRACE=5s",
		"APPLYQ_APPROVAL_HANDOFF_DELAY=1s", "APPLYQ_WORKER_SHUTDOWN_TIMEOUT=2s")
	api := proctest.Start(t, "api", env)
	proctest.Start(t, "sweeper", env)
	var wmu sync.Mutex
	workers := make([]*proctest.Proc, 3)
	for i := range workers {
		workers[i] = proctest.Start(t, "worker", env)
	}
	api.WaitForOutput(t, "api listening", 30*time.Second)

	// Users, runs (half need approval) and their tasks.
	sessions := make([]string, users)
	for u := range users {
		user := pgtest.MustUser(t, db, pgtest.UserOpts{})
		run := pgtest.MustRun(t, db, user, pgtest.RunOpts{RequiresApproval: u%2 == 0, Template: "Dear {{.company}}"})
		taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, tasks/users))
		sessions[u] = sessionFor(t, db, user)
	}
	total := users * (tasks / users)

	ctx, stop := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
	defer stop()
	var kills atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the killer
		defer wg.Done()
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(1500+rand.IntN(2500)) * time.Millisecond):
			}
			i := rand.IntN(len(workers))
			wmu.Lock()
			workers[i].Signal(t, syscall.SIGKILL)
			workers[i].Wait(t, 10*time.Second)
			workers[i] = proctest.Start(t, "worker", env)
			wmu.Unlock()
			kills.Add(1)
		}
	}()
	var approved atomic.Int64
	go func() { // the scripted approver
		defer wg.Done()
		client := &http.Client{Timeout: 5 * time.Second}
		for ctx.Err() == nil {
			for _, s := range sessions {
				req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/approvals?status=pending&limit=200", nil)
				req.Header.Set("Authorization", "Bearer "+s)
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				var inbox struct {
					Items []struct{ ID string } `json:"items"`
				}
				_ = json.NewDecoder(res.Body).Decode(&inbox)
				res.Body.Close()
				for _, it := range inbox.Items {
					req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/approvals/"+it.ID+"/approve", nil)
					req.Header.Set("Authorization", "Bearer "+s)
					if res, err := client.Do(req); err == nil {
						res.Body.Close()
						if res.StatusCode == http.StatusOK {
							approved.Add(1)
						}
					}
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	wg.Wait()

	// Faults stop; the system settles by itself (approvals still pending are
	// approved by a last sweep of the approver below).
	settled := `SELECT count(*) FROM application_tasks WHERE state IN ('submitted', 'cancelled', 'failed')
		OR (state = 'paused' AND state_reason <> '')`
	deadline := time.Now().Add(2 * time.Minute)
	for pgtest.MustCount(t, db, settled) < total && time.Now().Before(deadline) {
		for _, s := range sessions {
			code, body := httpGet(t, "http://"+addr+"/api/v1/approvals?status=pending&limit=200", s)
			if code != http.StatusOK {
				continue
			}
			var inbox struct {
				Items []struct{ ID string } `json:"items"`
			}
			_ = json.Unmarshal([]byte(body), &inbox)
			for _, it := range inbox.Items {
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/approvals/"+it.ID+"/approve", nil)
				req.Header.Set("Authorization", "Bearer "+s)
				if res, err := http.DefaultClient.Do(req); err == nil {
					res.Body.Close()
				}
			}
		}
		time.Sleep(time.Second)
	}

	states := map[string]int{}
	rows, err := db.Pool.Query(context.Background(), `SELECT state::text || coalesce('/' || nullif(state_reason, ''), ''), count(*) FROM application_tasks GROUP BY 1`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		var n int
		require.NoError(t, rows.Scan(&k, &n))
		states[k] = n
	}
	rows.Close()
	mu.Lock()
	dups := 0
	for _, n := range perJob {
		if n > 1 {
			dups++
		}
	}
	seen := len(perJob)
	mu.Unlock()
	summary := fmt.Sprintf("chaos: tasks=%d users=%d seconds=%d kills=%d restarts=%d approvals=%d submissions_seen=%d distinct_jobs_seen=%d slow_receipts=%d duplicate_jobs=%d states=%v",
		total, users, seconds, kills.Load(), kills.Load(), approved.Load(), received.Load(), seen, slow.Load(), dups, states)
	t.Log(summary)
	fmt.Println(summary)
	if pgtest.MustCount(t, db, settled) < total { // say why, before failing
		rows, err := db.Pool.Query(context.Background(), `SELECT t.state::text, t.state_reason, t.attempts, coalesce(j.state::text, 'no job'),
			coalesce(j.attempt, 0), coalesce(j.scheduled_at::text, ''), coalesce(j.errors[array_length(j.errors, 1)]::text, '')
			FROM application_tasks t LEFT JOIN river_job j ON j.id = t.river_job_id
			WHERE NOT (t.state IN ('submitted', 'cancelled', 'failed') OR (t.state = 'paused' AND t.state_reason <> '')) LIMIT 10`)
		require.NoError(t, err)
		for rows.Next() {
			var st, reason, jst, sched, lastErr string
			var attempts, jatt int
			require.NoError(t, rows.Scan(&st, &reason, &attempts, &jst, &jatt, &sched, &lastErr))
			t.Logf("unsettled: task %s (%s) attempts=%d; job %s attempt=%d scheduled=%s last error=%s", st, reason, attempts, jst, jatt, sched, lastErr)
		}
		rows.Close()
	}
	require.Zero(t, dups, "at most one submission per (user, job)")
	require.Equal(t, total, pgtest.MustCount(t, db, settled), "every task terminal or paused with a reason: %v", states)
	require.Positive(t, kills.Load())
}
