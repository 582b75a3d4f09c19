package sweeper_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/handoff"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sweeper"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

type bundle struct {
	db   *postgres.DB
	svc  *tasks.Service
	user *domain.User
	run  *domain.Run
	now  time.Time
	sw   *sweeper.Sweeper
}

func setup(t *testing.T) *bundle {
	t.Helper()
	db := pgtest.MustDB(t)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	b := &bundle{db: db, svc: taskstest.MustService(t, db, tasks.Options{MaxAttempts: 3}), user: user, run: pgtest.MustRun(t, db, user, pgtest.RunOpts{})}
	b.sw = b.newSweeper(t)
	return b
}

func (b *bundle) newSweeper(t *testing.T) *sweeper.Sweeper {
	return &sweeper.Sweeper{Tasks: b.svc, DB: b.db, Log: zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)), Interval: time.Second,
		StuckAfter: time.Minute, OrphanGrace: 0, BatchSize: 100, MaxBatches: 50, Now: func() time.Time { return b.now }}
}

// dbNow is the database's clock, which heartbeats are written with.
func dbNow(t *testing.T, db *postgres.DB) time.Time {
	var now time.Time
	require.NoError(t, db.Pool.QueryRow(context.Background(), `SELECT now()`).Scan(&now))
	return now
}

func (b *bundle) tasks(t *testing.T, n int) []domain.ID {
	t.Helper()
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, n))
	ids := make([]domain.ID, len(res.Queued))
	for i, q := range res.Queued {
		ids[i] = q.TaskID
	}
	return ids
}

func setHeartbeat(t *testing.T, db *postgres.DB, id domain.ID, at time.Time) {
	t.Helper()
	_, err := db.Pool.Exec(context.Background(), `UPDATE application_tasks SET heartbeat_at = $2 WHERE id = $1`, id, at)
	require.NoError(t, err)
}

func TestRecoverStuck_ThresholdExactlyOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.tasks(t, 2)
	for _, id := range ids {
		pgtest.MustForceState(t, b.db, id, domain.StateInProgress)
	}
	hb := dbNow(t, b.db)
	setHeartbeat(t, b.db, ids[0], hb)
	setHeartbeat(t, b.db, ids[1], hb.Add(time.Second))
	// The clock stands just past the threshold for ids[0], just under for ids[1].
	b.now = hb.Add(b.sw.StuckAfter + time.Millisecond)

	res, err := b.sw.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.Requeued)
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, ids[0]))
	require.Equal(t, domain.StateInProgress, pgtest.MustTaskState(t, b.db, ids[1]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND reason = 'worker_lost'`, ids[0]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE id = (SELECT river_job_id FROM application_tasks WHERE id = $1) AND state = 'available'`, ids[0]), "a new River job")

	res, err = b.sw.RunOnce(context.Background())
	require.NoError(t, err)
	require.Zero(t, res.Requeued, "recovered exactly once")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND reason = 'worker_lost'`, ids[0]))
}

func TestRecoverStuck_SubmittingPausesAndAttemptsExhaust(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.tasks(t, 2)
	pgtest.MustForceState(t, b.db, ids[0], domain.StateSubmitting)
	fence := pgtest.MustForceState(t, b.db, ids[1], domain.StateInProgress)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET attempts = 3 WHERE id = $1`, ids[1])
	require.NoError(t, err)
	b.now = dbNow(t, b.db).Add(time.Hour)

	res, err := b.sw.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.PausedUnknownOutcome)
	require.Equal(t, 1, res.FailedExhausted)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'submission_outcome_unknown'`, ids[0]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'failed' AND state_reason = 'attempts_exhausted'`, ids[1]))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND to_state = 'queued' AND from_state IS NOT NULL`, ids[0]), "never re-queued")

	// The stale worker comes back: its fenced write changes nothing.
	_, err = b.svc.Heartbeat(context.Background(), []domain.ID{fence})
	require.NoError(t, err)
	require.Equal(t, domain.StateFailed, pgtest.MustTaskState(t, b.db, ids[1]))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE lease_token IS NOT NULL`))
}

func TestRecoverStuck_TwoSweepersEachTaskOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.tasks(t, 1000)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state = 'in_progress', lease_token = gen_random_uuid(), heartbeat_at = now(), attempts = 1`)
	require.NoError(t, err)
	b.now = dbNow(t, b.db).Add(time.Hour)
	s1, s2 := b.newSweeper(t), b.newSweeper(t)
	s1.BatchSize, s2.BatchSize = 37, 37 // many small batches interleave

	var wg sync.WaitGroup
	results := make([]sweeper.Result, 2)
	for i, s := range []*sweeper.Sweeper{s1, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.RunOnce(context.Background())
			require.NoError(t, err)
			results[i] = r
		}()
	}
	wg.Wait()
	require.Equal(t, 1000, results[0].Requeued+results[1].Requeued)
	require.Equal(t, 1000, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE reason = 'worker_lost'`))
	require.Equal(t, 1000, pgtest.MustCount(t, b.db, `SELECT count(DISTINCT task_id) FROM task_transitions WHERE reason = 'worker_lost'`))
	require.Equal(t, len(ids), pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'queued'`))
	// One live job per task: the original (now completed by nobody) plus one new each.
	require.Equal(t, 2000, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job`))
}

func TestExpireApprovals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.tasks(t, 2)
	ctx := context.Background()
	for i, id := range ids {
		pgtest.MustForceState(t, b.db, id, domain.StateAwaitingApproval)
		_, err := b.db.Pool.Exec(ctx, `INSERT INTO approval_requests (id, task_id, user_id, token_hash, packet, expires_at)
			VALUES ($1, $2, $3, sha256($4::bytea), '{}', now() + make_interval(mins => $5))`, domain.NewID(), id, b.user.ID, []byte(id.String()), i*60)
		require.NoError(t, err)
	}
	// On the database's clock the first has expired (at its insert), the second expires in an hour.
	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.ExpiredApprovals)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'approval_expired'`, ids[0]))
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, ids[1]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM approval_requests WHERE status = 'expired'`))

	// A late approve answers 410 and changes nothing.
	_, err = b.svc.Decide(ctx, postgres.ApprovalKey{TokenHash: domain.HashToken(ids[0].String())}, domain.DecisionApprove, "late")
	require.Equal(t, domain.EGONE, domain.ErrorCode(err), "by link token")
	var reqID domain.ID
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT id FROM approval_requests WHERE task_id = $1`, ids[0]).Scan(&reqID))
	_, err = b.svc.Decide(ctx, postgres.ApprovalKey{ID: reqID, UserID: b.user.ID}, domain.DecisionApprove, "late")
	require.Equal(t, domain.EGONE, domain.ErrorCode(err))
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, b.db, ids[0]))
}

func TestRepairOrphans_AndSettledTasksJobs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ids := b.tasks(t, 3)
	// ids[0]: its River job deleted outside applyq; ids[1]: discarded by River;
	// ids[2]: cancelled by the user while its job still waits.
	_, err := b.db.Pool.Exec(ctx, `DELETE FROM river_job WHERE id = (SELECT river_job_id FROM application_tasks WHERE id = $1)`, ids[0])
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE id = (SELECT river_job_id FROM application_tasks WHERE id = $1)`, ids[1])
	require.NoError(t, err)
	_, err = b.svc.Cancel(ctx, b.user.ID, ids[2], "test")
	require.NoError(t, err)
	b.now = dbNow(t, b.db).Add(time.Second)

	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, res.OrphansRepaired)
	require.Equal(t, 1, res.RiverJobsCancelled)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks t JOIN river_job j ON j.id = t.river_job_id
		WHERE t.id = ANY($1) AND j.state = 'available'`, ids[:2]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job j JOIN application_tasks t ON t.river_job_id = j.id
		WHERE t.id = $1 AND j.state = 'cancelled'`, ids[2]))

	res, err = b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, res.OrphansRepaired+res.RiverJobsCancelled, "a second pass finds nothing")
}

func TestCompleteRunsAndSummary(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.tasks(t, 2)
	pgtest.MustForceState(t, b.db, ids[0], domain.StateSubmitted)
	pgtest.MustForceState(t, b.db, ids[1], domain.StateCancelled)
	empty := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	b.now = dbNow(t, b.db)
	res, err := b.sw.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.RunsCompleted)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_runs WHERE id = $1 AND status = 'completed'`, b.run.ID))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_runs WHERE id = $1 AND status = 'active'`, empty.ID), "a run without tasks stays active")
	line := res.String()
	for _, k := range []string{"requeued=0", "runs_completed=1", "expired_approvals=0", "orphans_repaired=", "duration="} {
		require.True(t, strings.Contains(line, k), line)
	}
}

func TestRunOnce_DeletesOnlyExpiredAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO magic_link_tokens (token_hash, email, expires_at) VALUES
		(sha256('a'), 'a@example.test', now() - interval '1 minute'),
		(sha256('b'), 'b@example.test', now() + interval '10 minutes')`)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, expires_at) VALUES
		(sha256('s1'), $1, now() - interval '1 second'), (sha256('s2'), $1, now() + interval '1 hour')`, b.user.ID)
	require.NoError(t, err)
	b.now = dbNow(t, b.db)

	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.ExpiredTokensDeleted)
	require.Equal(t, 1, res.ExpiredSessionsDeleted)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM magic_link_tokens WHERE token_hash = sha256('b')`))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sessions WHERE id_hash = sha256('s2')`))
}

// TestRepairOrphans_JobOfADeadWorker: a queued task whose job is "running"
// since before the grace (its worker died before claiming) gets a new job; a
// job running for a shorter time is left alone.
func TestRepairOrphans_JobOfADeadWorker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ids := b.tasks(t, 2)
	_, err := b.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '1 hour'
		WHERE id = (SELECT river_job_id FROM application_tasks WHERE id = $1)`, ids[0])
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now()
		WHERE id = (SELECT river_job_id FROM application_tasks WHERE id = $1)`, ids[1])
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `UPDATE application_tasks SET updated_at = now() - interval '1 hour'`)
	require.NoError(t, err)
	b.sw.OrphanGrace = 5 * time.Minute // "now - grace" falls between the two jobs' attempts
	b.now = dbNow(t, b.db)
	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.OrphansRepaired)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks t JOIN river_job j ON j.id = t.river_job_id
		WHERE t.id = $1 AND j.state = 'available'`, ids[0]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks t JOIN river_job j ON j.id = t.river_job_id
		WHERE t.id = $1 AND j.state = 'running'`, ids[1]))
}

// askCode records, through the service, that the task's page waits for
// the security code mailed to ada@example.com.
func (b *bundle) askCode(t *testing.T, taskID domain.ID) {
	t.Helper()
	require.NoError(t, b.svc.AskCode(context.Background(), domain.CodeRequest{TaskID: taskID, Platform: domain.PlatformGreenhouse,
		Address: "ada@example.com", Attempt: 1, Until: time.Now().Add(10 * time.Minute)}))
}

// TestRecoverStuck_PageWaitingForACode: a worker that stopped while its
// page waited for the security code leaves a task the platform did not
// complete (the code was never typed): paused needs_user with a message
// that says so, its request closed. A task whose code was taken (typed,
// the outcome unread) stays an unknown outcome.
func TestRecoverStuck_PageWaitingForACode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ids := b.tasks(t, 3)
	for _, id := range ids {
		pgtest.MustForceState(t, b.db, id, domain.StateSubmitting)
	}
	untyped, typed, never := ids[0], ids[1], ids[2]
	b.askCode(t, untyped)
	b.askCode(t, typed)
	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, untyped, "ab12CD34")) // given, never taken
	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, typed, "ab12CD34"))
	_, ok, err := b.svc.TakeCode(ctx, typed)
	require.NoError(t, err)
	require.True(t, ok)
	b.now = dbNow(t, b.db).Add(time.Hour)

	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.PausedCodeNotTyped)
	require.Equal(t, 2, res.PausedUnknownOutcome)

	task, err := b.db.TaskGet(ctx, b.user.ID, untyped)
	require.NoError(t, err)
	require.Equal(t, domain.StatePaused, task.State)
	require.Equal(t, domain.ReasonNeedsUser, task.StateReason)
	require.Equal(t, "The worker stopped while Greenhouse waited for the security code mailed to a…@example.com; the code was never typed, "+
		"so Greenhouse did not complete the application. Resume to apply again.", task.LastError)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE task_id = $1 AND kind = 'needs_you' AND detail LIKE '%security code%'`, untyped))
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes WHERE closed_at IS NOT NULL AND code IS NULL`), "closed, the untaken code cleared")
	err = b.svc.GiveCode(ctx, b.user.ID, untyped, "ab12CD34")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "a code now is refused: %v", err)

	for _, id := range []domain.ID{typed, never} {
		require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'submission_outcome_unknown'`, id))
	}
}

// TestRecoverStuck_CodeOfAnEarlierSubmission: a request left from an
// earlier submission of a resumed task says nothing about this one.
func TestRecoverStuck_CodeOfAnEarlierSubmission(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.tasks(t, 1)[0]
	pgtest.MustForceState(t, b.db, id, domain.StateSubmitting)
	b.askCode(t, id)
	_, err := b.db.Pool.Exec(ctx, `UPDATE task_codes SET asked_at = now() - interval '1 hour', closed_at = now() - interval '1 hour' WHERE task_id = $1`, id)
	require.NoError(t, err)
	b.now = dbNow(t, b.db).Add(time.Hour)

	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, res.PausedCodeNotTyped)
	require.Equal(t, 1, res.PausedUnknownOutcome)
}

// TestResult_Changed: an idle pass (only its duration set) is not logged at
// info; any count makes it a change.
func TestResult_Changed(t *testing.T) {
	t.Parallel()
	require.False(t, sweeper.Result{Duration: time.Second}.Changed())
	require.True(t, sweeper.Result{Requeued: 1}.Changed())
	require.True(t, sweeper.Result{DigestsRepaired: 1, Duration: time.Second}.Changed())
}

// TestRunOnce_EndsHandoffsPastTheirWindow: a hand-off whose window closed
// without its worker ending it is ended (its frame deleted); a live one is
// left alone.
func TestRunOnce_EndsHandoffsPastTheirWindow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	hs := handoff.New(b.db.Pool, zaptest.NewLogger(t))
	b.sw.Handoffs = hs
	ids := b.tasks(t, 2)
	for _, id := range ids {
		_, err := hs.Open(ctx, id, b.user.ID, "worker-gone", time.Hour)
		require.NoError(t, err)
		_, err = hs.PutFrame(ctx, id, domain.HandoffFrame{Width: 10, Height: 10, MIME: "image/png", Data: []byte{1}})
		require.NoError(t, err)
	}
	_, err := b.db.Pool.Exec(ctx, `UPDATE handoffs SET opened_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE task_id = $1`, ids[0])
	require.NoError(t, err)

	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.HandoffsEnded)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoffs WHERE task_id = $1 AND ended_at IS NOT NULL AND end_reason = 'the hand-off window closed'`, ids[0]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_frames`), "only the live hand-off's frame is left")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoffs WHERE ended_at IS NULL`))
}
