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
	"github.com/applyq/applyq/internal/web"
)

// sourceRow returns the table row of the source id on the sources page.
func sourceRow(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr data-source="` + id + `".*?</tr>`).FindString(page)
	require.NotEmpty(t, m, "no row for source %s", id)
	return html.UnescapeString(m)
}

// The sources page adds a board through its form, lists it with its sync
// state and run, and pauses, resumes, syncs and deletes it.
func TestSourcesPage_AddListAndActions(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{Name: "Backend roles"})
	ctx := context.Background()

	res, page := b.get(t, "/sources", session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, `<a href="/sources">Sources</a>`, "the nav links the page")
	require.Contains(t, page, "You follow no job boards yet")
	require.Contains(t, page, `<option value="`+run.ID.String()+`" >Backend roles</option>`, "the run select offers the user's runs")

	res, body := b.post(t, "/sources", url.Values{"url": {"https://boards.greenhouse.io/acme"}, "name": {"Acme"},
		"title_keywords": {"Engineer, Go ,"}, "locations": {""}, "departments": {"Platform"}, "remote_only": {"on"},
		"run_id": {run.ID.String()}, "sync_every": {"90m"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/sources?msg=source_added", res.Header.Get("Location"))
	srcs, err := b.db.SourceList(ctx, user.ID)
	require.NoError(t, err)
	require.Len(t, srcs, 1)
	src := srcs[0]
	require.Equal(t, domain.PlatformGreenhouse, src.Platform)
	require.Equal(t, "acme", src.Board)
	require.Equal(t, domain.SourceFilters{TitleKeywords: []string{"Engineer", "Go"}, Departments: []string{"Platform"}, RemoteOnly: true}, src.Filters)
	require.Equal(t, run.ID, *src.TargetRunID)
	require.Equal(t, 5400.0, src.SyncEvery.Seconds())
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source'`), "its first sync is enqueued")

	_, page = b.get(t, "/sources?msg=source_added", session)
	require.Contains(t, page, "Source added")
	row := sourceRow(t, page, src.ID.String())
	for _, want := range []string{"Acme", "greenhouse", "acme", "every 1 h 30 min", "titles: Engineer, Go", "departments: Platform", "remote only",
		"never", `<td class="postings-open">0</td>`, `>Backend roles</a>`, `action="/sources/` + src.ID.String() + `/sync"`} {
		require.Contains(t, row, want)
	}

	// A synced source shows when; a broken one says why, prominently, and
	// offers resume, not sync.
	_, err = b.db.Pool.Exec(ctx, `UPDATE sources SET last_synced_at = '2025-03-01 12:00:00+00', postings_open = 3,
		status = 'broken', status_reason = 'the greenhouse board "acme" does not exist (404): check its name',
		last_error = 'the greenhouse board "acme" does not exist (404): check its name' WHERE id = $1`, src.ID)
	require.NoError(t, err)
	_, page = b.get(t, "/sources", session)
	row = sourceRow(t, page, src.ID.String())
	require.Contains(t, row, `<p class="error" role="alert"><strong>Broken:</strong> the greenhouse board "acme" does not exist (404): check its name.`)
	require.Contains(t, row, "2025-03-01 12:00:00 UTC")
	require.Contains(t, row, `<td class="postings-open">3</td>`)
	require.NotContains(t, row, "/sync\"")
	require.Contains(t, row, `action="/sources/`+src.ID.String()+`/resume"`)
	res, body = b.post(t, "/sources/"+src.ID.String()+"/sync", nil, session)
	require.Equal(t, http.StatusConflict, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), "this source is broken (the greenhouse board \"acme\" does not exist")

	status := func() domain.SourceStatus {
		got, err := b.db.SourceGet(ctx, user.ID, src.ID)
		require.NoError(t, err)
		return got.Status
	}
	action := func(name, msg string) {
		t.Helper()
		res, body := b.post(t, "/sources/"+src.ID.String()+"/"+name, nil, session)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
		require.Equal(t, "/sources?msg="+msg, res.Header.Get("Location"))
	}
	action("resume", "source_resumed")
	require.Equal(t, domain.SourceActive, status())
	action("pause", "source_paused")
	require.Equal(t, domain.SourcePaused, status())
	action("resume", "source_resumed")
	require.Equal(t, domain.SourceActive, status())
	_, err = b.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE kind = 'sync_source'`)
	require.NoError(t, err)
	action("sync", "sync_queued")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND state = 'available'`))

	// Another user, an unknown action or a cross-site form changes nothing.
	_, other := b.user(t)
	res, _ = b.post(t, "/sources/"+src.ID.String()+"/delete", nil, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.post(t, "/sources/"+src.ID.String()+"/explode", nil, session)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	req, err := http.NewRequest(http.MethodPost, b.base+"/sources/"+src.ID.String()+"/delete", strings.NewReader(""))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Cookie", web.SessionCookie+"="+session)
	res, _ = do(t, req)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sources`))

	action("delete", "source_deleted")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sources`))
	res, _ = b.post(t, "/sources/"+src.ID.String()+"/pause", nil, session)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
}

// A refused form comes back with what was wrong next to its field and
// everything as entered; nothing is followed.
func TestSourceForm_ErrorsKeepValues(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{Name: "Target"})
	entered := url.Values{"name": {"Acme & Co"}, "title_keywords": {"Engineer, SRE"}, "locations": {"Berlin"}, "departments": {"Platform"},
		"remote_only": {"on"}, "run_id": {run.ID.String()}, "sync_every": {"2h"}}
	with := func(extra url.Values) url.Values {
		v := url.Values{}
		for k, vs := range entered {
			v[k] = vs
		}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	cases := []struct {
		form   url.Values
		status int
		want   string
	}{
		{with(url.Values{"url": {"https://example.com/careers"}}), http.StatusBadRequest,
			`<p id="f-url-error" class="field-error">Board URL "https://example.com/careers" is not a job board address applyq can follow`},
		{with(url.Values{"url": {"https://jobs.lever.co/acme"}, "platform": {"lever"}}), http.StatusBadRequest,
			`<p id="f-url-error" class="field-error">Board URL give the board's URL, or its platform and board name, not both.`},
		{with(url.Values{"platform": {"greenhouse"}, "board": {"a/b"}}), http.StatusBadRequest, `<p id="f-board-error" class="field-error">Board "a/b" is not a greenhouse board name`},
		{with(url.Values{"url": {"https://jobs.lever.co/acme"}, "sync_every": {"soon"}}), http.StatusBadRequest,
			`<p id="f-sync_every-error" class="field-error">Read the board every (such as 6h or 90m; empty: the default) must be a duration such as 6h, 90m or 1h30m.`},
		{with(url.Values{"url": {"https://jobs.lever.co/acme"}, "sync_every": {"5m"}}), http.StatusBadRequest, `must be between 15m0s and 168h0m0s.`},
		{with(url.Values{"url": {"https://jobs.lever.co/acme"}, "title_keywords": {strings.Repeat("x", 101)}}), http.StatusBadRequest,
			`<p id="f-title_keywords-error" class="field-error">Title keywords, comma-separated `},
		{with(url.Values{"url": {"https://jobs.lever.co/acme"}, "run_id": {"nope"}}), http.StatusBadRequest, `<p id="f-run_id-error" class="field-error">Run must be one of your runs.`},
	}
	for _, c := range cases {
		res, body := b.post(t, "/sources", c.form, session)
		require.Equal(t, c.status, res.StatusCode, "%v: %.300s", c.form, body)
		page := html.UnescapeString(body)
		require.Contains(t, page, c.want, "%v", c.form)
		require.Contains(t, page, `aria-invalid="true"`)
		// What was entered is still there.
		require.Contains(t, page, `value="Acme & Co"`)
		require.Contains(t, page, `value="`+c.form.Get("title_keywords")+`"`)
		require.Contains(t, page, `value="`+c.form.Get("sync_every")+`"`)
		require.Contains(t, page, `name="remote_only" checked`)
		if c.form.Get("platform") != "" {
			require.Contains(t, page, `<option value="`+c.form.Get("platform")+`" selected>`)
		}
		if c.form.Get("run_id") == run.ID.String() {
			require.Contains(t, page, `<option value="`+run.ID.String()+`" selected>Target</option>`)
		}
	}
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sources`))

	res, body := b.post(t, "/sources", url.Values{"platform": {"greenhouse"}, "board": {"acme"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	res, body = b.post(t, "/sources", url.Values{"url": {"https://boards.greenhouse.io/acme"}, "name": {"again"}}, session)
	require.Equal(t, http.StatusConflict, res.StatusCode)
	page := html.UnescapeString(body)
	require.Contains(t, page, `<p class="error" role="alert">you already follow the greenhouse board "acme"</p>`)
	require.Contains(t, page, `value="again"`)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sources`))
}

// The jobs page says which board a posting came from and marks the ones
// their board closed.
func TestJobsPage_BoardAndClosedBadge(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	ctx := context.Background()
	src, err := b.db.SourceCreate(ctx, user.ID, domain.SourceCreate{Platform: domain.PlatformLever, Board: "globex", SyncEvery: domain.MinSyncEvery})
	require.NoError(t, err)
	var ids []domain.ID
	for _, p := range []domain.BoardPosting{
		{ExternalID: "a1", Title: "Open role", Department: "Platform", Remote: true, URL: "https://jobs.lever.co/globex/a1"},
		{ExternalID: "b2", Title: "Closed role", Department: "Sales", URL: "https://jobs.lever.co/globex/b2"},
	} {
		id, _, err := b.db.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(src.Platform, src.Board, p.ExternalID), "Globex", p)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	_, err = b.db.BoardPostingsCloseMissing(ctx, src.ID, []string{"a1"})
	require.NoError(t, err)
	pasted := pgtest.MustJobs(t, b.db, user, 1)[0]

	res, page := b.get(t, "/jobs", session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	rowOf := func(id domain.ID) string {
		m := regexp.MustCompile(`(?s)<tr id="job-` + id.String() + `".*?</tr>`).FindString(page)
		require.NotEmpty(t, m, "no row for job %s", id)
		return m
	}
	open, closed, own := rowOf(ids[0]), rowOf(ids[1]), rowOf(pasted)
	require.Contains(t, open, `<td class="board"><span class="badge">lever</span> Platform</td>`)
	require.Contains(t, open, `<span>remote</span>`)
	require.NotContains(t, open, "badge closed")
	require.Contains(t, closed, `<td class="board"><span class="badge">lever</span> Sales</td>`)
	require.Contains(t, closed, `class="badge closed"`)
	require.Contains(t, own, `<td class="board"></td>`)
	require.NotContains(t, own, "badge closed")
}
