package tasks_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// fakeBoard is a Greenhouse board whose listing a test sets; it records
// the validators each fetch was given.
type fakeBoard struct {
	mu      sync.Mutex
	snap    *domain.BoardSnapshot
	err     error
	fetches int
	prevs   []domain.BoardValidators
	// reading, when set, is told when a fetch starts, which then waits
	// for release.
	reading chan struct{}
	release chan struct{}
}

func (f *fakeBoard) Platform() domain.Platform { return domain.PlatformGreenhouse }

func (f *fakeBoard) Fetch(_ context.Context, _ string, prev domain.BoardValidators) (*domain.BoardSnapshot, error) {
	if f.reading != nil {
		f.reading <- struct{}{}
		<-f.release
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	f.prevs = append(f.prevs, prev)
	if f.err != nil {
		return nil, f.err
	}
	cp := *f.snap
	return &cp, nil
}

func (f *fakeBoard) set(snap *domain.BoardSnapshot, err error) {
	f.mu.Lock()
	f.snap, f.err = snap, err
	f.mu.Unlock()
}

func (f *fakeBoard) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches
}

// posting is a board posting with id n; with questions when asked.
func posting(n int, title string, questions bool) domain.BoardPosting {
	p := domain.BoardPosting{ExternalID: fmt.Sprint(4000 + n), Title: title, Location: "Berlin", Department: "Engineering",
		Description: "Build things.", URL: fmt.Sprintf("https://boards.greenhouse.io/acme/jobs/%d", 4000+n), Compensation: "EUR 70,000 – 90,000 per year"}
	if questions {
		p.Questions = []domain.Question{
			{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
			{Field: "question_1", Label: "Do you need a visa?", Kind: domain.QuestionSingleSelect, Required: true, Section: domain.SectionCompliance,
				Options: []domain.QuestionOption{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}},
		}
	}
	return p
}

func listing(ps ...domain.BoardPosting) *domain.BoardSnapshot {
	return &domain.BoardSnapshot{Postings: ps, Validators: domain.BoardValidators{ETag: fmt.Sprintf(`"v%d"`, len(ps))}}
}

type sourceBundle struct {
	*bundle
	board *fakeBoard
}

func setupSources(t *testing.T) *sourceBundle {
	t.Helper()
	b := setup(t)
	board := &fakeBoard{snap: listing()}
	b.svc = taskstest.MustService(t, b.db, tasks.Options{Boards: map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: board}})
	return &sourceBundle{bundle: b, board: board}
}

func (b *sourceBundle) addSource(t *testing.T, in domain.SourceCreate) *domain.Source {
	t.Helper()
	if in.URL == "" && in.Board == "" {
		in.URL = "https://boards.greenhouse.io/acme"
	}
	src, err := b.svc.AddSource(context.Background(), b.user.ID, in)
	require.NoError(t, err)
	return src
}

func (b *sourceBundle) sync(t *testing.T, src *domain.Source) {
	t.Helper()
	require.NoError(t, b.svc.SyncSource(context.Background(), syncJob(src.ID, 0)))
}

// syncJob is the River job of a sync of source: the running job id, or a
// job River does not know (0).
func syncJob(source domain.ID, id int64) tasks.SyncJob {
	row := &rivertype.JobRow{ID: id}
	if id != 0 {
		row.State = rivertype.JobStateRunning
	}
	return &river.Job[tasks.SyncSourceArgs]{JobRow: row, Args: tasks.SyncSourceArgs{SourceID: source}}
}

func (b *sourceBundle) source(t *testing.T, src *domain.Source) *domain.Source {
	t.Helper()
	got, err := b.db.SourceGet(context.Background(), b.user.ID, src.ID)
	require.NoError(t, err)
	return got
}

func (b *sourceBundle) jobByExternal(t *testing.T, externalID string) *domain.JobPosting {
	t.Helper()
	var id domain.ID
	require.NoError(t, b.db.Pool.QueryRow(context.Background(),
		`SELECT id FROM job_postings WHERE user_id = $1 AND platform_posting_id = $2`, b.user.ID, externalID).Scan(&id))
	j, err := b.db.GetJob(context.Background(), b.user.ID, id)
	require.NoError(t, err)
	return j
}

func TestSyncSource_StoresTheMatchingPostingsWithTheirQuestions(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	b.board.set(listing(posting(1, "Backend Engineer", true), posting(2, "Office Manager", false), posting(3, "Frontend Engineer", false)), nil)
	src := b.addSource(t, domain.SourceCreate{Name: "Acme", Filters: domain.SourceFilters{TitleKeywords: []string{"engineer"}}})
	require.Equal(t, domain.PlatformGreenhouse, src.Platform)
	require.Equal(t, "acme", src.Board)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND args->>'source_id' = $1`, src.ID.String()),
		"adding a source enqueues its first sync")

	b.sync(t, src)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM job_postings WHERE source_id = $1`, src.ID), "the office manager does not match")
	j := b.jobByExternal(t, "4001")
	require.Equal(t, "Backend Engineer", j.Title)
	require.Equal(t, "Acme", j.Company)
	require.Equal(t, domain.PlatformGreenhouse, j.Platform)
	require.Equal(t, "Engineering", j.Department)
	require.Equal(t, "EUR 70,000 – 90,000 per year", j.Compensation)
	require.Equal(t, "greenhouse:acme:4001", j.CanonicalKey)
	require.Len(t, j.Questions, 2)
	require.Equal(t, domain.QuestionSingleSelect, j.Questions[1].Kind)
	require.Equal(t, []domain.QuestionOption{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}, j.Questions[1].Options)
	require.Nil(t, b.jobByExternal(t, "4003").Questions, "no questions published: null, not empty")
	require.Nil(t, j.ClosedAt)

	got := b.source(t, src)
	require.Equal(t, 2, got.PostingsOpen)
	require.NotNil(t, got.LastSyncedAt)
	require.Empty(t, got.LastError)
	require.Equal(t, `"v3"`, got.Validators.ETag)
	require.True(t, got.NextSyncAt.After(time.Now().Add(5*time.Hour)), "the next sync is an interval away (6h, jittered)")

	// The next sync asks "changed since?" with what the last one read.
	b.sync(t, src)
	require.Equal(t, `"v3"`, b.board.prevs[len(b.board.prevs)-1].ETag)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM job_postings WHERE source_id = $1`, src.ID), "a second sync stores nothing twice")
}

func TestSyncSource_NewMatchesJoinTheSourcesRunOnce(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	src := b.addSource(t, domain.SourceCreate{RunID: &b.run.ID})
	b.board.set(listing(posting(1, "Engineer", false), posting(2, "Engineer II", false)), nil)
	b.sync(t, src)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'queued'`, b.run.ID))
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE actor = $1`, "source:greenhouse:"+src.ID.String()),
		"the timeline says the source added them")

	b.sync(t, src)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1`, b.run.ID), "known postings are not added again")

	b.board.set(listing(posting(1, "Engineer", false), posting(2, "Engineer II", false), posting(3, "Engineer III", false)), nil)
	b.sync(t, src)
	require.Equal(t, 3, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1`, b.run.ID), "a new posting joins the run")

	// A cancelled run takes nothing more; the sync still stores the posting.
	_, _, err := b.svc.CancelRun(context.Background(), b.user.ID, b.run.ID, "test")
	require.NoError(t, err)
	b.board.set(listing(posting(1, "Engineer", false), posting(2, "Engineer II", false), posting(3, "Engineer III", false), posting(4, "Engineer IV", false)), nil)
	b.sync(t, src)
	require.Equal(t, 4, pgtest.MustCount(t, b.db, `SELECT count(*) FROM job_postings WHERE source_id = $1`, src.ID))
	require.Equal(t, 3, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1`, b.run.ID))
}

func TestSyncSource_APostingThatDisappearsClosesAndItsUnsentTasksAreCancelled(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	src := b.addSource(t, domain.SourceCreate{RunID: &b.run.ID})
	b.board.set(listing(posting(1, "A", false), posting(2, "B", false), posting(3, "C", false), posting(4, "D", false)), nil)
	b.sync(t, src)
	taskOf := func(ext string) domain.ID {
		var id domain.ID
		require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT t.id FROM application_tasks t JOIN job_postings j ON j.id = t.job_id
			WHERE j.platform_posting_id = $1 AND t.run_id = $2`, ext, b.run.ID).Scan(&id))
		return id
	}
	queued, submitted, unknown := taskOf("4001"), taskOf("4002"), taskOf("4003")
	pgtest.MustForceState(t, b.db, submitted, domain.StateSubmitted)
	pgtest.MustForceState(t, b.db, unknown, domain.StatePaused)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state_reason = 'submission_outcome_unknown' WHERE id = $1`, unknown)
	require.NoError(t, err)

	// Only D stays on the board.
	b.board.set(listing(posting(4, "D", false)), nil)
	b.sync(t, src)
	for _, ext := range []string{"4001", "4002", "4003"} {
		require.NotNil(t, b.jobByExternal(t, ext).ClosedAt, "posting %s is closed", ext)
	}
	require.Nil(t, b.jobByExternal(t, "4004").ClosedAt)
	require.Equal(t, 1, b.source(t, src).PostingsOpen)

	task, err := b.db.TaskGet(context.Background(), b.user.ID, queued)
	require.NoError(t, err)
	require.Equal(t, domain.StateCancelled, task.State)
	require.Equal(t, string(domain.ReasonPostingClosed), string(task.StateReason))
	require.Equal(t, domain.StateSubmitted, pgtest.MustTaskState(t, b.db, submitted), "what was sent stays sent")
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, b.db, unknown), "a task that may have gone out waits for its user to check")

	// Back on the board: open again, and the cancelled task stays cancelled.
	b.board.set(listing(posting(1, "A", false), posting(4, "D", false)), nil)
	b.sync(t, src)
	require.Nil(t, b.jobByExternal(t, "4001").ClosedAt)
	require.Equal(t, domain.StateCancelled, pgtest.MustTaskState(t, b.db, queued))
}

func TestClaim_ATaskOfAClosedPostingIsCancelledNeverSubmitted(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	src := b.addSource(t, domain.SourceCreate{})
	b.board.set(listing(posting(1, "A", false), posting(2, "B", false)), nil)
	b.sync(t, src)
	b.board.set(listing(posting(2, "B", false)), nil)
	b.sync(t, src)
	closed, open := b.jobByExternal(t, "4001"), b.jobByExternal(t, "4002")
	require.NotNil(t, closed.ClosedAt)

	// Added after it closed (by hand): the claim, the last gate before
	// submitting, cancels it.
	res := taskstest.MustAdd(t, b.db, b.user, b.run, []domain.ID{closed.ID, open.ID})
	// One batch takes both (the open one first, while the closed one's
	// claim queues behind it).
	nexts, errs := claimAll(t, b.bundle, b.svc, []domain.ID{res.Queued[1].TaskID, res.Queued[0].TaskID})
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.NotNil(t, nexts[0].Submit, "the open posting's task is submitted")
	require.Nil(t, nexts[1].Submit)
	task, err := b.db.TaskGet(context.Background(), b.user.ID, res.Queued[0].TaskID)
	require.NoError(t, err)
	require.Equal(t, domain.StateCancelled, task.State)
	require.Equal(t, string(domain.ReasonPostingClosed), string(task.StateReason))
}

func TestSyncSource_APastedLinkAndTheSyncedPostingAreOneJob(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	out, err := b.svc.IngestJobs(context.Background(), b.user.ID, []domain.JobInput{{URL: "https://boards.greenhouse.io/acme/jobs/4001?gh_src=li",
		Company: "Acme Inc.", Title: "Engineer (pasted)"}})
	require.NoError(t, err)
	require.NoError(t, out[0].Error)
	pasted := out[0].Job.ID
	res := taskstest.MustAdd(t, b.db, b.user, b.run, []domain.ID{pasted})
	pgtest.MustForceState(t, b.db, res.Queued[0].TaskID, domain.StateSubmitted)

	run2 := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	src := b.addSource(t, domain.SourceCreate{RunID: &run2.ID})
	b.board.set(listing(posting(1, "Engineer", true)), nil)
	b.sync(t, src)

	j := b.jobByExternal(t, "4001")
	require.Equal(t, pasted, j.ID, "the canonical key makes them one job")
	require.Equal(t, "Acme Inc.", j.Company, "what the user gave is kept")
	require.Len(t, j.Questions, 2, "the board's details are added")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM job_postings WHERE user_id = $1`, b.user.ID))
	require.Equal(t, 0, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1`, run2.ID),
		"a job applied to is not a new match: never twice")
}

func TestSyncSource_ABoardThatDoesNotExistBreaksTheSourceUntilItsUserFixesIt(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	ctx := context.Background()
	src := b.addSource(t, domain.SourceCreate{})
	b.board.set(nil, fmt.Errorf("greenhouse: board acme: %w", domain.ErrBoardNotFound))
	b.sync(t, src) // no error: nothing for River to retry

	got := b.source(t, src)
	require.Equal(t, domain.SourceBroken, got.Status)
	require.Contains(t, got.StatusReason, "does not exist")
	require.Contains(t, got.StatusReason, `"acme"`)

	b.sync(t, src)
	require.Equal(t, 1, b.board.count(), "a broken source is not fetched again")
	_, err := b.svc.SyncSourceNow(ctx, b.user.ID, src.ID)
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err))
	n, err := b.svc.ScheduleDueSyncs(ctx, 100)
	require.NoError(t, err)
	require.Zero(t, n, "the scheduler skips a broken source")

	// The user fixes the board and sets the source active: it syncs again.
	b.board.set(listing(posting(1, "Engineer", false)), nil)
	active := domain.SourceActive
	got, err = b.svc.UpdateSource(ctx, b.user.ID, src.ID, domain.SourceUpdate{Status: &active})
	require.NoError(t, err)
	require.Equal(t, domain.SourceActive, got.Status)
	require.Empty(t, got.StatusReason)
	b.sync(t, src)
	require.Equal(t, 1, b.source(t, src).PostingsOpen)
}

func TestSyncSource_AFailedReadNeverClosesPostings(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	src := b.addSource(t, domain.SourceCreate{})
	b.board.set(listing(posting(1, "A", false), posting(2, "B", false)), nil)
	b.sync(t, src)

	for _, tc := range []struct {
		name      string
		err       error
		wantRetry bool
		snooze    time.Duration
	}{
		{"429 with Retry-After", &domain.BoardUnavailableError{Platform: domain.PlatformGreenhouse, Status: 429, RetryAfter: 90 * time.Second}, true, 90 * time.Second},
		{"503", &domain.BoardUnavailableError{Platform: domain.PlatformGreenhouse, Status: 503}, true, 0},
		{"malformed answer", domain.Errorf(domain.EINVALID, "greenhouse: the board's answer is not JSON"), false, 0},
	} {
		b.board.set(nil, tc.err)
		err := b.svc.SyncSource(context.Background(), syncJob(src.ID, 0))
		var snooze *river.JobSnoozeError
		switch {
		case tc.snooze > 0:
			require.ErrorAs(t, err, &snooze, tc.name)
			require.Equal(t, tc.snooze, snooze.Duration, tc.name)
		case tc.wantRetry:
			require.ErrorIs(t, err, domain.ErrBoardUnavailable, "%s: River retries it with backoff", tc.name)
			require.False(t, errors.As(err, &snooze), tc.name)
		default:
			require.NoError(t, err, "%s: not retried at once; the next sync tries again", tc.name)
		}
		got := b.source(t, src)
		require.Equal(t, domain.SourceActive, got.Status, tc.name)
		require.NotEmpty(t, got.LastError, tc.name)
		require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM job_postings WHERE source_id = $1 AND closed_at IS NULL`, src.ID),
			"%s: the postings stay open", tc.name)
	}

	// "Not modified" keeps them too, and clears the error.
	b.board.set(&domain.BoardSnapshot{NotModified: true, Validators: domain.BoardValidators{ETag: `"v2"`}}, nil)
	b.sync(t, src)
	got := b.source(t, src)
	require.Empty(t, got.LastError)
	require.Equal(t, 2, got.PostingsOpen)
}

func TestScheduleDueSyncs_EnqueuesEachDueActiveSourceOnce(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	ctx := context.Background()
	due := b.addSource(t, domain.SourceCreate{})
	paused := b.addSource(t, domain.SourceCreate{URL: "https://boards.greenhouse.io/globex"})
	st := domain.SourcePaused
	_, err := b.svc.UpdateSource(ctx, b.user.ID, paused.ID, domain.SourceUpdate{Status: &st})
	require.NoError(t, err)
	// Their first syncs ran.
	_, err = b.db.Pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'sync_source'`)
	require.NoError(t, err)

	n, err := b.svc.ScheduleDueSyncs(ctx, 100)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the paused source is not due")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND args->>'source_id' = $1`, due.ID.String()))
	n, err = b.svc.ScheduleDueSyncs(ctx, 100)
	require.NoError(t, err)
	require.Zero(t, n, "its next sync is an interval away")

	// Syncing now while a sync waits adds none (one pending per source).
	_, err = b.svc.SyncSourceNow(ctx, b.user.ID, due.ID)
	require.NoError(t, err)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND args->>'source_id' = $1`, due.ID.String()))
}

func TestAddSource_RefusesWhatItCannotFollow(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	ctx := context.Background()
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	otherRun := pgtest.MustRun(t, b.db, other, pgtest.RunOpts{})
	b.addSource(t, domain.SourceCreate{})
	for _, tc := range []struct {
		name  string
		in    domain.SourceCreate
		code  string
		field string
	}{
		{"an address applyq does not know", domain.SourceCreate{URL: "https://example.com/careers"}, domain.EINVALID, "url"},
		{"both a URL and a board", domain.SourceCreate{URL: "https://jobs.lever.co/acme", Platform: domain.PlatformLever, Board: "acme"}, domain.EINVALID, "url"},
		{"an unknown platform", domain.SourceCreate{Platform: "monster", Board: "acme"}, domain.EINVALID, "platform"},
		{"a board with a slash", domain.SourceCreate{Platform: domain.PlatformAshby, Board: "acme/jobs"}, domain.EINVALID, "board"},
		{"a sync every minute", domain.SourceCreate{Platform: domain.PlatformAshby, Board: "acme", SyncEvery: time.Minute}, domain.EINVALID, "sync_every"},
		{"another user's run", domain.SourceCreate{Platform: domain.PlatformAshby, Board: "acme", RunID: &otherRun.ID}, domain.ENOTFOUND, ""},
		{"the same board twice", domain.SourceCreate{Platform: domain.PlatformGreenhouse, Board: "acme"}, domain.EDUPLICATE, ""},
		{"the same board in capitals", domain.SourceCreate{URL: "https://boards.greenhouse.io/ACME"}, domain.EDUPLICATE, ""},
	} {
		_, err := b.svc.AddSource(ctx, b.user.ID, tc.in)
		require.Equal(t, tc.code, domain.ErrorCode(err), "%s: %v", tc.name, err)
		if tc.field != "" {
			var de *domain.Error
			require.ErrorAs(t, err, &de)
			require.Contains(t, de.Details["fields"], tc.field, tc.name)
		}
	}
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sources WHERE user_id = $1`, b.user.ID), "nothing half-written")
}

// TestSyncSourceNow_WhileASyncRunsItRunsAgain: a sync asked for while one
// runs (which may have read the board before the user asked) is not lost:
// River keeps one job per source, so the running one runs again; a sync
// nobody asked again for completes its job with what it wrote.
func TestSyncSourceNow_WhileASyncRunsItRunsAgain(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	ctx := context.Background()
	src := b.addSource(t, domain.SourceCreate{})
	var jobID int64
	require.NoError(t, b.db.Pool.QueryRow(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now()
		WHERE kind = 'sync_source' RETURNING id`).Scan(&jobID))
	jobState := func() string {
		var st string
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT state FROM river_job WHERE id = $1`, jobID).Scan(&st))
		return st
	}

	b.board.set(listing(posting(1, "Engineer", false)), nil)
	b.board.reading, b.board.release = make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- b.svc.SyncSource(ctx, syncJob(src.ID, jobID)) }()
	<-b.board.reading                                     // the sync read the board …
	_, err := b.svc.SyncSourceNow(ctx, b.user.ID, src.ID) // … then the user asked
	require.NoError(t, err)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source'`), "one job per source")
	close(b.board.release)
	err = <-done
	var snooze *river.JobSnoozeError
	require.ErrorAs(t, err, &snooze, "the running sync runs again")
	require.Equal(t, "running", jobState(), "its job is River's to snooze, not completed")
	require.False(t, b.source(t, src).SyncAgain)
	require.Equal(t, 1, b.source(t, src).PostingsOpen, "what it read is applied")

	// Run again with nobody asking: it completes its job in its transaction.
	b.board.reading = nil
	require.NoError(t, b.svc.SyncSource(ctx, syncJob(src.ID, jobID)))
	require.Equal(t, "completed", jobState())

	// Paused, it cannot be synced now; resumed, it syncs at once.
	paused := domain.SourcePaused
	_, err = b.svc.UpdateSource(ctx, b.user.ID, src.ID, domain.SourceUpdate{Status: &paused})
	require.NoError(t, err)
	_, err = b.svc.SyncSourceNow(ctx, b.user.ID, src.ID)
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err))
	active := domain.SourceActive
	_, err = b.svc.UpdateSource(ctx, b.user.ID, src.ID, domain.SourceUpdate{Status: &active})
	require.NoError(t, err)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND state = 'available'`))
}

// TestSyncSourceNow_AfterAFailedSyncIsNotLost: a sync that fails (an answer
// it cannot read) completes its job in the transaction that records the
// failure, so a "sync now" right after gets a job of its own instead of
// being skipped as a duplicate of a job about to complete; one asked for
// while the failing sync ran makes it run again.
func TestSyncSourceNow_AfterAFailedSyncIsNotLost(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	ctx := context.Background()
	src := b.addSource(t, domain.SourceCreate{})
	running := func() int64 {
		var id int64
		require.NoError(t, b.db.Pool.QueryRow(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now()
			WHERE kind = 'sync_source' AND state = 'available' RETURNING id`).Scan(&id))
		return id
	}
	jobState := func(id int64) string {
		var st string
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT state FROM river_job WHERE id = $1`, id).Scan(&st))
		return st
	}
	unreadable := domain.Errorf(domain.EINVALID, "greenhouse: the jobs list could not be read")
	b.board.set(nil, unreadable)

	jobID := running()
	require.NoError(t, b.svc.SyncSource(ctx, syncJob(src.ID, jobID)))
	require.Equal(t, "completed", jobState(jobID), "the failure completed its job with it")
	require.Contains(t, b.source(t, src).LastError, "could not be read")
	_, err := b.svc.SyncSourceNow(ctx, b.user.ID, src.ID)
	require.NoError(t, err)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND state = 'available'`),
		"the sync asked for after the failure has a job")

	// Asked for while the failing sync runs: it runs again.
	jobID = running()
	b.board.reading, b.board.release = make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- b.svc.SyncSource(ctx, syncJob(src.ID, jobID)) }()
	<-b.board.reading
	_, err = b.svc.SyncSourceNow(ctx, b.user.ID, src.ID)
	require.NoError(t, err)
	close(b.board.release)
	var snooze *river.JobSnoozeError
	require.ErrorAs(t, <-done, &snooze)
	require.Equal(t, "running", jobState(jobID), "River's to snooze")
	require.False(t, b.source(t, src).SyncAgain)
}

// TestSyncSource_ARedirectOffThePlatformBreaksTheSource: a board that
// redirects off its platform's hosts breaks the source, saying why; it is
// not synced again by itself and nothing is closed.
func TestSyncSource_ARedirectOffThePlatformBreaksTheSource(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	src := b.addSource(t, domain.SourceCreate{})
	b.board.set(listing(posting(1, "Engineer", false)), nil)
	b.sync(t, src)
	b.board.set(nil, fmt.Errorf("greenhouse: the jobs list: redirected to http://10.0.0.1:8080, which is not one of the platform's hosts: %w", domain.ErrBoardRedirected))
	b.sync(t, src)
	got := b.source(t, src)
	require.Equal(t, domain.SourceBroken, got.Status)
	require.Contains(t, got.StatusReason, "redirect")
	require.Contains(t, got.StatusReason, "10.0.0.1:8080")
	require.Equal(t, 1, got.PostingsOpen, "nothing closed")
}
