package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

type testBundle struct {
	db   *postgres.DB
	svc  *tasks.Service // for what users and the sweeper do meanwhile
	user *domain.User
	run  *domain.Run
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := pgtest.MustDB(t)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	return &testBundle{db: db, svc: taskstest.MustService(t, db, tasks.Options{}), user: user, run: pgtest.MustRun(t, db, user, pgtest.RunOpts{Template: "Dear {{.company}}, I am {{.name}}."})}
}

type workerOpts struct {
	Concurrency int
	Applier     domain.Applier
	MaxAttempts int
	Name        string
	JobTimeout  time.Duration // default 1 minute
}

// startWorker starts a River client working the applications queue, stopped
// when the test ends.
func startWorker(t *testing.T, b *testBundle, opts workerOpts) *river.Client[pgx.Tx] {
	t.Helper()
	if opts.Concurrency == 0 {
		opts.Concurrency = 4
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 3
	}
	if opts.Name == "" {
		opts.Name = "worker-" + domain.NewID().String()[24:]
	}
	if opts.JobTimeout == 0 {
		opts.JobTimeout = time.Minute
	}
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	svc := taskstest.MustService(t, b.db, tasks.Options{Log: log, MaxAttempts: opts.MaxAttempts})
	w := &queue.ApplyWorker{Tasks: svc, Applier: opts.Applier, Leases: &queue.Leases{Owner: opts.Name}, JobTimeout: opts.JobTimeout}
	client, err := queue.NewWorkerClient(b.db.Pool, queue.Workers{Apply: w}, queue.ClientOptions{
		Concurrency: opts.Concurrency, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond, ID: opts.Name, Log: log,
	})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, client.Stop(ctx))
	})
	return client
}

// waitForCount polls until query counts want rows (workers are asynchronous).
func waitForCount(t *testing.T, db *postgres.DB, want int, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := pgtest.MustCount(t, db, query, args...)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 60s for %d rows of %q, have %d", want, query, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestApplyWorker_SubmitsQueuedTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dry := applier.NewDryRun(nil)
	startWorker(t, b, workerOpts{Applier: dry})
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1))
	taskID := res.Queued[0].TaskID

	waitForCount(t, b.db, 1, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'submitted'`, taskID)
	trs, err := b.db.TaskTimeline(context.Background(), taskID)
	require.NoError(t, err)
	var path []string
	for _, tr := range trs {
		path = append(path, string(tr.From)+"→"+string(tr.To))
	}
	require.Equal(t, []string{"→queued", "queued→in_progress", "in_progress→submitting", "submitting→submitted"}, path)
	sent := dry.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, taskID, sent[0].TaskID)
	require.Equal(t, "Dear Company 0, I am Test Applicant.", sent[0].CoverLetter)
	// The final write and the job completion were one transaction.
	waitForCount(t, b.db, 1, `SELECT count(*) FROM river_job WHERE state = 'completed'`)
}

func TestApplyWorker_TwoClientsThousandTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 1000
	taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, n))
	dryA, dryB := applier.NewDryRun(nil), applier.NewDryRun(nil)
	startWorker(t, b, workerOpts{Applier: dryA, Concurrency: 8})
	startWorker(t, b, workerOpts{Applier: dryB, Concurrency: 8})

	waitForCount(t, b.db, n, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`)
	seen := map[domain.ID]int{}
	for _, p := range append(dryA.Sent(), dryB.Sent()...) {
		seen[p.TaskID]++
	}
	require.Len(t, seen, n)
	for id, c := range seen {
		require.Equal(t, 1, c, "task %s sent %d times", id, c)
	}
	require.NotEmpty(t, dryA.Sent(), "both clients worked")
	require.NotEmpty(t, dryB.Sent(), "both clients worked")
	require.Equal(t, n, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE to_state = 'submitted'`))
	require.Equal(t, n, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE to_state = 'submitting'`))
}

func TestApplyWorker_ClaimOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	jobs := pgtest.MustJobs(t, b.db, b.user, 6)
	var tasks []domain.ID
	for _, j := range jobs { // one add per job: distinct queued_at
		tasks = append(tasks, taskstest.MustAdd(t, b.db, b.user, b.run, []domain.ID{j}).Queued[0].TaskID)
	}
	// Tasks 4 and 1 fail and are resumed, in that order: boosted, with fresh
	// queued_at, so they go first, 4 before 1.
	for _, i := range []int{4, 1} {
		cancelJob(t, b.db, tasks[i])
		pgtest.MustForceState(t, b.db, tasks[i], domain.StateFailed)
		_, err := b.svc.Resume(ctx, b.user.ID, tasks[i], "test")
		require.NoError(t, err)
	}

	var mu sync.Mutex
	var order []domain.ID
	dry := applier.NewDryRun(nil)
	dry.ApplyFunc = func(_ context.Context, p *domain.Packet) (domain.ApplyResult, error) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, p.TaskID)
		return domain.ApplyResult{}, nil
	}
	startWorker(t, b, workerOpts{Applier: dry, Concurrency: 1})
	waitForCount(t, b.db, 6, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []domain.ID{tasks[4], tasks[1], tasks[0], tasks[2], tasks[3], tasks[5]}, order)
}

// cancelJob removes a task's River job, as when a task failed and its job
// completed before the user resumed it.
func cancelJob(t *testing.T, db *postgres.DB, taskID domain.ID) {
	t.Helper()
	_, err := db.Pool.Exec(context.Background(), `UPDATE river_job SET state = 'completed', finalized_at = now()
		WHERE id = (SELECT river_job_id FROM application_tasks WHERE id = $1)`, taskID)
	require.NoError(t, err)
}

func TestApplyWorker_LeavesUnexpectedStateAlone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 3))
	states := []domain.State{domain.StateInProgress, domain.StateSubmitting, domain.StateCancelled}
	for i, s := range states {
		pgtest.MustForceState(t, b.db, res.Queued[i].TaskID, s)
	}
	dry := applier.NewDryRun(nil)
	startWorker(t, b, workerOpts{Applier: dry})

	waitForCount(t, b.db, 3, `SELECT count(*) FROM river_job WHERE state = 'completed'`)
	for i, s := range states {
		require.Equal(t, s, pgtest.MustTaskState(t, b.db, res.Queued[i].TaskID))
	}
	require.Empty(t, dry.Sent())
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE from_state IS NOT NULL`))
}

func TestApplyWorker_NotSentIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var mu sync.Mutex
	calls := 0
	dry := applier.NewDryRun(nil)
	dry.ApplyFunc = func(context.Context, *domain.Packet) (domain.ApplyResult, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return domain.ApplyResult{}, fmt.Errorf("dial: connection refused: %w", domain.ErrNotSent)
		}
		return domain.ApplyResult{}, nil
	}
	startWorker(t, b, workerOpts{Applier: dry})
	taskID := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID

	waitForCount(t, b.db, 1, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'submitted'`, taskID)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT attempts FROM application_tasks WHERE id = $1`, taskID))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND from_state = 'submitting' AND to_state = 'queued'`, taskID))
	mu.Lock()
	require.Equal(t, 2, calls)
	mu.Unlock()
}

func TestApplyWorker_NotSentExhaustsAttempts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dry := applier.NewDryRun(nil)
	dry.ApplyFunc = func(context.Context, *domain.Packet) (domain.ApplyResult, error) {
		return domain.ApplyResult{}, domain.ErrNotSent
	}
	startWorker(t, b, workerOpts{Applier: dry, MaxAttempts: 1})
	taskID := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID
	waitForCount(t, b.db, 1, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'failed' AND state_reason = 'attempts_exhausted'`, taskID)
	waitForCount(t, b.db, 1, `SELECT count(*) FROM river_job WHERE state = 'completed'`)
}

func TestApplyWorker_UnknownOutcomePauses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var mu sync.Mutex
	calls := 0
	dry := applier.NewDryRun(nil)
	dry.ApplyFunc = func(context.Context, *domain.Packet) (domain.ApplyResult, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return domain.ApplyResult{}, errors.New("read: connection reset by peer")
	}
	startWorker(t, b, workerOpts{Applier: dry})
	taskID := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID

	waitForCount(t, b.db, 1, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'submission_outcome_unknown'
		AND last_error LIKE '%connection reset%'`, taskID)
	waitForCount(t, b.db, 1, `SELECT count(*) FROM river_job WHERE state = 'completed'`)
	mu.Lock()
	require.Equal(t, 1, calls, "never retried blindly")
	mu.Unlock()
}

func TestApplyWorker_SameJobInManyRunsSubmittedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	jobs := pgtest.MustJobs(t, b.db, b.user, 30)
	for range 3 {
		run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
		require.Len(t, taskstest.MustAdd(t, b.db, b.user, run, jobs).Queued, 30)
	}
	dryA, dryB := applier.NewDryRun(nil), applier.NewDryRun(nil)
	startWorker(t, b, workerOpts{Applier: dryA, Concurrency: 6})
	startWorker(t, b, workerOpts{Applier: dryB, Concurrency: 6})

	waitForCount(t, b.db, 90, `SELECT count(*) FROM application_tasks WHERE state IN ('submitted', 'cancelled')`)
	require.Equal(t, 30, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`))
	require.Equal(t, 60, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'cancelled' AND state_reason = 'already_applied'`))
	perJob := map[domain.ID]int{}
	for _, p := range append(dryA.Sent(), dryB.Sent()...) {
		perJob[p.JobID]++
	}
	require.Len(t, perJob, 30)
	for j, c := range perJob {
		require.Equal(t, 1, c, "job %s sent %d times", j, c)
	}
}

func TestApplyWorker_HoldsWhatAPersonMustSee(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dry := applier.NewDryRun(nil)
	startWorker(t, b, workerOpts{Applier: dry})

	badTemplate := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{Template: "Hello {{.hiring_manager}}"})
	approval := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: true})
	jobs := pgtest.MustJobs(t, b.db, b.user, 2)
	t1 := taskstest.MustAdd(t, b.db, b.user, badTemplate, jobs[:1]).Queued[0].TaskID
	t2 := taskstest.MustAdd(t, b.db, b.user, approval, jobs[1:]).Queued[0].TaskID

	waitForCount(t, b.db, 1, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'preparation_failed'
		AND last_error LIKE '%unknown variable "hiring_manager"%'`, t1)
	// A run that requires approval is never submitted unapproved.
	waitForCount(t, b.db, 1, `SELECT count(*) FROM application_tasks t JOIN approval_requests a ON a.task_id = t.id
		WHERE t.id = $1 AND t.state = 'awaiting_approval' AND a.status = 'pending'`, t2)
	require.Empty(t, dry.Sent())
}

// TestApplyWorker_NotSentAfterTheDeadlineIsRecorded: an applier that proves
// nothing was sent only after the job's context ended (timeout) still gets
// its outcome recorded — submitting → queued, retried, submitted — never left
// in submitting for the sweeper to pause as "outcome unknown".
func TestApplyWorker_NotSentAfterTheDeadlineIsRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var calls atomic.Int32
	dry := applier.NewDryRun(nil)
	dry.ApplyFunc = func(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error) {
		if calls.Add(1) == 1 {
			<-ctx.Done()                                                                          // the job's deadline passes while connecting...
			return domain.ApplyResult{}, fmt.Errorf("dial: %w: %w", ctx.Err(), domain.ErrNotSent) // ...and nothing went out
		}
		return domain.ApplyResult{}, nil
	}
	startWorker(t, b, workerOpts{Applier: dry, JobTimeout: 300 * time.Millisecond})
	taskID := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID

	waitForCount(t, b.db, 1, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'submitted'`, taskID)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions
		WHERE task_id = $1 AND from_state = 'submitting' AND to_state = 'queued' AND reason = 'retry'`, taskID))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND to_state = 'paused'`, taskID))
}

// TestApplyWorker_PausedRunParksTasksAndResumeWakesThemAtOnce: a worker
// finding a task's run paused parks it (queued, no job, nothing polling);
// the sweeper leaves it alone; resuming the run gives every parked task a
// job that is available at once, and they are submitted.
func TestApplyWorker_PausedRunParksTasksAndResumeWakesThemAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	paused := domain.RunPaused
	_, err := b.svc.UpdateRun(ctx, b.user.ID, b.run.ID, domain.RunUpdate{Status: &paused})
	require.NoError(t, err)
	dry := applier.NewDryRun(nil)
	startWorker(t, b, workerOpts{Applier: dry})
	const n = 3
	taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, n))
	waitForCount(t, b.db, n, `SELECT count(*) FROM river_job WHERE state = 'completed'`)
	require.Equal(t, n, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'queued'`), "parked, still queued")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE state <> 'completed'`), "nothing polls a paused run")
	orphans, err := b.svc.RepairOrphans(ctx, time.Now().Add(time.Hour), 100)
	require.NoError(t, err)
	require.Empty(t, orphans, "parked tasks are not orphans")

	active := domain.RunActive
	_, err = b.svc.UpdateRun(ctx, b.user.ID, b.run.ID, domain.RunUpdate{Status: &active})
	require.NoError(t, err)
	// Every queued task has a job that is available now (not scheduled for later).
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks t WHERE t.state = 'queued'
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = t.river_job_id AND j.state IN ('available', 'running', 'completed') AND j.scheduled_at <= now())`))
	waitForCount(t, b.db, n, `SELECT count(*) FROM application_tasks WHERE state = 'submitted'`)
	require.Len(t, dry.Sent(), n)
}
