package tasks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// formReader is a test double of the browser's form reader: it records
// each read and answers with ReadFormFunc.
type formReader struct {
	mu           sync.Mutex
	reads        []domain.FormTarget
	ReadFormFunc func(ctx context.Context, t domain.FormTarget) (*domain.DiscoveredForm, error)
}

func (r *formReader) ReadForm(ctx context.Context, t domain.FormTarget) (*domain.DiscoveredForm, error) {
	r.mu.Lock()
	r.reads = append(r.reads, t)
	r.mu.Unlock()
	return r.ReadFormFunc(ctx, t)
}

// calls is how many reads were made.
func (r *formReader) calls() int { return len(r.targets()) }

// targets are the forms read, in order.
func (r *formReader) targets() []domain.FormTarget {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]domain.FormTarget(nil), r.reads...)
}

// readsAs returns a reader that reads qs on every form.
func readsAs(qs []domain.Question) *formReader {
	return &formReader{ReadFormFunc: func(_ context.Context, t domain.FormTarget) (*domain.DiscoveredForm, error) {
		return &domain.DiscoveredForm{Questions: qs, URL: fmt.Sprintf("https://jobs.lever.co/%s/%s/apply", t.Board, t.PostingID)}, nil
	}}
}

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// browserFor names the browser as the applier of Greenhouse, Lever and
// Ashby postings, as a worker with them turned on does.
func browserFor(p domain.Platform) string {
	switch p {
	case domain.PlatformGreenhouse, domain.PlatformLever, domain.PlatformAshby:
		return "browser"
	}
	return "dry_run"
}

// leverFields is a Lever hosted form as the browser reads it: Lever's own
// fields, which take standard values (Fills), and a required question of
// the employer's.
func leverFields() []domain.Question {
	return []domain.Question{
		{Field: "resume", Label: "Resume/CV", Kind: domain.QuestionFile, Section: domain.SectionStandard, Fills: "resume"},
		{Field: "name", Label: "Full name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "name"},
		{Field: "email", Label: "Email", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "email"},
		{Field: "phone", Label: "Phone", Kind: domain.QuestionText, Section: domain.SectionStandard, Fills: "phone"},
		{Field: "comments", Label: "Additional information", Kind: domain.QuestionTextarea, Section: domain.SectionStandard, Fills: "cover_letter"},
		{Field: "cards[a1][field0]", Label: "What draws you to Globex?", Kind: domain.QuestionTextarea, Required: true, Section: domain.SectionCustom},
	}
}

// onBoard gives postings a board's canonical key ("lever:globex:<id>"):
// a platform, a board and the platform's posting id.
func onBoard(t *testing.T, b *bundle, platform domain.Platform, board string, jobs ...domain.ID) {
	t.Helper()
	for _, id := range jobs {
		_, err := b.db.Pool.Exec(context.Background(), `UPDATE job_postings SET canonical_key = $2 WHERE id = $1`, id,
			fmt.Sprintf("%s:%s:%s", platform, board, id))
		require.NoError(t, err)
	}
}

// noSubmission checks that nothing of the user's went out, or was about to.
func noSubmission(t *testing.T, b *bundle) {
	t.Helper()
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions tt JOIN application_tasks t ON t.id = tt.task_id
		WHERE t.user_id = $1 AND tt.to_state IN ('submitting', 'submitted')`, b.user.ID), "nothing submitted")
}

// prepare claims and prepares a task as a worker does, returning what
// Prepare returned (MustWork fails on an error; these tests want it).
func prepare(t *testing.T, b *bundle, svc *tasks.Service, id domain.ID) (tasks.Next, error) {
	t.Helper()
	ctx := context.Background()
	claimed, err := svc.Claim(ctx, jobFor(mustTask(t, b, id)), tasks.Lease{Token: domain.NewID(), Owner: "test"})
	require.NoError(t, err)
	require.NotNil(t, claimed.Prepare, "a task whose form is read is claimed alone, then prepared")
	return svc.Prepare(ctx, claimed.Prepare)
}

// TestReadForm_TheDiscoveredFormIsAskedFilledApprovedAndCached: a Lever
// posting publishes no form; preparing its task reads the hosted form,
// stores it on the job, fills Lever's own fields from the profile and
// waits (needs_answer) for the employer's required question; answered on
// the questions page, the task is prepared with the exact form. The job's
// next tasks use the stored read while it is fresh, and read again once
// it is FormMaxAge old; the approval carries the discovered form.
func TestReadForm_TheDiscoveredFormIsAskedFilledApprovedAndCached(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	now := newClock()
	reader := readsAs(leverFields())
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor, Now: now.Now, FormMaxAge: 6 * time.Hour})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	onBoard(t, b, domain.PlatformLever, "globex", job...)
	// Runs that require approval: the job's tasks in several runs reach
	// their approval, none is sent.
	runs := []*domain.Run{
		pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: true}),
		pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: true}),
		pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: true}),
	}
	id := taskstest.MustAdd(t, b.db, b.user, runs[0], job).Queued[0].TaskID

	next := work(t, b, svc, id)
	require.Nil(t, next.Submit)
	task := mustTask(t, b, id)
	require.Equal(t, domain.StatePaused, task.State)
	require.Equal(t, domain.ReasonNeedsAnswer, task.StateReason)
	require.Equal(t, []domain.FormTarget{{TaskID: id, Platform: domain.PlatformLever, Board: "globex", PostingID: job[0].String()}}, reader.targets(),
		"read once, named by platform, board and posting id")
	waiting, err := b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	require.Len(t, waiting, 1, "Lever's own fields are filled from the profile: only the employer's question waits")
	require.Equal(t, "what draws you to globex", waiting[0].Key)
	require.Equal(t, domain.CategoryGeneral, waiting[0].Category)

	stored, err := b.db.GetJob(ctx, b.user.ID, job[0])
	require.NoError(t, err)
	require.NotNil(t, stored.Form, "the read is stored on the job")
	require.Equal(t, leverFields(), stored.Form.Questions)
	require.Equal(t, domain.FormHash(leverFields()), stored.Form.Hash)
	require.WithinDuration(t, now.Now(), stored.Form.ReadAt, time.Millisecond, "read at the service's clock")
	require.Nil(t, stored.Questions, "the board's own questions stay unknown")

	// Answered on the questions page, the task is prepared with the exact
	// form, which its approval shows.
	res, err := svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: waiting[0].Key, Value: "The engines."}, domain.UserActor(b.user.ID))
	require.NoError(t, err)
	require.Equal(t, 1, res.Resumed)
	work(t, b, svc, id)
	require.Equal(t, domain.StateAwaitingApproval, mustTask(t, b, id).State, mustTask(t, b, id).LastError)
	require.Equal(t, 1, reader.calls(), "the fresh read serves the task again")
	packet := approvalPacket(t, b, id)
	require.Equal(t, "browser", packet.Applier)
	form := packet.Form
	require.NotNil(t, form, "the packet carries the discovered form")
	require.Len(t, form.Fields, len(leverFields()))
	for field, want := range map[string]struct {
		value  string
		source domain.FormSource
	}{
		"name": {"Test Applicant", domain.SourceProfile}, "email": {b.user.Email, domain.SourceProfile},
		"phone": {"+1 555 0100", domain.SourceProfile}, "cards[a1][field0]": {"The engines.", domain.SourceLibrary},
	} {
		require.Equal(t, want.value, form.Field(field).Value, field)
		require.Equal(t, want.source, form.Field(field).Source, field)
	}
	require.True(t, form.Field("comments").Empty(), "optional, and the run has no cover letter")

	// Another run's task for the job while the read is fresh: not read again.
	now.Add(5 * time.Hour)
	id2 := taskstest.MustAdd(t, b.db, b.user, runs[1], job).Queued[0].TaskID
	work(t, b, svc, id2)
	require.Equal(t, domain.StateAwaitingApproval, mustTask(t, b, id2).State, mustTask(t, b, id2).LastError)
	require.Equal(t, 1, reader.calls(), "fresh: not read again")
	require.Equal(t, "The engines.", approvalPacket(t, b, id2).Form.Field("cards[a1][field0]").Value)

	// Past FormMaxAge, the next task reads the form again.
	now.Add(time.Hour + time.Minute)
	id3 := taskstest.MustAdd(t, b.db, b.user, runs[2], job).Queued[0].TaskID
	work(t, b, svc, id3)
	require.Equal(t, 2, reader.calls(), "stale: read again")
	require.Equal(t, domain.StateAwaitingApproval, mustTask(t, b, id3).State, mustTask(t, b, id3).LastError)
	stored, err = b.db.GetJob(ctx, b.user.ID, job[0])
	require.NoError(t, err)
	require.WithinDuration(t, now.Now(), stored.Form.ReadAt, time.Millisecond, "the new read replaced the old")
	noSubmission(t, b)
}

// approvalPacket is the packet the task's approval request holds.
func approvalPacket(t *testing.T, b *bundle, taskID domain.ID) *domain.Packet {
	t.Helper()
	a, err := b.db.ApprovalLatestForTask(context.Background(), taskID)
	require.NoError(t, err)
	require.NotNil(t, a)
	var p domain.Packet
	require.NoError(t, json.Unmarshal(a.Packet, &p))
	return &p
}

// TestReadForm_NeedsUserPausesWithTheEvidence: a form the browser cannot
// read without a person (a posed CAPTCHA) pauses the task needs_user with
// the reader's words, keeps its screenshot with the task, and notices the
// user; nothing is sent, and the job keeps no form.
func TestReadForm_NeedsUserPausesWithTheEvidence(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	blobs, err := blob.Open(ctx, "mem://")
	require.NoError(t, err)
	shot := domain.Evidence{Kind: domain.EvidenceNeedsUser, ContentType: "image/png", Data: []byte("\x89PNG an image grid")}
	reader := &formReader{ReadFormFunc: func(context.Context, domain.FormTarget) (*domain.DiscoveredForm, error) {
		return nil, &domain.NeedsUserError{Why: "the form shows a posed challenge (an image grid)", Messages: []string{"Select all images with buses"},
			Evidence: []domain.Evidence{shot}}
	}}
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor, Evidence: blobs})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	onBoard(t, b, domain.PlatformAshby, "initech", job...)
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID

	next, err := prepare(t, b, svc, id)
	require.NoError(t, err, "settled: nothing for River to retry")
	require.Nil(t, next.Submit)
	task := mustTask(t, b, id)
	require.Equal(t, domain.StatePaused, task.State)
	require.Equal(t, domain.ReasonNeedsUser, task.StateReason)
	require.Contains(t, task.LastError, "a posed challenge (an image grid)")
	require.Contains(t, task.LastError, "Select all images with buses")
	require.Equal(t, 1, reader.calls())

	ev, err := b.db.Evidence(ctx, b.user.ID, id)
	require.NoError(t, err)
	require.Len(t, ev, 1)
	require.Equal(t, domain.EvidenceNeedsUser, ev[0].Kind, "the kind the reader gave")
	require.Equal(t, "browser", ev[0].Applier)
	r, err := blobs.Get(ctx, ev[0].BlobKey)
	require.NoError(t, err)
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, shot.Data, data)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE kind = 'needs_you' AND task_id = $1`, id))
	noSubmission(t, b)
	stored, err := b.db.GetJob(ctx, b.user.ID, job[0])
	require.NoError(t, err)
	require.Nil(t, stored.Form)
}

// TestReadForm_ATransientFailureIsRetried: a read that fails for a reason
// a later try may not meet (the browser crashed) puts the task back to
// queued, counting the attempt, for River to retry; nothing is sent. The
// next try reads the form and goes on.
func TestReadForm_ATransientFailureIsRetried(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	var fail sync.Mutex
	failing := true
	reader := &formReader{ReadFormFunc: func(context.Context, domain.FormTarget) (*domain.DiscoveredForm, error) {
		fail.Lock()
		defer fail.Unlock()
		if failing {
			return nil, errors.New("chromium exited while loading the form")
		}
		return &domain.DiscoveredForm{Questions: leverFields()[1:3]}, nil
	}}
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	onBoard(t, b, domain.PlatformLever, "globex", job...)
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID

	_, err := prepare(t, b, svc, id)
	require.ErrorContains(t, err, "chromium exited while loading the form", "River retries the job")
	var snooze *river.JobSnoozeError
	require.False(t, errors.As(err, &snooze))
	task := mustTask(t, b, id)
	require.Equal(t, domain.StateQueued, task.State)
	require.Equal(t, domain.ReasonRetry, task.StateReason)
	require.Equal(t, 1, task.Attempts, "the attempt counts")
	require.Contains(t, task.LastError, "reading the hosted form: chromium exited")
	noSubmission(t, b)

	fail.Lock()
	failing = false
	fail.Unlock()
	next := work(t, b, svc, id)
	require.NotNil(t, next.Submit, "the next try reads the form and goes on")
	require.Equal(t, 2, reader.calls())
	require.Equal(t, "Test Applicant", next.Submit.Packet.Form.Field("name").Value)
}

// TestReadForm_AFailedReadUsesAFreshReadStoredMeanwhile: when another
// worker stored a fresh read of the same job while this one failed, the
// task goes on with that read instead of stopping.
func TestReadForm_AFailedReadUsesAFreshReadStoredMeanwhile(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	onBoard(t, b, domain.PlatformLever, "globex", job...)
	reader := &formReader{ReadFormFunc: func(context.Context, domain.FormTarget) (*domain.DiscoveredForm, error) {
		// Another worker's read of the same job commits first.
		qs := leverFields()[1:3]
		if err := b.db.JobPostingSetForm(ctx, b.user.ID, job[0], &domain.DiscoveredForm{Questions: qs, Hash: domain.FormHash(qs), ReadAt: time.Now()}); err != nil {
			return nil, err
		}
		return nil, &domain.NeedsUserError{Why: "a login wall"}
	}}
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor})
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID
	next := work(t, b, svc, id)
	require.NotNil(t, next.Submit, mustTask(t, b, id).LastError)
	require.Equal(t, []string{"name", "email"}, []string{next.Submit.Packet.Form.Fields[0].Field, next.Submit.Packet.Form.Fields[1].Field})
}

// TestReadForm_ThrottledWaitsQueuedAndSnoozed: a platform that refuses
// to show the form as too many (domain.ErrThrottled) holds the task in
// queued (platform_pacing) with its job snoozed until the platform's
// window ends, and spends that window for every worker; nothing is sent
// and no attempt is used up by River.
func TestReadForm_ThrottledWaitsQueuedAndSnoozed(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	reader := &formReader{ReadFormFunc: func(context.Context, domain.FormTarget) (*domain.DiscoveredForm, error) {
		return nil, fmt.Errorf("lever answered 429: %w", domain.ErrThrottled)
	}}
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor, Pace: func(p *domain.Packet) []domain.RateLimit {
		return []domain.RateLimit{{Key: domain.PlatformRateKey(p.Platform), Limit: 5, Window: time.Minute},
			{Key: domain.EmployerRateKey(p.Platform, p.Board), Limit: 5, Window: time.Hour}}
	}})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	onBoard(t, b, domain.PlatformLever, "globex", job...)
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID

	_, err := prepare(t, b, svc, id)
	var snooze *river.JobSnoozeError
	require.ErrorAs(t, err, &snooze)
	require.Positive(t, snooze.Duration)
	require.LessOrEqual(t, snooze.Duration, 72*time.Second, "until the platform's minute ends, jittered")
	task := mustTask(t, b, id)
	require.Equal(t, domain.StateQueued, task.State)
	require.Equal(t, domain.ReasonPlatformPacing, task.StateReason)
	require.Contains(t, task.LastError, "reading the lever form: lever answered 429")
	noSubmission(t, b)
	var spent int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count FROM rate_limits WHERE key = 'apply:lever' ORDER BY window_start DESC LIMIT 1`).Scan(&spent))
	require.Equal(t, 5, spent, "the platform's window is spent for every worker")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM rate_limits WHERE key = 'apply:lever:globex'`), "not the employer's")

	// Without pacing, the task waits a minute (jittered).
	plain := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor})
	_, err = prepare(t, b, plain, id)
	require.ErrorAs(t, err, &snooze)
	require.GreaterOrEqual(t, snooze.Duration, time.Minute)
	require.LessOrEqual(t, snooze.Duration, 72*time.Second)
}

// TestReadForm_PublishedQuestionsFirstThenTheDiscoveredExtra: a
// Greenhouse posting publishes its questions; a field its hosted form
// shows beyond them is asked too, after them, and both are in the packet.
func TestReadForm_PublishedQuestionsFirstThenTheDiscoveredExtra(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	published := []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "question_1", Label: "Why Acme?", Kind: domain.QuestionTextarea, Required: true, Section: domain.SectionCustom},
	}
	reader := readsAs([]domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "first_name"},
		{Field: "question_9", Label: "Which office would you work from?", Kind: domain.QuestionSingleSelect, Required: true, Section: domain.SectionCustom,
			Options: []domain.QuestionOption{{Label: "Berlin", Value: "11"}, {Label: "London", Value: "12"}}},
		{Field: "question_1", Label: "Why Acme?", Kind: domain.QuestionTextarea, Required: true, Section: domain.SectionCustom},
	})
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	onBoard(t, b, domain.PlatformGreenhouse, "acme", job...)
	withForm(t, b, published, job...)
	answer(t, b, map[string]string{"Why Acme?": "Rockets."})
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID

	work(t, b, svc, id)
	require.Equal(t, domain.ReasonNeedsAnswer, mustTask(t, b, id).StateReason)
	waiting, err := b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	require.Len(t, waiting, 1, "the published questions are answered; the discovered one waits")
	require.Equal(t, "which office would you work from", waiting[0].Key)
	_, err = svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: waiting[0].Key, Value: "London"}, domain.UserActor(b.user.ID))
	require.NoError(t, err)

	next := work(t, b, svc, id)
	require.NotNil(t, next.Submit, mustTask(t, b, id).LastError)
	var fields []string
	for _, f := range next.Submit.Packet.Form.Fields {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"first_name", "question_1", "question_9"}, fields, "published first, then the discovered extra")
	require.Equal(t, "Ada", next.Submit.Packet.Form.Field("first_name").Value)
	require.Equal(t, "Rockets.", next.Submit.Packet.Form.Field("question_1").Value)
	require.Equal(t, "12", next.Submit.Packet.Form.Field("question_9").Value)
	require.Equal(t, 1, reader.calls())
}

// TestReadForm_DiscoveredWorkAuthorizationIsNeverFilledFromASimilarAnswer:
// a discovered question about the right to work is a work_authorization
// question: the user's answer for the UK does not fill the US one, which
// waits for the user's own answer.
func TestReadForm_DiscoveredWorkAuthorizationIsNeverFilledFromASimilarAnswer(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	answer(t, b, map[string]string{"Are you legally authorized to work in the UK?": "Yes"})
	reader := readsAs(append(leverFields()[1:3], domain.Question{Field: "cards[b2][field0]", Label: "Are you legally authorized to work in the US?",
		Kind: domain.QuestionSingleSelect, Required: true, Section: domain.SectionCustom,
		Options: []domain.QuestionOption{{Label: "Yes", Value: "Yes"}, {Label: "No", Value: "No"}}}))
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	onBoard(t, b, domain.PlatformLever, "globex", job...)
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID

	work(t, b, svc, id)
	require.Equal(t, domain.ReasonNeedsAnswer, mustTask(t, b, id).StateReason)
	waiting, err := b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	require.Len(t, waiting, 1)
	require.Equal(t, "are you legally authorized to work in the us", waiting[0].Key)
	require.Equal(t, domain.CategoryWorkAuthorization, waiting[0].Category)
}

// TestReadForm_OnlyWhereTheBrowserApplies: a form is never read for a
// posting another applier submits, for one whose board applyq does not
// know (a pasted link), or when no reader is configured.
func TestReadForm_OnlyWhereTheBrowserApplies(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	reader := readsAs(leverFields())
	jobs := pgtest.MustJobs(t, b.db, b.user, 3)
	onBoard(t, b, domain.PlatformRecruitee, "acme", jobs[0])
	onBoard(t, b, domain.PlatformLever, "globex", jobs[2])
	for i, o := range []tasks.Options{
		{Forms: reader, ApplierFor: browserFor},                                        // Recruitee: its API applier
		{Forms: reader, ApplierFor: browserFor},                                        // a pasted link: no board
		{Forms: reader, ApplierFor: func(domain.Platform) string { return "webhook" }}, // Lever through the webhook
		{ApplierFor: browserFor},                                                       // Lever without a reader
	} {
		run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
		id := taskstest.MustAdd(t, b.db, b.user, run, jobs[min(i, 2):min(i, 2)+1]).Queued[0].TaskID
		next := work(t, b, taskstest.MustService(t, b.db, o), id)
		require.NotNil(t, next.Submit, "case %d: %s", i, mustTask(t, b, id).LastError)
		require.Nil(t, next.Submit.Packet.Form, "case %d: no form known", i)
		_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state = 'cancelled' WHERE id = $1`, id)
		require.NoError(t, err) // the job may be applied to again by the next case
	}
	require.Zero(t, reader.calls(), "never read")
}

// TestReadForm_OneReadServesEveryApplicantOfThePosting: a hosted form is
// one public page for every applicant: one user's read of a posting serves
// another user's job of the same posting while it is fresh (stored on that
// job too), and a stale one is read again. Nothing of one user's answers
// reaches the other: the read holds the form's fields only.
func TestReadForm_OneReadServesEveryApplicantOfThePosting(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	now := newClock()
	reader := readsAs(leverFields())
	svc := taskstest.MustService(t, b.db, tasks.Options{Forms: reader, ApplierFor: browserFor, Now: now.Now, FormMaxAge: 6 * time.Hour})
	other := &bundle{db: b.db, svc: svc, user: pgtest.MustUser(t, b.db, pgtest.UserOpts{})}
	third := &bundle{db: b.db, svc: svc, user: pgtest.MustUser(t, b.db, pgtest.UserOpts{})}
	var tasksOf []domain.ID
	for _, u := range []*bundle{b, other, third} {
		job := pgtest.MustJobs(t, b.db, u.user, 1)
		_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET canonical_key = 'lever:globex:posting-1' WHERE id = $1`, job[0])
		require.NoError(t, err)
		run := pgtest.MustRun(t, b.db, u.user, pgtest.RunOpts{RequiresApproval: true})
		tasksOf = append(tasksOf, taskstest.MustAdd(t, b.db, u.user, run, job).Queued[0].TaskID)
	}

	work(t, b, svc, tasksOf[0])
	require.Equal(t, 1, reader.calls())
	now.Add(5 * time.Hour)
	work(t, other, svc, tasksOf[1])
	require.Equal(t, 1, reader.calls(), "the first applicant's fresh read serves the second")
	require.Equal(t, domain.ReasonNeedsAnswer, mustTask(t, other, tasksOf[1]).StateReason, "the second's form asks the employer's question")
	stored, err := b.db.GetJob(ctx, other.user.ID, mustTask(t, other, tasksOf[1]).JobID)
	require.NoError(t, err)
	require.NotNil(t, stored.Form, "stored on the second applicant's job too")
	require.Equal(t, domain.FormHash(leverFields()), stored.Form.Hash)

	now.Add(2 * time.Hour)
	work(t, third, svc, tasksOf[2])
	require.Equal(t, 2, reader.calls(), "a stale read is read again")
}
