package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

type runView struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Status     string         `json:"status"`
	TaskCounts map[string]int `json:"task_counts"`
}

type taskView struct {
	ID       string `json:"id"`
	JobID    string `json:"job_id"`
	State    string `json:"state"`
	Priority int    `json:"priority"`
	Boosted  bool   `json:"boosted"`
}

type taskPage struct {
	Items      []taskView `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

type ingestView struct {
	Created      int `json:"created"`
	AlreadyKnown int `json:"already_known"`
	Rejected     int `json:"rejected"`
	Results      []struct {
		Index  int    `json:"index"`
		Status string `json:"status"`
		Job    *struct {
			ID               string `json:"id"`
			HasBeenAppliedTo bool   `json:"has_been_applied_to"`
		} `json:"job"`
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	} `json:"results"`
}

// TestFlow_SignInRunJobsQueue walks the README's curl session over real HTTP.
func TestFlow_SignInRunJobsQueue(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := b.signIn(t, uniqueEmail())

	r := b.do(t, req{Method: "PATCH", Path: "/api/v1/me", Token: token, Body: map[string]any{"name": "Ada Lovelace", "phone": "+44 20 7946 0000"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: map[string]any{"name": "Backend roles", "cover_letter_template": "Dear {{.company}}"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var run runView
	r.JSON(t, &run)
	require.Equal(t, "active", run.Status)

	var jobs []map[string]string
	for i := range 5 {
		jobs = append(jobs, map[string]string{"url": fmt.Sprintf("https://boards.greenhouse.io/acme/jobs/%d", 100+i), "company": "Acme", "title": "Engineer"})
	}
	// The same posting again through a tracking link, and a bad one.
	jobs = append(jobs, map[string]string{"url": "https://job-boards.greenhouse.io/acme/jobs/100?gh_src=x&utm_source=li"}, map[string]string{"url": "not a url"})
	r = b.do(t, req{Method: "POST", Path: "/api/v1/jobs", Token: token, Body: map[string]any{"jobs": jobs}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var ing ingestView
	r.JSON(t, &ing)
	require.Equal(t, 5, ing.Created)
	require.Equal(t, 1, ing.AlreadyKnown)
	require.Equal(t, 1, ing.Rejected)
	require.Equal(t, ing.Results[0].Job.ID, ing.Results[5].Job.ID, "tracking link is the same job")
	require.Equal(t, domain.EINVALID, ing.Results[6].Error.Code)

	var jobIDs []string
	for _, res := range ing.Results[:5] {
		jobIDs = append(jobIDs, res.Job.ID)
	}
	r = b.do(t, req{Method: "POST", Path: "/api/v1/runs/" + run.ID + "/tasks", Token: token, Body: map[string]any{"job_ids": append(jobIDs, jobIDs[0])}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var added domain.AddJobsResult
	r.JSON(t, &added)
	require.Len(t, added.Queued, 5)
	require.Len(t, added.Duplicates, 1)
	require.Equal(t, domain.DuplicateRepeatedInList, added.Duplicates[0].Reason)

	// Queued view in claim order: oldest first (all default priority).
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?state=queued&run_id=" + run.ID, Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var queued taskPage
	r.JSON(t, &queued)
	require.Len(t, queued.Items, 5)

	// The last task gets paused (as a worker would), then resumed by the user:
	// it comes first in the queued view, boosted.
	last := queued.Items[4]
	id, err := domain.ParseID(last.ID)
	require.NoError(t, err)
	pgtest.MustForceState(t, b.db, id, domain.StatePaused)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/tasks/" + last.ID + "/resume", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?state=queued&run_id=" + run.ID, Token: token})
	r.JSON(t, &queued)
	require.Equal(t, last.ID, queued.Items[0].ID)
	require.True(t, queued.Items[0].Boosted)
	require.Equal(t, 100, queued.Items[0].Priority)

	// Resuming a queued task is a 409 with the current state.
	r = b.do(t, req{Method: "POST", Path: "/api/v1/tasks/" + last.ID + "/resume", Token: token})
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, domain.EILLEGALTRANSITION, r.ErrorCode(t))

	// Paging with a cursor walks the same order.
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?state=queued&limit=2", Token: token})
	var p1, p2, p3 taskPage
	r.JSON(t, &p1)
	require.NotEmpty(t, p1.NextCursor)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?state=queued&limit=2&cursor=" + p1.NextCursor, Token: token})
	r.JSON(t, &p2)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?state=queued&limit=2&cursor=" + p2.NextCursor, Token: token})
	r.JSON(t, &p3)
	require.Empty(t, p3.NextCursor)
	var paged []string
	for _, p := range []taskPage{p1, p2, p3} {
		for _, it := range p.Items {
			paged = append(paged, it.ID)
		}
	}
	var all []string
	for _, it := range queued.Items {
		all = append(all, it.ID)
	}
	require.Equal(t, all, paged)

	// The run shows its counts; the task page shows its timeline.
	r = b.do(t, req{Method: "GET", Path: "/api/v1/runs/" + run.ID, Token: token})
	r.JSON(t, &run)
	require.Equal(t, 5, run.TaskCounts["queued"])
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks/" + last.ID, Token: token})
	require.Equal(t, http.StatusOK, r.Status)
	var detail struct {
		Transitions []struct {
			To string `json:"to"`
		} `json:"transitions"`
		Job struct{ Company string } `json:"job"`
	}
	r.JSON(t, &detail)
	require.Equal(t, "Acme", detail.Job.Company)
	require.Equal(t, "queued", detail.Transitions[len(detail.Transitions)-1].To)

	// Cancel, then bulk-cancel the rest of the run.
	r = b.do(t, req{Method: "POST", Path: "/api/v1/tasks/" + last.ID + "/cancel", Token: token})
	require.Equal(t, http.StatusOK, r.Status)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/tasks/bulk-cancel", Token: token, Body: map[string]any{"run_id": run.ID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var bulk struct{ Changed int }
	r.JSON(t, &bulk)
	require.Equal(t, 4, bulk.Changed)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/tasks/bulk-resume", Token: token, Body: map[string]any{"run_id": run.ID}})
	r.JSON(t, &bulk)
	require.Zero(t, bulk.Changed, "cancelled tasks are terminal")

	// Logout ends the session.
	r = b.do(t, req{Method: "POST", Path: "/api/v1/auth/logout", Token: token})
	require.Equal(t, http.StatusNoContent, r.Status)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/me", Token: token})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Equal(t, domain.EUNAUTHORIZED, r.ErrorCode(t))
}
