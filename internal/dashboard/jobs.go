package dashboard

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/ingest"
)

type jobsPage struct {
	Jobs    []*domain.JobPosting
	Runs    []*domain.Run
	Results []domain.IngestOutcome
	Pasted  string
	Error   string
	Query   string
	Applied string
}

// handleJobs serves GET /jobs?q=&applied=: the postings, the paste form and
// the add-to-run form.
func (d *Dashboard) handleJobs(c echo.Context) error {
	return d.jobsPage(c, http.StatusOK, jobsPage{})
}

func (d *Dashboard) jobsPage(c echo.Context, status int, p jobsPage) error {
	u := userOf(c)
	ctx := c.Request().Context()
	f := domain.JobFilter{Text: c.QueryParam("q"), Limit: domain.MaxPageSize}
	p.Query, p.Applied = c.QueryParam("q"), c.QueryParam("applied")
	if b, err := strconv.ParseBool(p.Applied); err == nil {
		f.HasBeenAppliedTo = &b
	}
	err := f.Validate()
	if err == nil {
		p.Jobs, _, err = d.db.JobPostingList(ctx, u.ID, f)
	}
	if err != nil {
		return d.renderError(c, err, u)
	}
	if p.Runs, _, err = d.db.ListRuns(ctx, u.ID, "", 200); err != nil {
		return d.renderError(c, err, u)
	}
	return d.page(c, status, "jobs.html", "Jobs", p)
}

// handlePasteJobs serves POST /jobs: URLs one per line, or an uploaded CSV
// or JSON file. The page then says which were new, already known, already
// applied to, or rejected and why.
func (d *Dashboard) handlePasteJobs(c echo.Context) error {
	var inputs []domain.JobInput
	pasted := c.FormValue("urls")
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			return d.renderError(c, err, userOf(c))
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, 2<<20))
		if err != nil {
			return d.renderError(c, err, userOf(c))
		}
		inputs, err = ingest.File(fh.Filename, data)
		if err != nil {
			return d.jobsPage(c, http.StatusBadRequest, jobsPage{Error: domain.ErrorMessage(err)})
		}
	}
	for _, line := range strings.Split(pasted, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			inputs = append(inputs, domain.JobInput{URL: line})
		}
	}
	if len(inputs) == 0 {
		return d.jobsPage(c, http.StatusBadRequest, jobsPage{Error: "Paste at least one posting URL, or choose a CSV or JSON file.", Pasted: pasted})
	}
	if len(inputs) > ingest.MaxJobs {
		return d.jobsPage(c, http.StatusBadRequest, jobsPage{Error: fmt.Sprintf("At most %d postings at a time.", ingest.MaxJobs), Pasted: pasted})
	}
	out, err := d.tasks.IngestJobs(c.Request().Context(), userOf(c).ID, inputs)
	if err != nil {
		return d.renderError(c, err, userOf(c))
	}
	return d.jobsPage(c, http.StatusOK, jobsPage{Results: out})
}

// handleAddJobs serves POST /jobs/add: the selected jobs join a run.
func (d *Dashboard) handleAddJobs(c echo.Context) error {
	u := userOf(c)
	runID, err := domain.ParseID(c.FormValue("run_id"))
	if err != nil {
		return d.jobsPage(c, http.StatusBadRequest, jobsPage{Error: "Choose a run to add the jobs to."})
	}
	form, _ := c.FormParams()
	var ids []domain.ID
	for _, s := range form["job_id"] {
		if id, err := domain.ParseID(s); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return d.jobsPage(c, http.StatusBadRequest, jobsPage{Error: "Select at least one job to add."})
	}
	res, err := d.tasks.AddJobs(c.Request().Context(), u.ID, runID, ids, domain.UserActor(u.ID))
	if err != nil {
		return d.renderError(c, err, u)
	}
	to := "/queue/queued?run_id=" + runID.String()
	if n := len(res.Duplicates); n > 0 {
		return back(c, to, "tasks_not_all", len(res.Queued), n)
	}
	return back(c, to, "tasks_queued", len(res.Queued))
}
