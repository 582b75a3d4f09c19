package notifications_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/mail"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

const base = "https://applyq.example.test"

type bundle struct {
	db     *postgres.DB
	river  *river.Client[pgx.Tx] // insert-only, as the services use it
	mailer *mail.Recorder
	svc    *notifications.Service
}

type setupOpts struct {
	Mailer domain.Mailer // default: the bundle's recorder
	Delay  time.Duration // the digest window; default 0
}

func setup(t *testing.T, opts setupOpts) *bundle {
	t.Helper()
	db := pgtest.MustDB(t)
	b := &bundle{db: db, river: taskstest.MustRiver(t, db), mailer: &mail.Recorder{}}
	if opts.Mailer == nil {
		opts.Mailer = b.mailer
	}
	b.svc = notifications.New(notifications.Options{Pool: db.Pool, River: b.river, Mailer: opts.Mailer, PublicBaseURL: base,
		DigestDelay: opts.Delay, Log: zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))})
	return b
}

// startWorker works the mail queue's digests with the service, as a worker
// process does, until the test ends.
func (b *bundle) startWorker(t *testing.T) {
	t.Helper()
	client, err := queue.NewWorkerClient(b.db.Pool, queue.Workers{Digest: &queue.DigestWorker{Notifications: b.svc}}, queue.ClientOptions{
		Concurrency: 1, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 20 * time.Millisecond,
		Log: zaptest.NewLogger(t, zaptest.Level(zapcore.ErrorLevel))})
	require.NoError(t, err)
	require.NoError(t, client.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, client.Stop(ctx))
	})
}

// add adds each notice in a transaction of its own, as the services that
// change tasks do, with the digest window delay.
func (b *bundle) add(t *testing.T, delay time.Duration, notices ...domain.Notice) {
	t.Helper()
	ctx := context.Background()
	for _, n := range notices {
		require.NoError(t, pgx.BeginFunc(ctx, b.db.Pool, func(tx pgx.Tx) error { return notifications.Add(ctx, tx, b.river, n, delay) }))
	}
}

// approvalNotice is what the worker adds when it asks for an approval.
func approvalNotice(a *domain.Approval, subject string) domain.Notice {
	return domain.Notice{UserID: a.UserID, Kind: domain.NoticeApprovalWaiting, TaskID: &a.TaskID, ApprovalID: &a.ID, Subject: subject}
}

// taskNotice is a needs_you notice for a new task of user.
func (b *bundle) taskNotice(t *testing.T, user *domain.User, subject string) domain.Notice {
	t.Helper()
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	task := pgtest.MustTask(t, b.db, user, run, pgtest.MustJobs(t, b.db, user, 1)[0])
	return domain.Notice{UserID: user.ID, Kind: domain.NoticeNeedsYou, TaskID: &task.ID, RunID: &run.ID, Subject: subject,
		Detail: "the submission's outcome is unknown"}
}

// runNotice is a run_completed notice for a new run of user.
func (b *bundle) runNotice(t *testing.T, user *domain.User, subject string) domain.Notice {
	t.Helper()
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{Name: subject})
	return domain.Notice{UserID: user.ID, Kind: domain.NoticeRunCompleted, RunID: &run.ID, Subject: subject, Detail: "3 submitted, 1 cancelled"}
}

func (b *bundle) unsent(t *testing.T, user *domain.User) int {
	t.Helper()
	return pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE user_id = $1 AND sent_at IS NULL`, user.ID)
}

func (b *bundle) digestJobs(t *testing.T, user *domain.User, states ...string) int {
	t.Helper()
	if len(states) == 0 {
		states = []string{"available", "scheduled", "pending", "retryable", "running", "completed", "cancelled", "discarded"}
	}
	return pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'notice_digest' AND args->>'user_id' = $1::text
		AND state::text = ANY($2)`, user.ID, states)
}

// waitMails waits until n mails were sent and no digest job is left that
// could send another meanwhile (none waiting, retrying or running, none
// scheduled within the wait: a digest job is the only sender), then
// checks there are exactly n — a receipt count and a barrier, no guess
// at how long a stray mail would take to arrive.
func (b *bundle) waitMails(t *testing.T, rec *mail.Recorder, n int) []domain.Message {
	t.Helper()
	require.Eventually(t, func() bool {
		return len(rec.Sent()) >= n && pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'notice_digest'
			AND (state IN ('available', 'pending', 'retryable', 'running') OR (state = 'scheduled' AND scheduled_at < now() + interval '30 seconds'))`) == 0
	}, 30*time.Second, 5*time.Millisecond, "%d mail(s), and no digest left to run", n)
	sent := rec.Sent()
	require.Len(t, sent, n)
	return sent
}

// linkTokens returns the approval link tokens mailed to address, checking
// each link is absolute from the configured base.
func linkTokens(t *testing.T, rec *mail.Recorder, address string) []string {
	t.Helper()
	var out []string
	for _, l := range rec.Links(address, "/approvals/confirm?token=") {
		require.True(t, strings.HasPrefix(l, base+"/approvals/confirm?token="), l)
		u, err := url.Parse(l)
		require.NoError(t, err)
		out = append(out, u.Query().Get("token"))
	}
	return out
}

// TestDigest_200NoticesOneMail: 200 notices of one user, each added in its
// own transaction, are one digest job and one mail that lists them by
// kind with counts: 20 approvals with their own links and "and 100 more"
// with the inbox, tasks and runs with theirs, questions with the page.
func TestDigest_200NoticesOneMail(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{Name: "Ada Lovelace"})
	var notices []domain.Notice
	for i := range 120 {
		a, _ := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{})
		notices = append(notices, approvalNotice(a, fmt.Sprintf("Acme %d — Backend Engineer", i)))
	}
	for i := range 40 {
		notices = append(notices, b.taskNotice(t, user, fmt.Sprintf("Globex %d — SRE", i)))
	}
	for i := range 25 {
		notices = append(notices, domain.Notice{UserID: user.ID, Kind: domain.NoticeQuestionsWaiting, Subject: "Initech — Engineer",
			Detail: fmt.Sprintf("Question number %d?", i)})
	}
	for i := range 15 {
		notices = append(notices, b.runNotice(t, user, fmt.Sprintf("Run %d", i)))
	}
	require.Len(t, notices, 200)
	b.add(t, 0, notices...)
	require.Equal(t, 1, b.digestJobs(t, user), "200 notices, one digest job")

	b.startWorker(t)
	sent := b.waitMails(t, b.mailer, 1)
	require.Eventually(t, func() bool { return b.digestJobs(t, user, "completed") == 1 }, 10*time.Second, 10*time.Millisecond)
	require.Zero(t, b.unsent(t, user))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE skipped`))

	m := sent[0]
	require.Equal(t, user.Email, m.To)
	require.Equal(t, "applyq: 120 approvals waiting, 25 questions waiting, 40 tasks need you, 15 runs completed", m.Subject)
	for _, s := range []string{"Hello Ada Lovelace,", "Approvals waiting (120)", "- and 100 more", "Your approvals inbox: " + base + "/approvals\n",
		"Questions waiting for your answer (25)", "- and 5 more", "Answer them: " + base + "/questions\n",
		"Tasks that need you (40)", "- and 20 more", base + "/queue/paused\n",
		"Runs completed (15)", "- Run 14: 3 submitted, 1 cancelled\n", "Your runs: " + base + "/runs\n", base + "/profile\n"} {
		require.Contains(t, m.Body, s)
	}
	require.Contains(t, m.Body, "- Acme 0 — Backend Engineer (expires ")
	require.NotContains(t, m.Body, "Acme 20 —", "20 approvals listed")
	require.Len(t, linkTokens(t, b.mailer, user.Email), 20)
	require.Len(t, b.mailer.Links(user.Email, base+"/tasks/"), 20)
	require.Len(t, b.mailer.Links(user.Email, base+"/queue/submitted?run_id="), 15)
	for _, l := range b.mailer.Links(user.Email, base+"/tasks/") {
		id, err := domain.ParseID(strings.TrimPrefix(l, base+"/tasks/"))
		require.NoError(t, err)
		_, err = b.db.TaskGet(context.Background(), user.ID, id)
		require.NoError(t, err, "the link is to the user's task")
	}
	require.Less(t, strings.Index(m.Body, "Approvals waiting"), strings.Index(m.Body, "Questions waiting"), "in kind order")
	require.Less(t, strings.Index(m.Body, "Questions waiting"), strings.Index(m.Body, "Tasks that need you"))
	require.Less(t, strings.Index(m.Body, "Tasks that need you"), strings.Index(m.Body, "Runs completed"))
}

// TestDigest_TwoUsersTwoMails: each user gets one digest with only their
// own notices.
func TestDigest_TwoUsersTwoMails(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ada := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	bob := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	for i := range 3 {
		b.add(t, 0, b.taskNotice(t, ada, fmt.Sprintf("Ada's task %d", i)), b.runNotice(t, bob, fmt.Sprintf("Bob's run %d", i)))
	}
	b.startWorker(t)
	sent := b.waitMails(t, b.mailer, 2)
	byTo := map[string]domain.Message{}
	for _, m := range sent {
		byTo[m.To] = m
	}
	require.Equal(t, "applyq: 3 tasks need you", byTo[ada.Email].Subject)
	require.Equal(t, "applyq: 3 runs completed", byTo[bob.Email].Subject)
	require.NotContains(t, byTo[ada.Email].Body, "Bob's")
	require.NotContains(t, byTo[bob.Email].Body, "Ada's")
	require.Zero(t, b.unsent(t, ada)+b.unsent(t, bob))
}

// mailerFunc adapts a function to domain.Mailer.
type mailerFunc func(ctx context.Context, m domain.Message) error

func (f mailerFunc) Send(ctx context.Context, m domain.Message) error { return f(ctx, m) }

// TestDigest_MailerFailureRetries: a mailer error fails the job and
// changes nothing (the notices stay unsent, the approval keeps its link);
// River's retry mails the digest, and its link approves.
func TestDigest_MailerFailureRetries(t *testing.T) {
	t.Parallel()
	var (
		attempts        atomic.Int32
		unsentWhenRetry atomic.Int32
		b               *bundle
		user            *domain.User
	)
	rec := &mail.Recorder{}
	b = setup(t, setupOpts{Mailer: mailerFunc(func(ctx context.Context, m domain.Message) error {
		if attempts.Add(1) == 1 {
			return fmt.Errorf("smtp: 421 try again later")
		}
		var n int32
		if err := b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE user_id = $1 AND sent_at IS NULL`, user.ID).Scan(&n); err != nil {
			return err
		}
		unsentWhenRetry.Store(n)
		return rec.Send(ctx, m)
	})})
	user = pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	a, first := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{})
	b.add(t, 0, approvalNotice(a, "Acme — Backend Engineer"))

	// Called directly, the failure is the caller's error and nothing changes.
	_, err := b.svc.SendDigest(context.Background(), user.ID)
	require.ErrorContains(t, err, "421")
	require.Equal(t, 1, b.unsent(t, user))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM approval_requests WHERE id = $1 AND token_hash = $2`, a.ID, domain.HashToken(first)),
		"the link minted for the failed mail was never stored")

	// Through River: the job fails, and its retry sends.
	attempts.Store(0)
	b.startWorker(t)
	b.waitMails(t, rec, 1)
	require.Equal(t, int32(2), attempts.Load())
	require.Equal(t, int32(1), unsentWhenRetry.Load(), "the failed attempt left the notice unsent")
	require.Zero(t, b.unsent(t, user))
	require.Eventually(t, func() bool { return b.digestJobs(t, user, "completed") == 1 }, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'notice_digest' AND attempt = 2
		AND cardinality(errors) = 1 AND errors[1]->>'error' LIKE '%421%'`), "the first attempt failed with the mailer's error")
	tokens := linkTokens(t, rec, user.Email)
	require.Len(t, tokens, 1)
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	decided, err := svc.Decide(context.Background(), postgres.ApprovalKey{TokenHash: domain.HashToken(tokens[0])}, domain.DecisionApprove, "approval_link")
	require.NoError(t, err)
	require.Equal(t, domain.ApprovalApproved, decided.Status)
}

// TestDigest_ApprovalLinkApproves: the link in a digest approves the task;
// the link minted before (when the approval was requested) stops working,
// since the digest gave the approval a new token. An approval decided
// before its digest runs is left out.
func TestDigest_ApprovalLinkApproves(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	ctx := context.Background()
	a, before := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{})
	decided, decidedToken := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{})
	b.add(t, 0, approvalNotice(a, "Acme — Backend Engineer"), approvalNotice(decided, "Globex — SRE"))
	_, err := svc.Decide(ctx, postgres.ApprovalKey{TokenHash: domain.HashToken(decidedToken)}, domain.DecisionReject, "approval_link")
	require.NoError(t, err)

	res, err := b.svc.SendDigest(ctx, user.ID)
	require.NoError(t, err)
	require.Equal(t, notifications.DigestResult{Mailed: 1, Skipped: 1}, res)
	sent := b.mailer.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, "applyq: 1 approval waiting", sent[0].Subject)
	require.NotContains(t, sent[0].Body, "Globex", "a decided approval is left out")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE approval_id = $1 AND sent_at IS NOT NULL AND skipped`, decided.ID))
	tokens := linkTokens(t, b.mailer, user.Email)
	require.Len(t, tokens, 1)
	require.NotEqual(t, before, tokens[0])

	_, err = svc.Decide(ctx, postgres.ApprovalKey{TokenHash: domain.HashToken(before)}, domain.DecisionApprove, "approval_link")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "the earlier link stopped working")
	got, err := svc.Decide(ctx, postgres.ApprovalKey{TokenHash: domain.HashToken(tokens[0])}, domain.DecisionApprove, "approval_link")
	require.NoError(t, err)
	require.Equal(t, domain.ApprovalApproved, got.Status)
	require.Equal(t, domain.StateApproved, pgtest.MustTaskState(t, b.db, a.TaskID))

	res, err = b.svc.SendDigest(ctx, user.ID)
	require.NoError(t, err)
	require.Zero(t, res, "nothing left to send")
	require.Len(t, b.mailer.Sent(), 1)
}

// TestDigest_PreferencesOff: notices of a kind the user turned off
// (SetPreferences: the kinds set change, the others stay) are marked sent
// (skipped) without a mail; with every kind off, nothing is mailed at
// all. Another user's preferences are theirs.
func TestDigest_PreferencesOff(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	off := false
	prefs, err := b.svc.SetPreferences(ctx, user.ID, domain.NotificationPrefsUpdate{RunCompleted: &off})
	require.NoError(t, err)
	require.Equal(t, domain.NotificationPrefs{ApprovalWaiting: true, QuestionsWaiting: true, NeedsYou: true}, prefs)
	b.add(t, 0, b.taskNotice(t, user, "Acme — Engineer"), b.runNotice(t, user, "Backend roles"), b.runNotice(t, other, "Other's run"))

	res, err := b.svc.SendDigest(ctx, user.ID)
	require.NoError(t, err)
	require.Equal(t, notifications.DigestResult{Mailed: 1, Skipped: 1}, res)
	_, err = b.svc.SendDigest(ctx, other.ID)
	require.NoError(t, err)
	sent := b.mailer.Sent()
	require.Len(t, sent, 2)
	require.Equal(t, "applyq: 1 task needs you", sent[0].Subject)
	require.NotContains(t, sent[0].Body, "Backend roles")
	require.Equal(t, "applyq: 1 run completed", sent[1].Subject, "the other user's preferences are all on")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE user_id = $1 AND kind = 'run_completed' AND sent_at IS NOT NULL AND skipped`, user.ID))

	prefs, err = b.svc.SetPreferences(ctx, user.ID, domain.NotificationPrefsUpdate{ApprovalWaiting: &off, QuestionsWaiting: &off, NeedsYou: &off})
	require.NoError(t, err)
	require.Equal(t, domain.NotificationPrefs{}, prefs, "run_completed, not sent, stayed off")
	b.add(t, 0, b.taskNotice(t, user, "Globex — SRE"))
	res, err = b.svc.SendDigest(ctx, user.ID)
	require.NoError(t, err)
	require.Equal(t, notifications.DigestResult{Skipped: 1}, res)
	require.Len(t, b.mailer.Sent(), 2, "everything off: no mail")
	require.Zero(t, b.unsent(t, user))
}

// TestDigest_GoneTaskLeftOut: a notice about a task deleted since (its run
// was deleted) is marked sent without being mailed.
func TestDigest_GoneTaskLeftOut(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	gone := b.taskNotice(t, user, "Acme — Engineer")
	b.add(t, 0, gone, b.taskNotice(t, user, "Globex — SRE"))
	_, err := b.db.Pool.Exec(context.Background(), `DELETE FROM application_runs WHERE id = $1`, *gone.RunID)
	require.NoError(t, err)
	res, err := b.svc.SendDigest(context.Background(), user.ID)
	require.NoError(t, err)
	require.Equal(t, notifications.DigestResult{Mailed: 1, Skipped: 1}, res)
	require.NotContains(t, b.mailer.Sent()[0].Body, "Acme")
}

// TestDigest_NoticeAddedWhileRunning: a notice added while its user's
// digest runs (its job insert skipped as a duplicate of the running one)
// is not lost: the running digest finds it when it finishes and runs again.
func TestDigest_NoticeAddedWhileRunning(t *testing.T) {
	t.Parallel()
	rec := &mail.Recorder{}
	sending, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	b := setup(t, setupOpts{Mailer: mailerFunc(func(ctx context.Context, m domain.Message) error {
		if calls.Add(1) == 1 {
			close(sending)
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return rec.Send(ctx, m)
	})})
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	b.add(t, 0, b.taskNotice(t, user, "First task"))
	b.startWorker(t)
	<-sending
	b.add(t, 0, b.taskNotice(t, user, "Second task"))
	require.Equal(t, 1, b.digestJobs(t, user), "the running job took the notice")
	close(release)

	sent := b.waitMails(t, rec, 2)
	require.Contains(t, sent[0].Body, "First task")
	require.NotContains(t, sent[0].Body, "Second task")
	require.Contains(t, sent[1].Body, "Second task")
	require.Zero(t, b.unsent(t, user))
	require.Eventually(t, func() bool { return b.digestJobs(t, user, "completed") == 1 }, 10*time.Second, 10*time.Millisecond)
}

// TestRepairDigests_OrphanedNotice: a notice whose digest job was lost
// gets a new job once it is older than the grace plus the digest window,
// exactly once while that job lives.
func TestRepairDigests_OrphanedNotice(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{Delay: time.Minute})
	ctx := context.Background()
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	waiting := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	b.add(t, time.Minute, b.taskNotice(t, user, "Acme — Engineer"), b.taskNotice(t, waiting, "Globex — SRE"))
	_, err := b.db.Pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'notice_digest' AND args->>'user_id' = $1::text`, user.ID)
	require.NoError(t, err)

	users, err := b.svc.RepairDigests(ctx, time.Now(), 100)
	require.NoError(t, err)
	require.Empty(t, users, "within the digest window")
	users, err = b.svc.RepairDigests(ctx, time.Now().Add(time.Minute+time.Second), 100)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{user.ID}, users, "the user with a live digest job is left alone")
	require.Equal(t, 1, b.digestJobs(t, user, "available"))
	users, err = b.svc.RepairDigests(ctx, time.Now().Add(time.Hour), 100)
	require.NoError(t, err)
	require.Empty(t, users, "repaired once")

	b.startWorker(t)
	b.waitMails(t, b.mailer, 1)
	require.Zero(t, b.unsent(t, user))
}

// TestAdd_Invalid: a notice that does not validate is refused, and nothing
// is written.
func TestAdd_Invalid(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	ctx := context.Background()
	for _, n := range []domain.Notice{
		{UserID: user.ID, Kind: domain.NoticeApprovalWaiting, Subject: "no approval"},
		{UserID: user.ID, Kind: domain.NoticeNeedsYou, Subject: "no task"},
		{UserID: user.ID, Kind: domain.NoticeRunCompleted, Subject: "no run"},
		{UserID: user.ID, Kind: "birthday", Subject: "unknown kind"},
		{UserID: user.ID, Kind: domain.NoticeQuestionsWaiting},
		{UserID: user.ID, Kind: domain.NoticeQuestionsWaiting, Subject: "two\nlines"},
		{Kind: domain.NoticeQuestionsWaiting, Subject: "no user"},
	} {
		err := pgx.BeginFunc(ctx, b.db.Pool, func(tx pgx.Tx) error { return notifications.Add(ctx, tx, b.river, n, 0) })
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "%+v", n)
	}
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices`))
	require.Zero(t, b.digestJobs(t, user))
}

// codeTask is a task of user in submitting whose form asked for the
// security code (through the service, with an hour-long digest window).
func (b *bundle) codeTask(t *testing.T, user *domain.User) (*tasks.Service, domain.ID) {
	t.Helper()
	svc := taskstest.MustService(t, b.db, tasks.Options{DigestDelay: time.Hour})
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	task := pgtest.MustTask(t, b.db, user, run, pgtest.MustJobs(t, b.db, user, 1)[0])
	pgtest.MustForceState(t, b.db, task.ID, domain.StateSubmitting)
	require.NoError(t, svc.AskCode(context.Background(), domain.CodeRequest{TaskID: task.ID, Platform: domain.PlatformGreenhouse,
		Address: "ada@example.com", Attempt: 1, Until: time.Now().Add(10 * time.Minute)}))
	return svc, task.ID
}

// TestDigest_CodeWaitingAtOnceAndFirst: a form waiting for its security
// code is mailed at once, not after the hour-long window, with what else
// waits, listed first with the link to the task's page.
func TestDigest_CodeWaitingAtOnceAndFirst(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{Delay: time.Hour})
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	b.add(t, time.Hour, b.taskNotice(t, user, "Globex — SRE"))
	b.startWorker(t)
	_, task := b.codeTask(t, user)

	sent := b.waitMails(t, b.mailer, 1)
	body := sent[0].Body
	require.Contains(t, sent[0].Subject, "1 security code waiting")
	codes, needsYou := strings.Index(body, "Security codes waiting (1)"), strings.Index(body, "Tasks that need you (1)")
	require.Positive(t, codes)
	require.Greater(t, needsYou, codes, "the code comes first")
	require.Contains(t, body, "Greenhouse mailed a security code to a…@example.com: type it on the task's page before ")
	require.Contains(t, body, base+"/tasks/"+task.String())
	require.Zero(t, b.unsent(t, user))
}

// TestDigest_CodeAlreadyGiven: a code given before the digest ran leaves
// its notice out (nothing waits for the user), and no digest ever holds a
// code.
func TestDigest_CodeAlreadyGiven(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	svc, task := b.codeTask(t, user)
	require.NoError(t, svc.GiveCode(context.Background(), user.ID, task, "QX7734ZZ"))
	b.add(t, 0, b.taskNotice(t, user, "Globex — SRE"))
	res, err := b.svc.SendDigest(context.Background(), user.ID)
	require.NoError(t, err)
	require.Equal(t, notifications.DigestResult{Mailed: 1, Skipped: 1}, res)
	body := b.mailer.Sent()[0].Body
	require.NotContains(t, body, "Security codes waiting")
	require.NotContains(t, body, "QX7734ZZ")
}
