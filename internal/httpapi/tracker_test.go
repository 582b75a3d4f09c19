package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

type trackerJob struct {
	ID            string  `json:"id"`
	Company       string  `json:"company"`
	Stage         string  `json:"stage"`
	PersonStage   *string `json:"person_stage"`
	CompanyOrigin string  `json:"company_origin"`
	TrackedOnly   bool    `json:"tracked_only"`
	Details       string  `json:"details_status"`
}

// The jobs API: stage and sort filters (bad ones answer 400 naming what is
// allowed), PATCH of the person's stage (set, clear, bad, another user's),
// a tracked-only link refused from a run with 409, and a source's rename
// reaching its postings.
func TestJobsAPI_Tracker(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	email := uniqueEmail()
	token := pgtest.MustSession(t, b.db, email)
	ctx := context.Background()
	user, err := b.db.UserByEmail(ctx, email)
	require.NoError(t, err)

	r := b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: map[string]any{"jobs": []map[string]string{
		{"url": "https://boards.greenhouse.io/acme/jobs/11", "company": "Initech", "title": "Go engineer"},
		{"url": "https://boards.greenhouse.io/acme/jobs/12", "company": "Globex", "title": "SRE"},
		{"url": "https://www.linkedin.com/jobs/view/3912345678/"},
	}}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var ing struct {
		Results []struct {
			Job trackerJob `json:"job"`
		} `json:"results"`
	}
	r.JSON(t, &ing)
	initech, globex, linked := ing.Results[0].Job, ing.Results[1].Job, ing.Results[2].Job
	require.True(t, linked.TrackedOnly)
	require.Equal(t, "new", linked.Stage)
	require.Equal(t, "given", initech.CompanyOrigin)

	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/jobs/" + globex.ID, Token: token, Body: map[string]any{"stage": "interviewing"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var j trackerJob
	r.JSON(t, &j)
	require.Equal(t, "interviewing", j.Stage)
	require.Equal(t, "interviewing", *j.PersonStage)

	list := func(query string) []string {
		t.Helper()
		r := b.do(t, req{Method: "GET", Path: "/api/v1/jobs" + query, Token: token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page struct {
			Items []trackerJob `json:"items"`
		}
		r.JSON(t, &page)
		var out []string
		for _, it := range page.Items {
			out = append(out, it.Company+":"+it.Stage)
		}
		return out
	}
	require.Equal(t, []string{"Globex:interviewing"}, list("?stage=interviewing"))
	require.Equal(t, []string{"Globex:interviewing", "Initech:new"}, list("?stage=new,interviewing&company=&sort=company&source=greenhouse"))
	require.Equal(t, []string{"Initech:new", "Globex:interviewing"}, list("?sort=stage&source=greenhouse"))
	require.Equal(t, []string{"Initech:new"}, list("?stage=new&stage=new&company=initech"))

	for _, bad := range []struct{ query, field, want string }{
		{"?stage=hired", "stage", "must be one of new, in_run, waiting, applied, interviewing, offer, rejected, withdrawn"},
		{"?sort=salary", "sort", "must be one of newest, company, stage"},
	} {
		r := b.do(t, req{Method: "GET", Path: "/api/v1/jobs" + bad.query, Token: token})
		require.Equal(t, http.StatusBadRequest, r.Status, bad.query)
		e := r.Error(t)
		require.Equal(t, domain.EINVALID, e.Code)
		require.Contains(t, e.Details["fields"].(map[string]any)[bad.field], bad.want)
	}

	// Clearing goes back to the derived stage; bad bodies say what to send.
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/jobs/" + globex.ID, Token: token, Body: `{"stage": null}`})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &j)
	require.Equal(t, "new", j.Stage)
	require.Nil(t, j.PersonStage)
	for body, want := range map[string]string{
		`{"stage": "applied"}`: "must be one of interviewing, offer, rejected, withdrawn",
		`{}`:                   "is required",
		`{"stage": 3}`:         "must be a string",
		`{"stage": ""}`:        "send null to clear it",
	} {
		r = b.do(t, req{Method: "PATCH", Path: "/api/v1/jobs/" + globex.ID, Token: token, Body: body})
		require.Equal(t, http.StatusBadRequest, r.Status, body)
		require.Contains(t, r.Error(t).Details["fields"].(map[string]any)["stage"], want, body)
	}
	other := pgtest.MustSession(t, b.db, uniqueEmail())
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/jobs/" + globex.ID, Token: other, Body: map[string]any{"stage": "offer"}})
	require.Equal(t, http.StatusNotFound, r.Status)

	// A tracked-only job is refused from a run, with the reason.
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs/" + run.ID.String() + "/tasks", Token: token, Body: map[string]any{"job_ids": []string{initech.ID, linked.ID}}})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	e := r.Error(t)
	require.Equal(t, domain.ECONFLICT, e.Code)
	require.Contains(t, e.Message, "tracked only")
	require.Equal(t, "tracked_only", e.Details["reason"])

	// Renaming a source renames its postings named after it.
	src, err := b.db.SourceCreate(ctx, user.ID, domain.SourceCreate{Platform: domain.PlatformAshby, Board: "hooli", Name: "Hooli", SyncEvery: domain.MinSyncEvery})
	require.NoError(t, err)
	p := domain.BoardPosting{ExternalID: "f00d", Title: "Data engineer", URL: "https://jobs.ashbyhq.com/hooli/f00d"}
	_, _, err = b.db.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(src.Platform, src.Board, p.ExternalID), src.DisplayName(), p)
	require.NoError(t, err)
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/sources/" + src.ID.String(), Token: token, Body: map[string]any{"name": "Hooli XYZ"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, []string{"Hooli XYZ:new"}, list("?source=ashby"))
}
