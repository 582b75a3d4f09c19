package tasks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sources"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// stageOf reads a job's stage as the API and the dashboard see it.
func stageOf(t *testing.T, b *bundle, id domain.ID) domain.Stage {
	t.Helper()
	j, err := b.db.GetJob(context.Background(), b.user.ID, id)
	require.NoError(t, err)
	return j.Stage
}

// Each derived stage comes from the job's tasks: none (or only cancelled
// ones) is new; queued, in progress or approved is in a run; awaiting
// approval, paused or failed waits on the person; submitting or
// submitted is applied, whatever other runs hold.
func TestJobStage_DerivedFromItsTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	jobs := pgtest.MustJobs(t, b.db, b.user, 9)
	other := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	res := taskstest.MustAdd(t, b.db, b.user, b.run, jobs[1:])
	states := []domain.State{domain.StateQueued, domain.StateApproved, domain.StateAwaitingApproval, domain.StatePaused,
		domain.StateFailed, domain.StateSubmitted, domain.StateSubmitting, domain.StateCancelled}
	for i, st := range states {
		pgtest.MustForceState(t, b.db, res.Queued[i].TaskID, st)
	}
	want := []domain.Stage{domain.StageNew, domain.StageInRun, domain.StageInRun, domain.StageWaiting, domain.StageWaiting,
		domain.StageWaiting, domain.StageApplied, domain.StageApplied, domain.StageNew}
	for i, id := range jobs {
		require.Equal(t, want[i], stageOf(t, b, id), "job %d", i)
	}
	// Applied elsewhere wins over waiting here.
	more := taskstest.MustAdd(t, b.db, b.user, other, []domain.ID{jobs[4]})
	pgtest.MustForceState(t, b.db, more.Queued[0].TaskID, domain.StateSubmitted)
	require.Equal(t, domain.StageApplied, stageOf(t, b, jobs[4]))
}

// The person's stage overrides the derived one until cleared; only their
// own stages can be set.
func TestSetJobStage_OverridesAndClears(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	job := pgtest.MustJobs(t, b.db, b.user, 1)[0]
	res := taskstest.MustAdd(t, b.db, b.user, b.run, []domain.ID{job})
	pgtest.MustForceState(t, b.db, res.Queued[0].TaskID, domain.StateSubmitted)

	st := domain.StageInterviewing
	j, err := b.svc.SetJobStage(ctx, b.user.ID, job, &st)
	require.NoError(t, err)
	require.Equal(t, domain.StageInterviewing, j.Stage)
	require.NotNil(t, j.PersonStageAt)
	require.Equal(t, domain.StageInterviewing, stageOf(t, b, job))

	j, err = b.svc.SetJobStage(ctx, b.user.ID, job, nil)
	require.NoError(t, err)
	require.Equal(t, domain.StageApplied, j.Stage, "cleared: derived again")
	require.Nil(t, j.PersonStage)

	bad := domain.StageApplied
	_, err = b.svc.SetJobStage(ctx, b.user.ID, job, &bad)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "applied is derived, never set by hand")
	require.Contains(t, domain.ErrorDetails(err)["fields"], "stage")

	stranger := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err = b.svc.SetJobStage(ctx, stranger.ID, job, &st)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
}

// The job list filters by stage and sorts by company or stage, across
// pages; a bad stage or sort names what is allowed.
func TestJobList_FiltersAndSorts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	out, err := b.svc.IngestJobs(ctx, b.user.ID, []domain.JobInput{
		{URL: "https://boards.greenhouse.io/acme/jobs/1", Company: "Initech", Title: "A"},
		{URL: "https://boards.greenhouse.io/acme/jobs/2", Company: "acme", Title: "B"},
		{URL: "https://boards.greenhouse.io/acme/jobs/3", Company: "Globex", Title: "C"},
		{URL: "https://boards.greenhouse.io/acme/jobs/4", Company: "Hooli", Title: "D"},
	})
	require.NoError(t, err)
	ids := make([]domain.ID, len(out))
	for i, o := range out {
		ids[i] = o.Job.ID
	}
	res := taskstest.MustAdd(t, b.db, b.user, b.run, ids[1:3])
	pgtest.MustForceState(t, b.db, res.Queued[1].TaskID, domain.StateSubmitted) // Globex: applied
	offer := domain.StageOffer
	_, err = b.svc.SetJobStage(ctx, b.user.ID, ids[3], &offer) // Hooli: offer

	list := func(f domain.JobFilter) []string {
		t.Helper()
		var names []string
		for {
			jobs, next, err := b.db.JobPostingList(ctx, b.user.ID, f)
			require.NoError(t, err)
			for _, j := range jobs {
				names = append(names, j.Company+":"+string(j.Stage))
			}
			if next == "" {
				return names
			}
			f.Cursor = next
		}
	}
	require.NoError(t, err)
	require.Equal(t, []string{"Hooli:offer", "Globex:applied", "acme:in_run", "Initech:new"}, list(domain.JobFilter{}), "newest first")
	require.Equal(t, []string{"acme:in_run", "Globex:applied", "Hooli:offer", "Initech:new"}, list(domain.JobFilter{Sort: domain.JobSortCompany, Limit: 1}),
		"company A–Z, case-insensitive, one per page")
	require.Equal(t, []string{"Initech:new", "acme:in_run", "Globex:applied", "Hooli:offer"}, list(domain.JobFilter{Sort: domain.JobSortStage, Limit: 3}),
		"the pipeline's order")
	require.Equal(t, []string{"Hooli:offer", "Globex:applied"}, list(domain.JobFilter{Stages: []domain.Stage{domain.StageApplied, domain.StageOffer}}))
	require.Equal(t, []string{"Globex:applied"}, list(domain.JobFilter{Company: "globex"}))

	f := domain.JobFilter{Stages: []domain.Stage{"hired"}, Sort: "salary"}
	err = f.Validate()
	fields, _ := domain.ErrorDetails(err)["fields"].(map[string]any)
	require.Contains(t, fields["stage"], "must be one of new, in_run, waiting, applied, interviewing, offer, rejected, withdrawn")
	require.Contains(t, fields["sort"], "must be one of newest, company, stage")
	_, _, err = b.db.JobPostingList(ctx, b.user.ID, domain.JobFilter{Sort: domain.JobSortCompany, Cursor: mustNextCursor(t, b)})
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "a cursor of another sort is refused")
}

// mustNextCursor is the next cursor of the newest-first list, one a page.
func mustNextCursor(t *testing.T, b *bundle) string {
	t.Helper()
	_, next, err := b.db.JobPostingList(context.Background(), b.user.ID, domain.JobFilter{Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, next)
	return next
}

// A link of no known board is stored tracked only and refused from a
// run by the service, and by the database when the service is bypassed.
func TestTrackedOnly_AcceptedAndRefusedFromRuns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	out, err := b.svc.IngestJobs(ctx, b.user.ID, []domain.JobInput{
		{URL: "https://www.linkedin.com/jobs/view/3912345678/?trk=abc"},
		{URL: "https://boards.greenhouse.io/acme/jobs/77", Company: "Acme", Title: "Engineer"},
	})
	require.NoError(t, err)
	linked, board := out[0].Job, out[1].Job
	require.Equal(t, domain.IngestCreated, out[0].Status)
	require.True(t, linked.TrackedOnly)
	require.False(t, board.TrackedOnly)
	require.Equal(t, domain.StageNew, stageOf(t, b, linked.ID))

	_, err = b.svc.AddJobs(ctx, b.user.ID, b.run.ID, []domain.ID{board.ID, linked.ID}, "test")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err))
	require.Contains(t, domain.ErrorMessage(err), "tracked only")
	require.Equal(t, []string{linked.ID.String()}, domain.ErrorDetails(err)["job_ids"])
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks`), "nothing added: the request is refused whole")

	_, err = b.db.TaskInsertMany(ctx, b.user.ID, b.run.ID, []domain.ID{domain.NewID()}, []domain.ID{linked.ID})
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "the database's guard")
	require.Contains(t, domain.ErrorMessage(err), "tracked only")

	// Tracking it still works: the person sets its stage by hand.
	st := domain.StageInterviewing
	j, err := b.svc.SetJobStage(ctx, b.user.ID, linked.ID, &st)
	require.NoError(t, err)
	require.Equal(t, domain.StageInterviewing, j.Stage)
}

// A pasted Greenhouse link without title or company is stored at once,
// "fetching", with a River job that reads the posting from the board (an
// httptest server) and fills it; a company the person gave stays.
func TestFetchJobDetails_FillsAPastedBoardLink(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/v1/boards/acme/jobs/4242":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id": 4242, "title": "Site Reliability Engineer", "company_name": "Acme Rockets",
				"location": {"name": "Berlin"}, "content": "&lt;p&gt;Keep it &lt;b&gt;up&lt;/b&gt;.&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;",
				"absolute_url": "https://boards.greenhouse.io/acme/jobs/4242", "departments": [{"name": "Infra"}],
				"pay_input_ranges": [{"min_cents": 9000000, "max_cents": 11000000, "currency_type": "EUR", "title": "Berlin"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	gh, err := sources.New(domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL})
	require.NoError(t, err)
	b := setup(t)
	b.svc = taskstest.MustService(t, b.db, tasks.Options{Boards: map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: gh}})
	ctx := context.Background()

	out, err := b.svc.IngestJobs(ctx, b.user.ID, []domain.JobInput{
		{URL: "https://boards.greenhouse.io/acme/jobs/4242?gh_src=li"},
		{URL: "https://boards.greenhouse.io/acme/jobs/999"},
		{URL: "https://boards.greenhouse.io/acme/jobs/4242x", Company: "My own name"},
	})
	require.NoError(t, err)
	require.Zero(t, hits.Load(), "pasting reads nothing: the board is read in the background")
	job, gone, own := out[0].Job, out[1].Job, out[2].Job
	require.Equal(t, domain.DetailsFetching, job.Details)
	require.Equal(t, "Acme", job.Company, "until read: the board's name made readable, not the slug")
	require.False(t, job.TrackedOnly)
	require.Equal(t, 3, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'fetch_job_details'`), "one River job each, in the paste's transaction")

	fetch := func(id domain.ID) {
		t.Helper()
		require.NoError(t, b.svc.FetchJobDetails(ctx, &river.Job[tasks.FetchJobDetailsArgs]{JobRow: &rivertype.JobRow{Attempt: 1},
			Args: tasks.FetchJobDetailsArgs{JobID: id}}))
	}
	fetch(job.ID)
	j, err := b.db.GetJob(ctx, b.user.ID, job.ID)
	require.NoError(t, err)
	require.Equal(t, domain.DetailsNone, j.Details)
	require.Equal(t, "Site Reliability Engineer", j.Title)
	require.Equal(t, "Acme Rockets", j.Company)
	require.Equal(t, domain.CompanyBoard, j.CompanyOrigin)
	require.Equal(t, "Berlin", j.Location)
	require.Equal(t, "Infra", j.Department)
	require.Equal(t, "EUR 90,000 – 110,000 (Berlin)", j.Compensation)
	require.Equal(t, "Keep it up.", j.Description, "sanitised text, no script")

	fetch(gone.ID) // the board does not have it: left as pasted
	g, err := b.db.GetJob(ctx, b.user.ID, gone.ID)
	require.NoError(t, err)
	require.Equal(t, domain.DetailsFailed, g.Details)
	require.Empty(t, g.Title)
	require.Equal(t, "Acme", g.Company)

	fetch(own.ID) // not listed either: the person's company stays
	o, err := b.db.GetJob(ctx, b.user.ID, own.ID)
	require.NoError(t, err)
	require.Equal(t, "My own name", o.Company)
	require.True(t, strings.HasPrefix(o.CanonicalKey, "greenhouse:acme:"))
}
