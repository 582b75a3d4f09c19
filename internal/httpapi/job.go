package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/ingest"
)

type ingestRequest struct {
	Jobs []domain.JobInput `json:"jobs"`
}

type ingestResult struct {
	Index  int          `json:"index"`
	Status string       `json:"status"`
	Job    *jobJSON     `json:"job,omitempty"`
	Error  *errorDetail `json:"error,omitempty"`
}

type ingestResponse struct {
	Created      int            `json:"created"`
	AlreadyKnown int            `json:"already_known"`
	Rejected     int            `json:"rejected"`
	Results      []ingestResult `json:"results"`
}

// handleIngestJobs answers POST /api/v1/jobs with {"jobs":[…]} (JSON) or a
// CSV file (text/csv, header row; columns url, company, title, location,
// source, external_id, description). Up to 1,000 postings per request. Each
// is created, already known (same canonical key) or rejected with a reason.
func (s *Server) handleIngestJobs(c echo.Context) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	var inputs []domain.JobInput
	var err error
	switch mt {
	case "application/json":
		var req ingestRequest
		if err = decodeJSONText(c, &req); err != nil {
			return err
		}
		if err = ingest.Check(req.Jobs); err != nil {
			return err
		}
		inputs = req.Jobs
	case "text/csv":
		body, err := readBody(c)
		if err != nil {
			return err
		}
		if inputs, err = ingest.CSV(bytes.NewReader(body)); err != nil {
			return err
		}
	default:
		return domain.Errorf(EUNSUPPORTEDMEDIA, "send postings as application/json {\"jobs\": […]} or as text/csv")
	}
	if len(inputs) == 0 {
		return domain.ValidationError(map[string]string{"jobs": "must hold at least one posting"})
	}
	if len(inputs) > ingest.MaxJobs {
		return domain.ValidationError(map[string]string{"jobs": fmt.Sprintf("must hold at most %d postings per request, got %d", ingest.MaxJobs, len(inputs))})
	}
	out, err := s.tasks.IngestJobs(c.Request().Context(), currentUser(c).ID, inputs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toIngestResponse(out))
}

// toIngestResponse counts and renders the outcomes of an ingestion.
func toIngestResponse(out []domain.IngestOutcome) ingestResponse {
	resp := ingestResponse{Results: make([]ingestResult, len(out))}
	for i, o := range out {
		r := ingestResult{Index: o.Index, Status: o.Status}
		switch o.Status {
		case domain.IngestCreated:
			resp.Created++
		case domain.IngestAlreadyKnown:
			resp.AlreadyKnown++
		case domain.IngestRejected:
			resp.Rejected++
			r.Error = &errorDetail{Code: domain.ErrorCode(o.Error), Message: domain.ErrorMessage(o.Error), Details: domain.ErrorDetails(o.Error)}
		}
		if o.Job != nil {
			j := toJob(o.Job)
			r.Job = &j
		}
		resp.Results[i] = r
	}
	return resp
}

// handleListJobs answers GET /api/v1/jobs?q=&company=&source=&stage=&sort=&has_been_applied_to=&source_id=&open=&cursor=&limit=.
// source_id keeps one followed board's postings; open=true those their
// board still lists (pasted ones included), open=false those it closed;
// stage (repeated, or comma-separated) keeps the jobs in those stages;
// sort is newest (default), company or stage.
func (s *Server) handleListJobs(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	f := domain.JobFilter{Text: c.QueryParam("q"), Company: c.QueryParam("company"), Source: c.QueryParam("source"),
		Sort: c.QueryParam("sort"), Stages: queryStages(c.QueryParams()["stage"]), Cursor: c.QueryParam("cursor"), Limit: limit}
	if f.SourceID, err = queryOptionalID(c, "source_id"); err != nil {
		return err
	}
	if f.Open, err = queryOptionalBool(c, "open"); err != nil {
		return err
	}
	if f.HasBeenAppliedTo, err = queryOptionalBool(c, "has_been_applied_to"); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	jobs, next, err := s.db.JobPostingList(c.Request().Context(), currentUser(c).ID, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[jobJSON]{Items: mapSlice(jobs, toJob), NextCursor: next})
}

// handleGetJob answers GET /api/v1/jobs/:id.
func (s *Server) handleGetJob(c echo.Context) error {
	id, err := pathID(c, "job")
	if err != nil {
		return err
	}
	job, err := s.db.GetJob(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJob(job))
}

// queryStages reads stage=a&stage=b or stage=a,b (empty entries dropped;
// JobFilter.Validate checks each).
func queryStages(values []string) []domain.Stage {
	var out []domain.Stage
	for _, v := range values {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st != "" {
				out = append(out, domain.Stage(st))
			}
		}
	}
	return out
}

type updateJobRequest struct {
	// Stage is the person's own stage, or null to clear it.
	Stage json.RawMessage `json:"stage"`
}

// handleUpdateJob answers PATCH /api/v1/jobs/:id with {"stage": "interviewing"}
// (or offer, rejected, withdrawn): the person's own stage, which overrides
// the one applyq derives from the job's tasks; {"stage": null} clears it.
func (s *Server) handleUpdateJob(c echo.Context) error {
	id, err := pathID(c, "job")
	if err != nil {
		return err
	}
	var req updateJobRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var stage *domain.Stage
	switch raw := bytes.TrimSpace(req.Stage); {
	case len(raw) == 0:
		return domain.ValidationError(map[string]string{"stage": "is required: one of interviewing, offer, rejected, withdrawn, or null to clear it"})
	case string(raw) != "null":
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return domain.ValidationError(map[string]string{"stage": "must be a string (interviewing, offer, rejected, withdrawn) or null"})
		}
		if stage, err = domain.ParsePersonStage("stage", v); err != nil {
			return err
		}
		if stage == nil {
			return domain.ValidationError(map[string]string{"stage": "must not be empty: send null to clear it"})
		}
	}
	job, err := s.tasks.SetJobStage(c.Request().Context(), currentUser(c).ID, id, stage)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJob(job))
}
