package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestWebhook_OutcomesLandInTheirStates runs the worker against a local
// receiver whose answer depends on the company applied to.
func TestWebhook_OutcomesLandInTheirStates(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p domain.Packet
		require.NoError(t, json.Unmarshal(body, &p))
		mu.Lock()
		hits[p.Company]++
		n := hits[p.Company]
		mu.Unlock()
		switch p.Company {
		case "ok":
			w.WriteHeader(http.StatusCreated)
		case "reject":
			w.WriteHeader(http.StatusUnprocessableEntity)
		case "busy": // rate limited once, then accepted
			if n == 1 {
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.WriteHeader(http.StatusOK)
		case "slow": // receives, then takes longer than the applier waits
			time.Sleep(1500 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)

	wh := &applier.Webhook{URL: srv.URL, Secret: []byte("0123456789abcdef0123456789abcdef"), Timeout: 500 * time.Millisecond}
	s := startStack(t, stackOpts{Applier: wh})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{})
	companies := []string{"ok", "reject", "busy", "slow"}
	var inputs []domain.JobInput
	for _, c := range companies {
		inputs = append(inputs, domain.JobInput{URL: "https://boards.greenhouse.io/" + c + "/jobs/" + domain.NewID().String(), Company: c, Title: "Engineer"})
	}
	out, err := s.svc.IngestJobs(context.Background(), user.ID, inputs)
	require.NoError(t, err)
	var jobIDs []domain.ID
	for _, o := range out {
		jobIDs = append(jobIDs, o.Job.ID)
	}
	taskstest.MustAdd(t, s.db, user, run, jobIDs)

	stateOf := func(company string) (domain.State, string) {
		var st domain.State
		var reason string
		require.NoError(t, s.db.Pool.QueryRow(context.Background(), `SELECT t.state, t.state_reason FROM application_tasks t
			JOIN job_postings j ON j.id = t.job_id WHERE j.company = $1`, company).Scan(&st, &reason))
		return st, reason
	}
	want := map[string][2]string{
		"ok":     {"submitted", ""},
		"reject": {"failed", "rejected_by_receiver"},
		"busy":   {"submitted", ""},
		"slow":   {"paused", string(domain.ReasonSubmissionOutcomeUnknown)},
	}
	waitFor(t, 30*time.Second, "every outcome to land", func() bool {
		for c, w := range want {
			st, reason := stateOf(c)
			if string(st) != w[0] || reason != w[1] {
				return false
			}
		}
		return true
	})
	// The request that timed out after it was sent is never sent again.
	time.Sleep(2 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[string]int{"ok": 1, "reject": 1, "busy": 2, "slow": 1}, hits)
}

// TestPacing_DailyLimit: with a limit of 3 and 5 tasks, 3 are submitted, 2
// wait with the reason, and go once the window moves.
func TestPacing_DailyLimit(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{})
	_, end := domain.DailyWindow(time.Now())
	s.clock.Set(end.Add(-300 * time.Millisecond))
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	_, err := s.db.UpdateProfile(context.Background(), user.ID, user.Profile, 3)
	require.NoError(t, err)
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{})
	taskstest.MustAdd(t, s.db, user, run, pgtest.MustJobs(t, s.db, user, 5))

	waitFor(t, 20*time.Second, "3 submitted and 2 held", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`) == 3 &&
			pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE state = 'queued' AND state_reason = 'daily_limit_reached'
				AND last_error LIKE 'daily submission limit of 3 reached%'`) == 2
	})
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, 3, pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`), "still 3 in this window")

	s.clock.Set(end.Add(time.Second)) // the next day
	waitFor(t, 30*time.Second, "the held tasks to go", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`) == 5
	})
	require.Len(t, s.dry.Sent(), 5)
}
