package tasks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// codeBundle is a task in submitting whose page may ask for a code, on a
// service with an hour-long digest window (so "mailed at once" shows).
type codeBundle struct {
	*bundle
	task *domain.Task
}

func setupCodes(t *testing.T) *codeBundle {
	t.Helper()
	b := setup(t)
	b.svc = taskstest.MustService(t, b.db, tasks.Options{DigestDelay: time.Hour})
	return &codeBundle{bundle: b, task: submitting(t, b, b.user)}
}

// submitting adds a task of user to a new run and puts it in submitting,
// as a worker does before calling the applier.
func submitting(t *testing.T, b *bundle, user *domain.User) *domain.Task {
	t.Helper()
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	res := taskstest.MustAdd(t, b.db, user, run, pgtest.MustJobs(t, b.db, user, 1))
	pgtest.MustForceState(t, b.db, res.Queued[0].TaskID, domain.StateSubmitting)
	task, err := b.db.TaskGet(context.Background(), user.ID, res.Queued[0].TaskID)
	require.NoError(t, err)
	return task
}

func (b *codeBundle) ask(t *testing.T, until time.Time) domain.CodeRequest {
	t.Helper()
	req := domain.CodeRequest{TaskID: b.task.ID, UserID: b.user.ID, Platform: domain.PlatformGreenhouse, Address: "ada@example.com",
		Attempt: 1, Until: until}
	require.NoError(t, b.svc.AskCode(context.Background(), req))
	return req
}

// storedCode reads the code column as it is (NULL: "").
func (b *codeBundle) storedCode(t *testing.T) string {
	t.Helper()
	var code *string
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT code FROM task_codes WHERE task_id = $1`, b.task.ID).Scan(&code))
	if code == nil {
		return ""
	}
	return *code
}

// TestCodes_AskGiveTake: asking says needs_code on the task with where the
// code went and until when, and queues a code_waiting notice whose digest
// is due at once; the code given is taken once, and the column is NULL
// after.
func TestCodes_AskGiveTake(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx := context.Background()
	until := time.Now().Add(10 * time.Minute)
	b.ask(t, until)

	task, err := b.db.TaskGet(ctx, b.user.ID, b.task.ID)
	require.NoError(t, err)
	require.Equal(t, domain.StateSubmitting, task.State)
	require.Equal(t, domain.ReasonNeedsCode, task.StateReason)
	require.Equal(t, "Greenhouse mailed a security code to a…@example.com: type it on this task's page before "+until.UTC().Format("15:04")+" UTC.", task.LastError)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE user_id = $1 AND kind = 'code_waiting' AND task_id = $2`, b.user.ID, b.task.ID))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'notice_digest' AND args->>'user_id' = $1::text
		AND state = 'available' AND scheduled_at <= now()`, b.user.ID), "the digest is due at once, not after the hour-long window")

	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, " ab12-CD34 "))
	require.Equal(t, "ab12CD34", b.storedCode(t))

	code, ok, err := b.svc.TakeCode(ctx, b.task.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "ab12CD34", code)
	require.Empty(t, b.storedCode(t), "cleared as the worker took it")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes WHERE task_id = $1 AND code IS NULL AND taken_at IS NOT NULL`, b.task.ID))

	_, ok, err = b.svc.TakeCode(ctx, b.task.ID)
	require.NoError(t, err)
	require.False(t, ok, "returned once")

	task, err = b.db.TaskGet(ctx, b.user.ID, b.task.ID)
	require.NoError(t, err)
	require.Empty(t, task.StateReason, "the task no longer waits for its user")
	require.Empty(t, task.LastError)

	// Being typed: a code given now would be lost when the form asks again.
	err = b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "ZZZZ9999")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "%v", err)
}

// TestGiveCode_BeforeAsk: a task whose form asked for nothing refuses a
// code (409), and so does a task not in submitting.
func TestGiveCode_BeforeAsk(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	err := b.svc.GiveCode(context.Background(), b.user.ID, b.task.ID, "ab12CD34")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "%v", err)
	require.Contains(t, domain.ErrorMessage(err), "not waiting for a security code")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes`))
}

// TestGiveCode_AnotherUsersTask answers 404, as an unknown task does.
func TestGiveCode_AnotherUsersTask(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	b.ask(t, time.Now().Add(10*time.Minute))
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	err := b.svc.GiveCode(context.Background(), other.ID, b.task.ID, "ab12CD34")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "%v", err)
	err = b.svc.GiveCode(context.Background(), b.user.ID, domain.NewID(), "ab12CD34")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "%v", err)
	require.Empty(t, b.storedCode(t))
}

// TestGiveCode_AfterExpiry answers 410 with when the page stopped waiting,
// judged on the database's clock.
func TestGiveCode_AfterExpiry(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	b.ask(t, time.Now().Add(10*time.Minute))
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE task_codes SET expires_at = now() - interval '1 second' WHERE task_id = $1`, b.task.ID)
	require.NoError(t, err)
	err = b.svc.GiveCode(context.Background(), b.user.ID, b.task.ID, "ab12CD34")
	require.Equal(t, domain.EGONE, domain.ErrorCode(err), "%v", err)
	require.Contains(t, domain.ErrorMessage(err), "the page stopped waiting for the code at ")
	require.Empty(t, b.storedCode(t))
}

// TestGiveCode_TwiceBeforeTake: the second code replaces the first.
func TestGiveCode_TwiceBeforeTake(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx := context.Background()
	b.ask(t, time.Now().Add(10*time.Minute))
	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "FIRST111"))
	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "SECOND22"))
	code, ok, err := b.svc.TakeCode(ctx, b.task.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "SECOND22", code)
}

// TestCloseCode_RefusesLaterCodes: a closed request clears a code not
// taken and refuses the next one (409); the task no longer says
// needs_code.
func TestCloseCode_RefusesLaterCodes(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx := context.Background()
	b.ask(t, time.Now().Add(10*time.Minute))
	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "ab12CD34"))
	require.NoError(t, b.svc.CloseCode(ctx, b.task.ID))
	require.Empty(t, b.storedCode(t))
	err := b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "ab12CD34")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "%v", err)
	_, ok, err := b.svc.TakeCode(ctx, b.task.ID)
	require.NoError(t, err)
	require.False(t, ok)
	task, err := b.db.TaskGet(ctx, b.user.ID, b.task.ID)
	require.NoError(t, err)
	require.Empty(t, task.StateReason)
	require.NoError(t, b.svc.CloseCode(ctx, domain.NewID()), "nothing to close")
}

// TestAskCode_NotSubmitting: only a task in submitting has a page that
// can ask; anything else is a conflict naming its state, and nothing is
// recorded.
func TestAskCode_NotSubmitting(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	pgtest.MustForceState(t, b.db, b.task.ID, domain.StatePaused)
	err := b.svc.AskCode(context.Background(), domain.CodeRequest{TaskID: b.task.ID, Platform: domain.PlatformGreenhouse,
		Address: "ada@example.com", Attempt: 1, Until: time.Now().Add(time.Minute)})
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "%v", err)
	require.Equal(t, "paused", domain.ErrorDetails(err)["current_state"])
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes`))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE kind = 'code_waiting'`))

	err = b.svc.AskCode(context.Background(), domain.CodeRequest{TaskID: b.task.ID, Attempt: 1, Until: time.Now().Add(-time.Second)})
	require.ErrorIs(t, err, domain.ErrCodeWindowPassed)
}

// TestAskCode_AgainAfterARefusedCode: the form refused the code typed; the
// new ask clears what was given, says what the form said and which try it
// is, and mails nothing more (the user is on the page).
func TestAskCode_AgainAfterARefusedCode(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx := context.Background()
	req := b.ask(t, time.Now().Add(10*time.Minute))
	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "WRONG123"))
	_, ok, err := b.svc.TakeCode(ctx, b.task.ID)
	require.NoError(t, err)
	require.True(t, ok)

	req.Attempt, req.Refused = 2, "Incorrect security code.\n"
	require.NoError(t, b.svc.AskCode(ctx, req))
	task, err := b.db.TaskGet(ctx, b.user.ID, b.task.ID)
	require.NoError(t, err)
	require.Equal(t, domain.ReasonNeedsCode, task.StateReason)
	require.Contains(t, task.LastError, "Greenhouse refused the last code (“Incorrect security code.”)")
	require.Contains(t, task.LastError, "(try 2 of 3)")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE kind = 'code_waiting'`), "one mail per page")

	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "RIGHT123"), "the new ask takes a code again")
	code, ok, err := b.svc.TakeCode(ctx, b.task.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "RIGHT123", code)
}

// TestGiveCode_InvalidAndBounded: what is not a code is EINVALID without
// repeating it; after MaxCodeGives codes for one ask, the next is refused.
func TestGiveCode_InvalidAndBounded(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx := context.Background()
	b.ask(t, time.Now().Add(10*time.Minute))
	err := b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "sëcret!!")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.NotContains(t, err.Error(), "sëcret")
	for i := range tasks.MaxCodeGives {
		require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "CODE"+strings.Repeat("x", i%4)+"1"))
	}
	err = b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "ab12CD34")
	require.Equal(t, domain.ERATELIMITED, domain.ErrorCode(err), "%v", err)
}

// TestAskCode_PullsAScheduledDigestForward: a user whose digest waits for
// the window gets it at once when a code is asked for, as one job.
func TestAskCode_PullsAScheduledDigestForward(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx := context.Background()
	n := domain.Notice{UserID: b.user.ID, Kind: domain.NoticeRunCompleted, RunID: &b.run.ID, Subject: "a run"}
	require.NoError(t, pgx.BeginFunc(ctx, b.db.Pool, func(tx pgx.Tx) error {
		return notifications.Add(ctx, tx, taskstest.MustRiver(t, b.db), n, time.Hour)
	}))
	jobs := `SELECT count(*) FROM river_job WHERE kind = 'notice_digest' AND args->>'user_id' = $1::text AND state = $2`
	require.Equal(t, 1, pgtest.MustCount(t, b.db, jobs, b.user.ID, "scheduled"))

	b.ask(t, time.Now().Add(10*time.Minute))
	require.Zero(t, pgtest.MustCount(t, b.db, jobs, b.user.ID, "scheduled"))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, jobs, b.user.ID, "available"), "the same job, due now")
}

// TestCodes_Notify: asking tells the user's open pages (applyq_tasks, the
// user id), giving wakes the worker holding the page (applyq_codes, the
// task id), each on commit.
func TestCodes_Notify(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := b.db.Pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `LISTEN `+domain.NotifyTasks+`; LISTEN `+domain.NotifyCodes)
	require.NoError(t, err)
	next := func() (string, string) {
		n, err := conn.Conn().WaitForNotification(ctx)
		require.NoError(t, err)
		return n.Channel, n.Payload
	}

	b.ask(t, time.Now().Add(10*time.Minute))
	ch, payload := next()
	require.Equal(t, domain.NotifyTasks, ch)
	require.Equal(t, b.user.ID.String(), payload)

	require.NoError(t, b.svc.GiveCode(ctx, b.user.ID, b.task.ID, "ab12CD34"))
	got := map[string]string{}
	for range 2 {
		ch, payload := next()
		got[ch] = payload
	}
	require.Equal(t, map[string]string{domain.NotifyCodes: b.task.ID.String(), domain.NotifyTasks: b.user.ID.String()}, got,
		"the payloads are ids, never the code")
}
