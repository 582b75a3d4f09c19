package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

type approvalView struct {
	ID        string          `json:"id"`
	TaskID    domain.ID       `json:"task_id"`
	Status    string          `json:"status"`
	Packet    json.RawMessage `json:"packet"`
	ExpiresAt time.Time       `json:"expires_at"`
}

func (s *stack) approval(t testing.TB, token string) approvalView {
	t.Helper()
	code, h, body := s.get(t, "/api/v1/approvals/"+token)
	require.Equal(t, http.StatusOK, code, string(body))
	require.Equal(t, "no-store", h.Get("Cache-Control"))
	require.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
	var a approvalView
	require.NoError(t, json.Unmarshal(body, &a))
	return a
}

// recordingApplier wraps the dry run to note when each task reached it.
type appliedAt struct {
	mu sync.Mutex
	at map[domain.ID]time.Time
}

func (a *appliedAt) Apply(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.at == nil {
		a.at = map[domain.ID]time.Time{}
	}
	if _, dup := a.at[p.TaskID]; dup {
		panic("second submission of " + p.TaskID.String())
	}
	a.at[p.TaskID] = time.Now()
	return domain.ApplyResult{}, nil
}
func (a *appliedAt) Name() string            { return "recording" }
func (a *appliedAt) IdempotentRetries() bool { return false }
func (a *appliedAt) get(id domain.ID) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[id]
	return t, ok
}

func TestApproval_ApproveWakesWaitingWorkerThroughNotify(t *testing.T) {
	t.Parallel()
	rec := &appliedAt{}
	// The River continuation job is delayed a minute and the slow poll is an
	// hour: only the notification can finish this within the bound below.
	s := startStack(t, stackOpts{Applier: rec, HandoffDelay: time.Minute, PollInterval: time.Hour})
	_, _, tokens := s.approvalRun(t, 20)
	require.Len(t, tokens, 20)

	// GET changes nothing.
	a := s.approval(t, tokens[0])
	require.Equal(t, "pending", a.Status)
	require.Contains(t, string(a.Packet), "Hello Company")
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, s.db, a.TaskID))

	var latencies []time.Duration
	for _, tok := range tokens {
		a := s.approval(t, tok)
		code, body := s.post(t, "/api/v1/approvals/"+tok+"/approve", nil, nil)
		answered := time.Now()
		require.Equal(t, http.StatusOK, code, string(body))
		var applied time.Time
		waitFor(t, 10*time.Second, "submission after approve", func() bool {
			var ok bool
			applied, ok = rec.get(a.TaskID)
			return ok
		})
		latencies = append(latencies, applied.Sub(answered))
		waitFor(t, 10*time.Second, "submitted", func() bool {
			return pgtest.MustTaskState(t, s.db, a.TaskID) == domain.StateSubmitted
		})
		require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1
			AND from_state = 'approved' AND to_state = 'submitting' AND reason = 'approved_via_notification'`, a.TaskID))
	}
	t.Logf("approve → applier latency over %d approvals: %v", len(latencies), latencies)
}

func TestApproval_ListenerKilledDecisionWhileDown(t *testing.T) {
	t.Parallel()
	rec := &appliedAt{}
	s := startStack(t, stackOpts{Applier: rec, HandoffDelay: time.Minute, PollInterval: time.Hour})
	_, _, tokens := s.approvalRun(t, 1)
	a := s.approval(t, tokens[0])
	proc := s.procs[0]
	require.True(t, proc.Listener.Connected())

	// Hold the listener down: kill its backend and keep killing new ones
	// until the approval has committed.
	ctx := context.Background()
	kill := func() int {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'applyq-listener') k`)
	}
	require.GreaterOrEqual(t, kill(), 1)
	waitFor(t, 5*time.Second, "listener to notice", func() bool { return !proc.Listener.Connected() })
	_, err := s.svc.Decide(ctx, approvalKeyFor(t, tokens[0]), domain.DecisionApprove, "test")
	require.NoError(t, err)
	_, applied := rec.get(a.TaskID)
	require.False(t, applied, "nothing can have heard the notification")

	// After the reconnect the waiter re-reads its tasks and proceeds.
	waitFor(t, 15*time.Second, "reconnect and submission", func() bool {
		return pgtest.MustTaskState(t, s.db, a.TaskID) == domain.StateSubmitted
	})
	require.GreaterOrEqual(t, proc.Listener.Reconnects(), int64(1))
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND reason = 'approved_via_resync'`, a.TaskID))
}

func TestApproval_NoWorkerListeningThenWorkerStarts(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{HandoffDelay: -1, PollInterval: time.Hour})
	_, _, tokens := s.approvalRun(t, 3)
	// The worker process goes away (a deploy); approvals arrive meanwhile.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.procs[0].Stop(ctx))
	var ids []domain.ID
	for _, tok := range tokens {
		ids = append(ids, s.approval(t, tok).TaskID)
		code, body := s.post(t, "/api/v1/approvals/"+tok+"/approve", nil, nil)
		require.Equal(t, http.StatusOK, code, string(body))
	}
	time.Sleep(200 * time.Millisecond)
	for _, id := range ids {
		require.Equal(t, domain.StateApproved, pgtest.MustTaskState(t, s.db, id), "nobody works while no worker runs")
	}
	// A new worker picks the continuation jobs up.
	s.startWorker(t, stackOpts{})
	waitFor(t, 20*time.Second, "submissions by the new worker", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE id = ANY($1) AND state = 'submitted'`, ids) == 3
	})
	require.Equal(t, 3, pgtest.MustCount(t, s.db, `SELECT count(*) FROM task_transitions WHERE task_id = ANY($1) AND reason = 'approved_via_job'`, ids))
	require.Len(t, s.dry.Sent(), 3)
}

func TestApproval_FiftyConcurrentApprovesOneSubmission(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{HandoffDelay: -1})
	_, _, tokens := s.approvalRun(t, 1)
	a := s.approval(t, tokens[0])

	var wg sync.WaitGroup
	codes := make([]int, 50)
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], _ = s.post(t, "/api/v1/approvals/"+tokens[0]+"/approve", nil, nil)
		}()
	}
	close(start)
	wg.Wait()
	for _, c := range codes {
		require.Equal(t, http.StatusOK, c, "every repeat of the same decision answers the same")
	}
	waitFor(t, 20*time.Second, "submitted", func() bool { return pgtest.MustTaskState(t, s.db, a.TaskID) == domain.StateSubmitted })
	time.Sleep(300 * time.Millisecond) // let the losing path (job or notification) run and do nothing
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND to_state = 'approved'`, a.TaskID))
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND to_state = 'submitting'`, a.TaskID))
	require.Len(t, s.dry.Sent(), 1)

	// The opposite decision afterwards is a conflict.
	code, body := s.post(t, "/api/v1/approvals/"+tokens[0]+"/reject", nil, nil)
	require.Equal(t, http.StatusConflict, code, string(body))
}

// TestApproval_ExpiryJudgedByTheDatabaseClock: whether a decision comes in
// time is judged by the deciding statement on the database's clock, whatever
// the API process's clock says (here one hour ahead, then one hour behind).
func TestApproval_ExpiryJudgedByTheDatabaseClock(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{HandoffDelay: -1})
	_, _, tokens := s.approvalRun(t, 2)
	early, late := s.approval(t, tokens[0]), s.approval(t, tokens[1])

	// In time on the database's clock, although the API's says it expired.
	s.clock.Set(early.ExpiresAt.Add(time.Hour))
	code, body := s.post(t, "/api/v1/approvals/"+tokens[0]+"/approve", nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))

	// Expired a millisecond ago on the database's clock, although the API's
	// says an hour is left.
	_, err := s.db.Pool.Exec(context.Background(), `UPDATE approval_requests SET expires_at = now() - interval '1 millisecond' WHERE task_id = $1`, late.TaskID)
	require.NoError(t, err)
	s.clock.Set(time.Now().Add(-time.Hour))
	code, body = s.post(t, "/api/v1/approvals/"+tokens[1]+"/approve", nil, nil)
	require.Equal(t, http.StatusGone, code, string(body))
	require.Contains(t, string(body), `"code":"gone"`)
	code, _ = s.post(t, "/api/v1/approvals/"+tokens[1]+"/reject", nil, nil)
	require.Equal(t, http.StatusGone, code)
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, s.db, late.TaskID), "nothing moves after expiry")
	code, _, page := s.get(t, "/api/v1/approvals/"+tokens[1])
	require.Equal(t, http.StatusGone, code, "shown as expired before the sweeper marks it")
	require.Contains(t, string(page), `"status":"expired"`)
	require.NotContains(t, string(page), "Hello Company", "an expired link shows no packet")
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM approval_requests WHERE status = 'pending'`))
	waitFor(t, 20*time.Second, "the early approval to submit", func() bool {
		return pgtest.MustTaskState(t, s.db, early.TaskID) == domain.StateSubmitted
	})
}

func TestApproval_RejectAndInboxByID(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{})
	user, _, tokens := s.approvalRun(t, 3)
	session := s.session(t, user)

	req, err := http.NewRequest(http.MethodGet, s.api.URL+"/api/v1/approvals?status=pending", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+session)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var inbox struct {
		Items []approvalView `json:"items"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&inbox))
	res.Body.Close()
	require.Len(t, inbox.Items, 3)

	// Reject one by link, one by id (signed in); another user gets 404 by id.
	rejected := s.approval(t, tokens[0])
	code, body := s.post(t, "/api/v1/approvals/"+tokens[0]+"/reject", nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	require.Equal(t, domain.StateCancelled, pgtest.MustTaskState(t, s.db, rejected.TaskID))
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state_reason = 'rejected'`, rejected.TaskID))

	byID := s.approval(t, tokens[1])
	other := s.session(t, pgtest.MustUser(t, s.db, pgtest.UserOpts{}))
	code, _ = s.post(t, "/api/v1/approvals/"+byID.ID+"/reject", nil, map[string]string{"Authorization": "Bearer " + other})
	require.Equal(t, http.StatusNotFound, code)
	code, _ = s.post(t, "/api/v1/approvals/"+byID.ID+"/reject", nil, nil)
	require.Equal(t, http.StatusUnauthorized, code, "by id needs sign-in")
	code, body = s.post(t, "/api/v1/approvals/"+byID.ID+"/reject", nil, map[string]string{"Authorization": "Bearer " + session})
	require.Equal(t, http.StatusOK, code, string(body))
	require.Equal(t, domain.StateCancelled, pgtest.MustTaskState(t, s.db, byID.TaskID))
	require.Empty(t, s.dry.Sent())

	code, _ = s.post(t, "/api/v1/approvals/aqa_"+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/approve", nil, nil)
	require.Equal(t, http.StatusNotFound, code, "an unknown token")
}

func TestApproval_ThousandPendingHoldFewConnections(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{Concurrency: 20})
	_, _, tokens := s.approvalRun(t, 1000)
	require.Len(t, tokens, 1000)
	require.Equal(t, 1000, s.procs[0].Approvals.Waiting())
	time.Sleep(200 * time.Millisecond)
	// Connections held by this database's clients beyond the test's own:
	// idle pool connections and the one LISTEN connection, no waiter holds one.
	active := pgtest.MustCount(t, s.db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND state <> 'idle' AND pid <> pg_backend_pid() AND application_name <> 'applyq-listener'`)
	require.LessOrEqual(t, active, 2, "pending approvals hold no busy connection")
	total := pgtest.MustCount(t, s.db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()`)
	require.LessOrEqual(t, total, 12, "a handful of connections in all")
	require.Zero(t, pgtest.MustCount(t, s.db, `SELECT count(*) FROM river_job WHERE state = 'running'`), "no queue slot held")
}
