package httpapi

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// MaxJobsPerIngest bounds one ingest request.
const MaxJobsPerIngest = 1000

// csvColumns are the columns a CSV upload may have (header row required).
var csvColumns = map[string]bool{"url": true, "company": true, "title": true, "location": true, "source": true, "external_id": true, "description": true}

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
		for i := range req.Jobs {
			if field, problem, ok := storableRow(&req.Jobs[i]); !ok {
				return rowError(i, 0, field, problem)
			}
		}
		inputs = req.Jobs
	case "text/csv":
		inputs, err = ParseJobsCSV(c.Request().Body)
		if err != nil {
			return err
		}
	default:
		return domain.Errorf(EUNSUPPORTEDMEDIA, "send postings as application/json {\"jobs\": […]} or as text/csv")
	}
	if len(inputs) == 0 {
		return domain.ValidationError(map[string]string{"jobs": "must hold at least one posting"})
	}
	if len(inputs) > MaxJobsPerIngest {
		return domain.ValidationError(map[string]string{"jobs": fmt.Sprintf("must hold at most %d postings per request, got %d", MaxJobsPerIngest, len(inputs))})
	}
	out, err := s.db.IngestJobs(c.Request().Context(), currentUser(c).ID, inputs)
	if err != nil {
		return err
	}
	resp := ingestResponse{Results: make([]ingestResult, len(out))}
	for i, o := range out {
		r := ingestResult{Index: o.Index, Status: o.Status}
		switch o.Status {
		case postgres.IngestCreated:
			resp.Created++
		case postgres.IngestAlreadyKnown:
			resp.AlreadyKnown++
		case postgres.IngestRejected:
			resp.Rejected++
			r.Error = &errorDetail{Code: domain.ErrorCode(o.Error), Message: domain.ErrorMessage(o.Error), Details: domain.ErrorDetails(o.Error)}
		}
		if o.Job != nil {
			j := toJob(o.Job)
			r.Job = &j
		}
		resp.Results[i] = r
	}
	return c.JSON(http.StatusOK, resp)
}

// ParseJobsCSV reads postings from CSV with a header row. An unknown column,
// a missing url column, or a malformed file is EINVALID naming the problem.
func ParseJobsCSV(r io.Reader) ([]domain.JobInput, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, domain.Errorf(domain.EINVALID, "CSV is empty: the first row must name the columns (url, company, title, …)")
	}
	if err != nil {
		return nil, csvError(err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !csvColumns[h] {
			return nil, domain.Errorf(domain.EINVALID, "CSV column %q is not known: use url, company, title, location, source, external_id, description", h)
		}
		if _, dup := idx[h]; dup {
			return nil, domain.Errorf(domain.EINVALID, "CSV column %q appears twice", h)
		}
		idx[h] = i
	}
	if _, ok := idx["url"]; !ok {
		if _, ok := idx["external_id"]; !ok {
			return nil, domain.Errorf(domain.EINVALID, "CSV needs a url column (or source and external_id columns)")
		}
	}
	var out []domain.JobInput
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if len(out) >= MaxJobsPerIngest {
			return nil, domain.ValidationError(map[string]string{"jobs": "must hold at most " + strconv.Itoa(MaxJobsPerIngest) + " postings per request"})
		}
		get := func(col string) string {
			if i, ok := idx[col]; ok {
				return rec[i]
			}
			return ""
		}
		in := domain.JobInput{URL: get("url"), Company: get("company"), Title: get("title"), Location: get("location"),
			Source: get("source"), ExternalID: get("external_id"), Description: get("description")}
		if field, problem, ok := storableRow(&in); !ok {
			line, _ := cr.FieldPos(idx[field])
			return nil, rowError(len(out), line, field, problem)
		}
		out = append(out, in)
	}
	return out, nil
}

// storableRow finds what Postgres cannot store in a posting (a NUL
// character or invalid UTF-8 in any field or in the raw payload) and names
// the field. Anything else wrong with a posting rejects that posting alone,
// in its result.
func storableRow(in *domain.JobInput) (field, problem string, ok bool) {
	for _, f := range in.TextFields() {
		if _, p, ok := domain.NULProblem(f.Value); !ok {
			return f.Name, p, false
		}
	}
	if path, p, ok := domain.NULProblem(in.Raw); !ok {
		return joinPath("raw", path), p, false
	}
	return "", "", true
}

// rowError refuses a whole ingest request for one posting that cannot be
// stored. Details name the posting by row (its index, as in the results of
// an accepted request), the CSV line when there is one, and the field.
func rowError(row, line int, field, problem string) error {
	details := map[string]any{"row": row, "field": field}
	where := fmt.Sprintf("row %d", row)
	if line > 0 {
		details["line"] = line
		where += fmt.Sprintf(" (CSV line %d)", line)
	}
	return domain.Errorf(domain.EINVALID, "%s, field %s: %s; nothing was ingested", where, field, problem).WithDetails(details)
}

func csvError(err error) error {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return domain.Errorf(domain.ETOOLARGE, "request body is larger than %d bytes", maxBytes.Limit)
	}
	if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
		return err // a body without Content-Length that outgrew http.body_limit: 413
	}
	return domain.Errorf(domain.EINVALID, "CSV is malformed: %v", err)
}

// handleListJobs answers GET /api/v1/jobs?q=&company=&source=&has_been_applied_to=&cursor=&limit=.
func (s *Server) handleListJobs(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	f := domain.JobFilter{Text: c.QueryParam("q"), Company: c.QueryParam("company"), Source: c.QueryParam("source"),
		Cursor: c.QueryParam("cursor"), Limit: limit}
	if v := c.QueryParam("has_been_applied_to"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return domain.ValidationError(map[string]string{"has_been_applied_to": "must be true or false"})
		}
		f.HasBeenAppliedTo = &b
	}
	jobs, next, err := s.db.ListJobs(c.Request().Context(), currentUser(c).ID, f)
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
