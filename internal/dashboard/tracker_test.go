package dashboard_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// The sources page renames a source; its postings named after it follow,
// and the jobs page shows the new name, never the board's slug.
func TestSourcesPage_RenameRenamesItsJobs(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	ctx := context.Background()
	src, err := b.db.SourceCreate(ctx, user.ID, domain.SourceCreate{Platform: domain.PlatformLever, Board: "globex", Name: "Globex", SyncEvery: domain.MinSyncEvery})
	require.NoError(t, err)
	p := domain.BoardPosting{ExternalID: "a1", Title: "Platform Engineer", URL: "https://jobs.lever.co/globex/a1"}
	_, _, err = b.db.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(src.Platform, src.Board, p.ExternalID), src.DisplayName(), p)
	require.NoError(t, err)

	_, page := b.get(t, "/sources", session)
	row := sourceRow(t, page, src.ID.String())
	require.Contains(t, row, `<strong class="source-name">Globex</strong>`)
	require.Contains(t, row, `action="/sources/`+src.ID.String()+`/rename"`)

	res, body := b.post(t, "/sources/"+src.ID.String()+"/rename", url.Values{"name": {"Globex Corporation"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/sources?msg=source_renamed", res.Header.Get("Location"))
	_, page = b.get(t, "/sources?msg=source_renamed", session)
	require.Contains(t, page, "Source renamed")
	require.Contains(t, sourceRow(t, page, src.ID.String()), `<strong class="source-name">Globex Corporation</strong>`)
	_, page = b.get(t, "/jobs", session)
	require.Contains(t, page, "Globex Corporation")
	require.NotRegexp(t, `>\s*globex\s*<`, page, "the slug is not shown as a company")

	res, body = b.post(t, "/sources/"+src.ID.String()+"/rename", url.Values{"name": {"  "}}, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, "must not be empty")
}

// The jobs page is a tracker: each job's stage, pay and description; a
// stage filter and sort that work without JavaScript (GET); the person's
// stage set and cleared by a form; a pasted LinkedIn link kept tracked
// only, without a box to add it to a run; a bad filter answers 400
// saying what is allowed.
func TestJobsPage_Tracker(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	ctx := context.Background()
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{Name: "Backend roles"})
	src, err := b.db.SourceCreate(ctx, user.ID, domain.SourceCreate{Platform: domain.PlatformGreenhouse, Board: "acme", Name: "Acme", SyncEvery: domain.MinSyncEvery})
	require.NoError(t, err)
	p := domain.BoardPosting{ExternalID: "7", Title: "Go Engineer", Company: "Acme Rockets", Location: "Berlin", Compensation: "EUR 80,000 – 95,000 per year",
		Description: "Build the launch queue.\nOn call one week in six.", URL: "https://boards.greenhouse.io/acme/jobs/7"}
	applied, _, err := b.db.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(src.Platform, src.Board, "7"), p.Company, p)
	require.NoError(t, err)
	res := taskstest.MustAdd(t, b.db, user, run, []domain.ID{applied})
	pgtest.MustForceState(t, b.db, res.Queued[0].TaskID, domain.StateSubmitted)

	// With no job yet, "Add postings" is open; once jobs are listed it folds,
	// so the tracker comes first (on a phone too).
	_, newcomer := b.user(t)
	_, empty := b.get(t, "/jobs", newcomer)
	require.Contains(t, empty, `<details class="card add-postings" id="add-postings" open>`)
	r, body := b.post(t, "/jobs", url.Values{"urls": {"https://www.linkedin.com/jobs/view/4012345678/"}}, session)
	require.Equal(t, http.StatusOK, r.StatusCode, body)
	require.Contains(t, body, "tracked only — apply on the site")

	_, page := b.get(t, "/jobs", session)
	require.Contains(t, page, `<details class="card add-postings" id="add-postings">`)
	row := jobRow(t, page, applied)
	require.Contains(t, row, `<span class="badge stage stage-applied">applied</span>`)
	require.Contains(t, row, `<span class="pay">EUR 80,000 – 95,000 per year</span>`)
	require.Contains(t, row, `<summary>Description</summary><div class="desc-text">Build the launch queue.`+"\n"+`On call one week in six.</div>`)
	require.Contains(t, row, `name="job_id"`)
	linked := regexp.MustCompile(`(?s)<tr id="job-[^"]+" class="job stage-new tracked-only">.*?</tr>`).FindString(page)
	require.NotEmpty(t, linked, "the LinkedIn link is listed, tracked only")
	require.NotContains(t, linked, `name="job_id"`, "no box: it cannot join a run")

	// Interviewing, set with the row's form; the filter keeps it.
	r, body = b.post(t, "/jobs/"+applied.String()+"/stage", url.Values{"stage": {"interviewing"}, "back": {"sort=stage&stage=applied"}}, session)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, body)
	require.Equal(t, "/jobs?msg=job_stage_set&sort=stage#job-"+applied.String(), r.Header.Get("Location"))
	_, page = b.get(t, "/jobs?stage=interviewing&msg=job_stage_set", session)
	require.Contains(t, page, "Stage saved.")
	require.Contains(t, jobRow(t, page, applied), `<span class="badge stage stage-interviewing">interviewing</span> <span class="help">(set by you)</span>`)
	require.Contains(t, jobRow(t, page, applied), `<option value="interviewing" selected>interviewing</option>`)
	require.Equal(t, 1, strings.Count(page, `<tr id="job-`), "only the interviewing job")
	_, page = b.get(t, "/jobs?stage=new", session)
	require.Equal(t, 1, strings.Count(page, `<tr id="job-`))
	require.Contains(t, page, "tracked-only")

	r, _ = b.post(t, "/jobs/"+applied.String()+"/stage", url.Values{"stage": {""}}, session)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	_, page = b.get(t, "/jobs", session)
	require.Contains(t, jobRow(t, page, applied), `stage-applied">applied</span>`, "cleared: derived again")

	r, body = b.post(t, "/jobs/"+applied.String()+"/stage", url.Values{"stage": {"hired"}}, session)
	require.Equal(t, http.StatusBadRequest, r.StatusCode)
	require.Contains(t, html.UnescapeString(body), "must be one of interviewing, offer, rejected, withdrawn")

	r, body = b.get(t, "/jobs?stage=hired&sort=salary", session)
	require.Equal(t, http.StatusBadRequest, r.StatusCode)
	body = html.UnescapeString(body)
	require.Contains(t, body, "The stage must be one of new, in_run, waiting, applied, interviewing, offer, rejected, withdrawn")
	require.Contains(t, body, "The order must be one of newest, company, stage")
	require.Contains(t, body, `<form method="get" action="/jobs"`, "the filters stay to fix")

	_, other := b.user(t)
	r, _ = b.post(t, "/jobs/"+applied.String()+"/stage", url.Values{"stage": {"offer"}}, other)
	require.Equal(t, http.StatusNotFound, r.StatusCode)
}

// jobRow returns the table row of job id on the jobs page.
func jobRow(t *testing.T, page string, id domain.ID) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr id="job-` + id.String() + `".*?</tr>`).FindString(page)
	require.NotEmpty(t, m, "no row for job %s", id)
	return html.UnescapeString(m)
}
