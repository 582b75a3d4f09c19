package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// sourceView is a source as a client reads it.
type sourceView struct {
	ID       string `json:"id"`
	Platform string `json:"platform"`
	Board    string `json:"board"`
	Name     string `json:"name"`
	Filters  struct {
		TitleKeywords []string `json:"title_keywords"`
		Locations     []string `json:"locations"`
		Departments   []string `json:"departments"`
		RemoteOnly    bool     `json:"remote_only"`
	} `json:"filters"`
	RunID            *string    `json:"run_id"`
	Status           string     `json:"status"`
	StatusReason     string     `json:"status_reason"`
	SyncEvery        string     `json:"sync_every"`
	SyncEverySeconds int        `json:"sync_every_seconds"`
	NextSyncAt       time.Time  `json:"next_sync_at"`
	LastSyncedAt     *time.Time `json:"last_synced_at"`
	LastError        string     `json:"last_error"`
	PostingsOpen     int        `json:"postings_open"`
}

// sourceBundle is the API with one signed-in user.
type sourceBundle struct {
	*apiBundle
	token string
	user  *domain.User
}

func setupSources(t *testing.T) *sourceBundle {
	t.Helper()
	b := setupAPI(t, apiOpts{})
	email := uniqueEmail()
	token := pgtest.MustSession(t, b.db, email)
	user, err := b.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	return &sourceBundle{apiBundle: b, token: token, user: user}
}

// call sends r as the bundle's user.
func (b *sourceBundle) call(t *testing.T, r req) resp {
	t.Helper()
	r.Token = b.token
	return b.do(t, r)
}

// mustCreate follows a board and returns it.
func (b *sourceBundle) mustCreate(t *testing.T, body map[string]any) sourceView {
	t.Helper()
	r := b.call(t, req{Method: "POST", Path: "/api/v1/sources", Body: body})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s sourceView
	r.JSON(t, &s)
	return s
}

// syncJobs counts the River jobs that would sync src.
func (b *sourceBundle) syncJobs(t *testing.T, src string) int {
	t.Helper()
	return pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND args->>'source_id' = $1`, src)
}

// fieldError checks a 400 invalid that names field, and returns its message.
func fieldError(t *testing.T, r resp, field string) string {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	e := r.Error(t)
	require.Equal(t, domain.EINVALID, e.Code)
	fields, _ := e.Details["fields"].(map[string]any)
	require.Contains(t, fields, field, string(r.Body))
	msg, _ := fields[field].(string)
	return msg
}

// A board followed by its URL or by platform and board reads back with
// every field, and its first sync is enqueued with it.
func TestSources_CreateByURLOrPlatformAndRead(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})

	r := b.call(t, req{Method: "POST", Path: "/api/v1/sources", Body: map[string]any{"url": "https://boards.greenhouse.io/acme"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var raw map[string]json.RawMessage
	r.JSON(t, &raw)
	require.JSONEq(t, `{"title_keywords":[],"locations":[],"departments":[],"remote_only":false}`, string(raw["filters"]), "all four filter keys, always")
	for _, k := range []string{"run_id", "last_synced_at"} {
		require.Equal(t, "null", string(raw[k]), k)
	}
	for _, k := range []string{"etag", "last_modified", "validators", "user_id"} {
		require.NotContains(t, raw, k)
	}
	var gh sourceView
	r.JSON(t, &gh)
	require.Equal(t, "greenhouse", gh.Platform)
	require.Equal(t, "acme", gh.Board)
	require.Equal(t, "active", gh.Status)
	require.Equal(t, "6h", gh.SyncEvery, "the configured default, written the way it is read")
	require.Equal(t, 6*3600, gh.SyncEverySeconds)
	require.WithinDuration(t, time.Now(), gh.NextSyncAt, time.Minute)
	require.Zero(t, gh.PostingsOpen)
	require.Equal(t, 1, b.syncJobs(t, gh.ID), "the first sync is enqueued")

	lever := b.mustCreate(t, map[string]any{"platform": "lever", "board": "globex", "name": "Globex",
		"filters":    map[string]any{"title_keywords": []string{" Engineer ", ""}, "locations": []string{"Berlin"}, "remote_only": true},
		"run_id":     run.ID.String(),
		"sync_every": "90m"})
	require.Equal(t, "lever", lever.Platform)
	require.Equal(t, "globex", lever.Board)
	require.Equal(t, "Globex", lever.Name)
	require.Equal(t, []string{"Engineer"}, lever.Filters.TitleKeywords, "entries trimmed, empty ones dropped")
	require.Equal(t, []string{"Berlin"}, lever.Filters.Locations)
	require.Empty(t, lever.Filters.Departments)
	require.True(t, lever.Filters.RemoteOnly)
	require.Equal(t, run.ID.String(), *lever.RunID)
	require.Equal(t, "1h30m", lever.SyncEvery)
	require.Equal(t, 5400, lever.SyncEverySeconds)

	r = b.call(t, req{Method: "GET", Path: "/api/v1/sources/" + lever.ID})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got sourceView
	r.JSON(t, &got)
	require.Equal(t, lever, got)

	r = b.call(t, req{Method: "GET", Path: "/api/v1/sources"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var list struct {
		Items      []sourceView `json:"items"`
		NextCursor *string      `json:"next_cursor"`
	}
	r.JSON(t, &list)
	require.Len(t, list.Items, 2)
	require.Equal(t, []string{lever.ID, gh.ID}, []string{list.Items[0].ID, list.Items[1].ID}, "newest first")
	require.Nil(t, list.NextCursor, "one page")
}

// Bad input answers 400 naming the field, and follows nothing.
func TestSources_ValidationNamesTheField(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	cases := []struct {
		body     map[string]any
		field    string
		contains string
	}{
		{map[string]any{"url": "https://example.com/careers"}, "url", "https://boards.greenhouse.io/acme"},
		{map[string]any{"url": "ftp://boards.greenhouse.io/acme"}, "url", "not an http(s) URL"},
		{map[string]any{"platform": "monster", "board": "acme"}, "platform", "greenhouse, lever"},
		{map[string]any{"platform": "greenhouse"}, "board", "empty"},
		{map[string]any{"platform": "recruitee", "board": "Not A Label"}, "board", "subdomain"},
		{map[string]any{"url": "https://jobs.lever.co/acme", "board": "acme"}, "url", "not both"},
		{map[string]any{"url": "https://jobs.lever.co/acme", "sync_every": "5m"}, "sync_every", "between 15m0s and 168h0m0s"},
		{map[string]any{"url": "https://jobs.lever.co/acme", "sync_every": "8d"}, "sync_every", "such as 6h"},
		{map[string]any{"url": "https://jobs.lever.co/acme", "run_id": "run-1"}, "run_id", "not a valid id"},
		{map[string]any{"url": "https://jobs.lever.co/acme", "run_id": 7}, "run_id", "an id (UUID) or null"},
		{map[string]any{"url": "https://jobs.lever.co/acme", "filters": map[string]any{"locations": []string{"a\nb"}}}, "filters.locations", "control characters"},
		{map[string]any{"url": "https://jobs.lever.co/acme", "filters": map[string]any{"remote_only": "yes"}}, "filters.remote_only", "true or false"},
	}
	for _, c := range cases {
		r := b.call(t, req{Method: "POST", Path: "/api/v1/sources", Body: c.body})
		require.Contains(t, fieldError(t, r, c.field), c.contains, "%v", c.body)
	}
	require.Zero(t, pgtest.MustCount(t, b.db, "SELECT count(*) FROM sources"))
	require.Zero(t, pgtest.MustCount(t, b.db, "SELECT count(*) FROM river_job WHERE kind = 'sync_source'"))

	src := b.mustCreate(t, map[string]any{"url": "https://jobs.ashbyhq.com/acme"})
	patches := []struct {
		body     map[string]any
		field    string
		contains string
	}{
		{map[string]any{"status": "broken"}, "status", "active or paused"},
		{map[string]any{"status": "deleted"}, "status", "active or paused"},
		{map[string]any{"sync_every": "200h"}, "sync_every", "between"},
		{map[string]any{"sync_every": ""}, "sync_every", "such as 6h"},
		{map[string]any{"name": "two\nlines"}, "name", "control characters"},
		{map[string]any{"run_id": "nope"}, "run_id", "not a valid id"},
	}
	for _, p := range patches {
		r := b.call(t, req{Method: "PATCH", Path: "/api/v1/sources/" + src.ID, Body: p.body})
		require.Contains(t, fieldError(t, r, p.field), p.contains, "%v", p.body)
	}
	r := b.call(t, req{Method: "GET", Path: "/api/v1/sources/" + src.ID})
	var got sourceView
	r.JSON(t, &got)
	require.Equal(t, src, got, "no refused patch changed anything")
}

// Following the same board twice, by URL or by name, is 409 saying so.
func TestSources_SameBoardTwiceConflicts(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	b.mustCreate(t, map[string]any{"url": "https://boards.greenhouse.io/acme"})
	for _, body := range []map[string]any{
		{"url": "https://boards.greenhouse.io/acme/jobs/4012345"},
		{"platform": "greenhouse", "board": "acme", "name": "again"},
	} {
		r := b.call(t, req{Method: "POST", Path: "/api/v1/sources", Body: body})
		require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
		e := r.Error(t)
		require.Equal(t, domain.EDUPLICATE, e.Code)
		require.Contains(t, e.Message, `you already follow the greenhouse board "acme"`)
	}
	require.Equal(t, 1, pgtest.MustCount(t, b.db, "SELECT count(*) FROM sources"))
	// Another user may follow the same board.
	other := pgtest.MustSession(t, b.db, uniqueEmail())
	r := b.do(t, req{Method: "POST", Path: "/api/v1/sources", Token: other, Body: map[string]any{"url": "https://boards.greenhouse.io/acme"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
}

// Another user's source, an unknown id and a malformed one all answer 404,
// and a run of another user cannot be a source's target.
func TestSources_OtherUsersSourceIsNotFound(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	src := b.mustCreate(t, map[string]any{"url": "https://jobs.lever.co/acme"})
	mallory := pgtest.MustSession(t, b.db, uniqueEmail())
	for _, id := range []string{src.ID, domain.NewID().String(), "not-an-id"} {
		for _, r := range []req{
			{Method: "GET", Path: "/api/v1/sources/" + id},
			{Method: "PATCH", Path: "/api/v1/sources/" + id, Body: map[string]any{"status": "paused"}},
			{Method: "POST", Path: "/api/v1/sources/" + id + "/sync"},
			{Method: "DELETE", Path: "/api/v1/sources/" + id},
		} {
			r.Token = mallory
			res := b.do(t, r)
			require.Equal(t, http.StatusNotFound, res.Status, "%s %s: %s", r.Method, r.Path, res.Body)
			require.Equal(t, domain.ENOTFOUND, res.ErrorCode(t))
		}
	}
	r := b.do(t, req{Method: "GET", Path: "/api/v1/sources", Token: mallory})
	require.Equal(t, http.StatusOK, r.Status)
	require.JSONEq(t, `{"items":[]}`, string(r.Body))

	malloryRun := pgtest.MustRun(t, b.db, pgtest.MustUser(t, b.db, pgtest.UserOpts{}), pgtest.RunOpts{})
	r = b.call(t, req{Method: "POST", Path: "/api/v1/sources", Body: map[string]any{"url": "https://jobs.lever.co/other", "run_id": malloryRun.ID.String()}})
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	r = b.call(t, req{Method: "PATCH", Path: "/api/v1/sources/" + src.ID, Body: map[string]any{"run_id": malloryRun.ID.String()}})
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))

	r = b.call(t, req{Method: "GET", Path: "/api/v1/sources/" + src.ID})
	var got sourceView
	r.JSON(t, &got)
	require.Equal(t, src, got, "nothing of the owner's changed")
}

// PATCH changes only what it names; a null run_id stops adding matches
// to a run, an omitted one keeps it.
func TestSources_PatchRunNullClears(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	src := b.mustCreate(t, map[string]any{"url": "https://jobs.ashbyhq.com/acme", "run_id": run.ID.String(),
		"filters": map[string]any{"departments": []string{"Platform"}}})
	patch := func(body string) sourceView {
		t.Helper()
		r := b.call(t, req{Method: "PATCH", Path: "/api/v1/sources/" + src.ID, Body: body})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var s sourceView
		r.JSON(t, &s)
		return s
	}

	s := patch(`{"name":"Acme","sync_every":"12h"}`)
	require.Equal(t, "Acme", s.Name)
	require.Equal(t, "12h", s.SyncEvery)
	require.Equal(t, 12*3600, s.SyncEverySeconds)
	require.Equal(t, run.ID.String(), *s.RunID, "an omitted run_id stays")
	require.Equal(t, []string{"Platform"}, s.Filters.Departments, "omitted filters stay")

	s = patch(`{"run_id":null}`)
	require.Nil(t, s.RunID)
	require.Equal(t, "Acme", s.Name)
	require.Zero(t, pgtest.MustCount(t, b.db, "SELECT count(*) FROM sources WHERE target_run_id IS NOT NULL"))

	s = patch(`{"run_id":"` + run.ID.String() + `","filters":{"title_keywords":["Go"]}}`)
	require.Equal(t, run.ID.String(), *s.RunID)
	require.Equal(t, []string{"Go"}, s.Filters.TitleKeywords)
	require.Empty(t, s.Filters.Departments, "filters are replaced as a whole")
	require.False(t, s.Filters.RemoteOnly)
}

// Pause, sync now, broken, active again, delete: each as the service
// says, over HTTP.
func TestSources_PauseSyncBrokenDelete(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	src := b.mustCreate(t, map[string]any{"url": "https://jobs.lever.co/acme"})
	path := "/api/v1/sources/" + src.ID
	require.Equal(t, 1, b.syncJobs(t, src.ID))

	// A sync waiting already: sync now enqueues no second one.
	r := b.call(t, req{Method: "POST", Path: path + "/sync"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, 1, b.syncJobs(t, src.ID))
	// Once it ran, sync now enqueues another.
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE kind = 'sync_source'`)
	require.NoError(t, err)
	r = b.call(t, req{Method: "POST", Path: path + "/sync"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	var synced sourceView
	r.JSON(t, &synced)
	require.Equal(t, src.ID, synced.ID)
	require.Equal(t, 2, b.syncJobs(t, src.ID))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'sync_source' AND state = 'available' AND queue = 'sources'`))

	r = b.call(t, req{Method: "PATCH", Path: path, Body: map[string]any{"status": "paused"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Contains(t, string(r.Body), `"status":"paused"`)
	// A paused source refuses sync now, saying how to sync it.
	r = b.call(t, req{Method: "POST", Path: path + "/sync"})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Contains(t, r.Error(t).Message, "set it active")

	// A broken source refuses sync now, saying why, until set active.
	_, err = b.db.Pool.Exec(context.Background(), `UPDATE sources SET status = 'broken', status_reason = 'the lever board "acme" does not exist (404): check its name' WHERE id = $1`, src.ID)
	require.NoError(t, err)
	r = b.call(t, req{Method: "POST", Path: path + "/sync"})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	e := r.Error(t)
	require.Equal(t, domain.ECONFLICT, e.Code)
	require.Contains(t, e.Message, "does not exist (404)")
	r = b.call(t, req{Method: "GET", Path: path})
	var broken sourceView
	r.JSON(t, &broken)
	require.Equal(t, "broken", broken.Status)
	require.Contains(t, broken.StatusReason, "does not exist")
	_, err = b.db.Pool.Exec(context.Background(), `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE kind = 'sync_source'`)
	require.NoError(t, err)
	r = b.call(t, req{Method: "PATCH", Path: path, Body: map[string]any{"status": "active"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var active sourceView
	r.JSON(t, &active)
	require.Equal(t, "active", active.Status)
	require.Empty(t, active.StatusReason)
	require.Equal(t, 3, b.syncJobs(t, src.ID), "set active again, it syncs at once")

	r = b.call(t, req{Method: "DELETE", Path: path})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Empty(t, r.Body)
	for _, m := range []string{"GET", "DELETE"} {
		r = b.call(t, req{Method: m, Path: path})
		require.Equal(t, http.StatusNotFound, r.Status, "%s after delete: %s", m, r.Body)
	}
}

// jobBoardView is the board part of a job as a client reads it.
type jobBoardView struct {
	ID                string          `json:"id"`
	SourceID          *string         `json:"source_id"`
	Platform          string          `json:"platform"`
	PlatformPostingID string          `json:"platform_posting_id"`
	Department        string          `json:"department"`
	Remote            bool            `json:"remote"`
	ApplyURL          string          `json:"apply_url"`
	Compensation      string          `json:"compensation"`
	EmploymentType    string          `json:"employment_type"`
	Questions         json.RawMessage `json:"questions"`
	BoardUpdatedAt    *time.Time      `json:"board_updated_at"`
	ClosedAt          *time.Time      `json:"closed_at"`
}

// A synced posting carries its board fields and question schema; the job
// list filters by source and by open or closed.
func TestJobs_BoardFieldsAndSourceFilter(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	ctx := context.Background()
	created := b.mustCreate(t, map[string]any{"url": "https://boards.greenhouse.io/acme"})
	srcID, err := domain.ParseID(created.ID)
	require.NoError(t, err)
	src, err := b.db.SourceGet(ctx, b.user.ID, srcID)
	require.NoError(t, err)
	updated := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	withForm := domain.BoardPosting{ExternalID: "4012345", Title: "Backend Engineer", Location: "Berlin", Department: "Platform",
		Remote: true, URL: "https://boards.greenhouse.io/acme/jobs/4012345", ApplyURL: "https://boards.greenhouse.io/acme/jobs/4012345#app",
		Compensation: "EUR 70,000 – 90,000 per year", EmploymentType: "full-time", UpdatedAt: &updated,
		Questions: []domain.Question{
			{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
			{Field: "question_7", Label: "Visa sponsorship?", Kind: domain.QuestionSingleSelect, Required: true, Section: domain.SectionCompliance,
				Options: []domain.QuestionOption{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}},
		}}
	noForm := domain.BoardPosting{ExternalID: "4012346", Title: "Designer", URL: "https://boards.greenhouse.io/acme/jobs/4012346"}
	var ids []string
	for _, p := range []domain.BoardPosting{withForm, noForm} {
		id, inserted, err := b.db.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(src.Platform, src.Board, p.ExternalID), "Acme", p)
		require.NoError(t, err)
		require.True(t, inserted)
		ids = append(ids, id.String())
	}
	closed, err := b.db.BoardPostingsCloseMissing(ctx, src.ID, []string{withForm.ExternalID})
	require.NoError(t, err)
	require.Len(t, closed, 1)
	pasted := pgtest.MustJobs(t, b.db, b.user, 1)[0].String()

	getJob := func(id string) (jobBoardView, map[string]json.RawMessage) {
		t.Helper()
		r := b.call(t, req{Method: "GET", Path: "/api/v1/jobs/" + id})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var v jobBoardView
		r.JSON(t, &v)
		var raw map[string]json.RawMessage
		r.JSON(t, &raw)
		return v, raw
	}
	j, _ := getJob(ids[0])
	require.Equal(t, created.ID, *j.SourceID)
	require.Equal(t, jobBoardView{ID: ids[0], SourceID: j.SourceID, Platform: "greenhouse", PlatformPostingID: "4012345",
		Department: "Platform", Remote: true, ApplyURL: withForm.ApplyURL, Compensation: withForm.Compensation,
		EmploymentType: "full-time", Questions: j.Questions, BoardUpdatedAt: j.BoardUpdatedAt}, j)
	require.True(t, updated.Equal(*j.BoardUpdatedAt))
	require.JSONEq(t, `[
		{"field":"first_name","label":"First Name","kind":"text","required":true,"options":[],"section":"standard"},
		{"field":"question_7","label":"Visa sponsorship?","kind":"single_select","required":true,
		 "options":[{"label":"Yes","value":"1"},{"label":"No","value":"0"}],"section":"compliance"}]`, string(j.Questions))

	j, raw := getJob(ids[1])
	require.Equal(t, "null", string(raw["questions"]), "a board that publishes no form: null")
	require.NotNil(t, j.ClosedAt, "its board no longer lists it")

	j, raw = getJob(pasted)
	require.Nil(t, j.SourceID)
	require.Empty(t, j.Platform)
	require.Nil(t, j.ClosedAt)
	for _, k := range []string{"source_id", "questions", "board_updated_at", "closed_at"} {
		require.Equal(t, "null", string(raw[k]), "a pasted posting: %s", k)
	}

	list := func(query string) []string {
		t.Helper()
		r := b.call(t, req{Method: "GET", Path: "/api/v1/jobs" + query})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		r.JSON(t, &p)
		out := []string{}
		for _, it := range p.Items {
			out = append(out, it.ID)
		}
		return out
	}
	require.ElementsMatch(t, ids, list("?source_id="+created.ID))
	require.Equal(t, []string{ids[0]}, list("?source_id="+created.ID+"&open=true"))
	require.Equal(t, []string{ids[1]}, list("?open=false"))
	require.ElementsMatch(t, []string{ids[0], pasted}, list("?open=true"), "pasted postings are open")
	require.ElementsMatch(t, []string{ids[0], ids[1], pasted}, list(""))
	require.Empty(t, list("?source_id="+domain.NewID().String()))

	fieldError(t, b.call(t, req{Method: "GET", Path: "/api/v1/jobs?source_id=acme"}), "source_id")
	fieldError(t, b.call(t, req{Method: "GET", Path: "/api/v1/jobs?open=maybe"}), "open")

	// Another user filtering by this source sees nothing of it.
	mallory := pgtest.MustSession(t, b.db, uniqueEmail())
	r := b.do(t, req{Method: "GET", Path: "/api/v1/jobs?source_id=" + created.ID, Token: mallory})
	require.Equal(t, http.StatusOK, r.Status)
	require.JSONEq(t, `{"items":[]}`, string(r.Body))
}
