// Package ingest reads lists of job postings, uploaded as CSV or JSON, into
// domain.JobInput for both edges that take them: the JSON API and the
// dashboard. A posting that Postgres cannot store refuses the whole list,
// naming its row, CSV line and field; anything else wrong with a posting
// rejects that posting alone, later, in its result.
package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/applyq/applyq/internal/domain"
)

// MaxJobs bounds one list of postings.
const MaxJobs = 1000

// columns are the columns a CSV list may have (header row required).
var columns = map[string]bool{"url": true, "company": true, "title": true, "location": true, "source": true, "external_id": true, "description": true}

// CSV reads postings from CSV with a header row (columns url, company,
// title, location, source, external_id, description). An unknown column, a
// missing url column, a malformed file, more than MaxJobs postings or a
// posting Postgres cannot store is EINVALID naming the problem; reading past
// an http.MaxBytesReader's limit is ETOOLARGE.
func CSV(r io.Reader) ([]domain.JobInput, error) {
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
		if !columns[h] {
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
		if len(out) >= MaxJobs {
			return nil, domain.ValidationError(map[string]string{"jobs": "must hold at most " + strconv.Itoa(MaxJobs) + " postings per request"})
		}
		get := func(col string) string {
			if i, ok := idx[col]; ok {
				return rec[i]
			}
			return ""
		}
		in := domain.JobInput{URL: get("url"), Company: get("company"), Title: get("title"), Location: get("location"),
			Source: get("source"), ExternalID: get("external_id"), Description: get("description")}
		if field, problem, ok := storable(&in); !ok {
			line, _ := cr.FieldPos(idx[field])
			return nil, rowError(len(out), line, field, problem)
		}
		out = append(out, in)
	}
	return out, nil
}

// JSON reads an uploaded JSON file: {"jobs": […]} or a bare list of
// postings. Postings are not checked here: each is accepted or rejected in
// its own result.
func JSON(data []byte) ([]domain.JobInput, error) {
	if !utf8.Valid(data) {
		return nil, domain.Errorf(domain.EINVALID, "the JSON file is not UTF-8 text: save it as UTF-8 and upload it again")
	}
	var body struct {
		Jobs []domain.JobInput `json:"jobs"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		var list []domain.JobInput
		if err2 := json.Unmarshal(data, &list); err2 != nil {
			return nil, domain.Errorf(domain.EINVALID, "the JSON file must hold {\"jobs\": [...]} or a list of postings: %v", err)
		}
		return list, nil
	}
	return body.Jobs, nil
}

// File reads an uploaded file by its name: JSON when it ends in .json, CSV
// otherwise.
func File(name string, data []byte) ([]domain.JobInput, error) {
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		return JSON(data)
	}
	return CSV(bytes.NewReader(data))
}

// Check refuses a list holding a posting that Postgres cannot store, for
// lists decoded elsewhere (the API's JSON body), with the error CSV gives.
func Check(jobs []domain.JobInput) error {
	for i := range jobs {
		if field, problem, ok := storable(&jobs[i]); !ok {
			return rowError(i, 0, field, problem)
		}
	}
	return nil
}

// storable finds what Postgres cannot store in a posting (a NUL character
// or invalid UTF-8 in any field or in the raw payload) and names the field.
func storable(in *domain.JobInput) (field, problem string, ok bool) {
	for _, f := range in.TextFields() {
		if _, p, ok := domain.NULProblem(f.Value); !ok {
			return f.Name, p, false
		}
	}
	if path, p, ok := domain.NULProblem(in.Raw); !ok {
		if path == "" {
			return "raw", p, false
		}
		return "raw." + path, p, false
	}
	return "", "", true
}

// rowError refuses a whole list for one posting that cannot be stored.
// Details name the posting by row (its index, as in the results of an
// accepted list), the CSV line when there is one, and the field.
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
	return domain.Errorf(domain.EINVALID, "CSV is malformed: %v", err)
}
