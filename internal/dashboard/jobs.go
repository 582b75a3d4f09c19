package dashboard

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	// The tracker's filters, as asked, and what they can be.
	Stage, Company, Source, Sort string
	Stages                       []domain.Stage
	PersonStages                 []domain.Stage
	Sources                      []string
	// Next is the query of the next page ("" on the last); Back the
	// filters of this one, for the stage forms to return to.
	Next, Back string
	// ChipQuery is the filters but the stage, for the stage links.
	ChipQuery string
}

// jobSources are the source filter's choices: the boards, and "web" for
// links of other sites.
var jobSources = func() []string {
	out := make([]string, 0, len(domain.Platforms)+1)
	for _, p := range domain.Platforms {
		out = append(out, string(p))
	}
	return append(out, "web")
}()

// handleJobs serves GET /jobs?q=&stage=&company=&source=&sort=&applied=&cursor=:
// the job list as a tracker (each job's stage, details, the person's own
// stage to set), the paste form and the add-to-run form. A bad filter
// answers 400 on the page, saying what is allowed.
func (d *Dashboard) handleJobs(c echo.Context) error {
	return d.jobsPage(c, http.StatusOK, jobsPage{})
}

func (d *Dashboard) jobsPage(c echo.Context, status int, p jobsPage) error {
	u := userOf(c)
	ctx := c.Request().Context()
	p.Query, p.Applied = c.QueryParam("q"), c.QueryParam("applied")
	p.Stage, p.Company, p.Source, p.Sort = c.QueryParam("stage"), c.QueryParam("company"), c.QueryParam("source"), c.QueryParam("sort")
	p.Stages, p.PersonStages, p.Sources = domain.Stages, domain.PersonStages, jobSources
	f := domain.JobFilter{Text: p.Query, Company: p.Company, Source: p.Source, Sort: p.Sort, Cursor: c.QueryParam("cursor"), Limit: domain.DefaultPageSize}
	if p.Stage != "" {
		f.Stages = []domain.Stage{domain.Stage(p.Stage)}
	}
	if b, err := strconv.ParseBool(p.Applied); err == nil {
		f.HasBeenAppliedTo = &b
	}
	err := f.Validate()
	var next string
	if err == nil {
		p.Jobs, next, err = d.db.JobPostingList(ctx, u.ID, f)
	}
	if code := domain.ErrorCode(err); code == domain.EINVALID {
		// A bad filter or cursor: the page says what is allowed.
		msg := domain.ErrorMessage(err)
		if fields := fieldErrors(err); len(fields) > 0 && fields["_"] == "" {
			var parts []string
			for _, name := range []string{"stage", "sort", "q", "company", "source"} {
				if m, ok := fields[name]; ok {
					parts = append(parts, "The "+filterNames[name]+" "+m+".")
				}
			}
			msg = strings.Join(parts, " ")
		}
		p.Error, status, p.Jobs = msg, http.StatusBadRequest, nil
	} else if err != nil {
		return d.renderError(c, err, u)
	}
	back := url.Values{}
	for _, k := range []string{"q", "stage", "company", "source", "sort", "applied"} {
		if v := c.QueryParam(k); v != "" {
			back.Set(k, v)
		}
	}
	p.Back = back.Encode()
	back.Del("stage")
	p.ChipQuery = back.Encode()
	if next != "" {
		q := c.QueryParams()
		q.Set("cursor", next)
		q.Del("msg")
		p.Next = q.Encode()
	}
	if p.Runs, _, err = d.db.ListRuns(ctx, u.ID, "", 200); err != nil {
		return d.renderError(c, err, u)
	}
	return d.page(c, status, "jobs.html", "Jobs", p)
}

// filterNames word the filters in messages.
var filterNames = map[string]string{"stage": "stage", "sort": "order", "q": "search", "company": "company", "source": "board"}

// handleJobStage serves POST /jobs/:id/stage (form field stage: one of
// the person's stages, or empty to go back to the derived one), then
// returns to the list as it was filtered (form field back: a query), but
// for the stage filter, at the job.
func (d *Dashboard) handleJobStage(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "job not found"), u)
	}
	stage, err := domain.ParsePersonStage("stage", c.FormValue("stage"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.EINVALID, "The stage %s.", fieldErrors(err)["stage"]), u)
	}
	if _, err := d.tasks.SetJobStage(c.Request().Context(), u.ID, id, stage); err != nil {
		return d.renderError(c, err, u)
	}
	q, err := url.ParseQuery(c.FormValue("back"))
	if err != nil {
		q = url.Values{}
	}
	// The stage filter goes: the job just changed stage, and stays in view.
	q.Del("stage")
	q.Set("msg", "job_stage_set")
	if stage == nil {
		q.Set("msg", "job_stage_cleared")
	}
	// Back to the list as it was, at the job.
	return c.Redirect(http.StatusSeeOther, "/jobs?"+q.Encode()+"#job-"+id.String())
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
