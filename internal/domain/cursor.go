package domain

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

func strconvQuote(s string) string { return strconv.Quote(s) }

// Cursor is a position in a keyset-paginated list: the sort key of the last
// row of the previous page. It travels as an opaque URL-safe string.
type Cursor struct {
	Kind     string    `json:"k"`           // which ordering it belongs to
	Priority int       `json:"p,omitempty"` // claim order; a job's stage rank (sort=stage)
	Key      string    `json:"s,omitempty"` // a text sort key (sort=company)
	Time     time.Time `json:"t"`
	ID       ID        `json:"i"`
}

// Encode returns the opaque form.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor for a list ordered by kind. Anything
// malformed, or a cursor from another list, is EINVALID.
func DecodeCursor(s, kind string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := Errorf(EINVALID, "cursor is not valid for this list: pass the next_cursor of the previous page unchanged")
	if len(s) > 512 {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Kind != kind || c.ID.IsZero() || c.Time.IsZero() {
		return nil, bad
	}
	return &c, nil
}

// Page bounds.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// TaskFilter selects tasks for lists and bulk actions.
type TaskFilter struct {
	States []State
	RunID  *ID
	Cursor string
	Limit  int
}

// ClaimOrder reports whether the list is exactly the queued view, which is
// shown in the order workers claim: boosted first, then oldest queued_at.
func (f *TaskFilter) ClaimOrder() bool {
	return len(f.States) == 1 && f.States[0] == StateQueued
}

// JobFilter selects job postings.
type JobFilter struct {
	Text             string
	Company          string
	Source           string
	HasBeenAppliedTo *bool
	// SourceID keeps the postings of one followed board.
	SourceID *ID
	// Open keeps the postings their board still lists, pasted ones
	// included (true), or those it closed (false).
	Open *bool
	// Stages keeps the jobs in any of these stages (empty: every stage).
	Stages []Stage
	// Sort is newest (default), company (A–Z) or stage (the pipeline's
	// order, newest first within a stage).
	Sort   string
	Cursor string
	Limit  int
}

// Validate refuses search text Postgres cannot take (NUL characters,
// invalid UTF-8) or that cannot match anything stored (control characters,
// longer than the field), naming the query parameter.
func (f *JobFilter) Validate() error {
	fields := map[string]string{}
	for name, v := range map[string]string{"q": f.Text, "company": f.Company, "source": f.Source} {
		if p := LineProblem(v, 300); p != "" {
			fields[name] = p
		}
	}
	for _, s := range f.Stages {
		if !s.Valid() {
			fields["stage"] = "must be one of " + stageNames(Stages) + " (got " + strconvQuote(truncate(string(s), 40)) + ")"
		}
	}
	switch f.Sort {
	case "", JobSortNewest, JobSortCompany, JobSortStage:
	default:
		fields["sort"] = "must be one of " + strings.Join(JobSorts, ", ") + " (got " + strconvQuote(truncate(f.Sort, 40)) + ")"
	}
	return ValidationError(fields)
}

// TaskDetail is one task with everything its page shows.
type TaskDetail struct {
	Task        *Task
	Job         *JobPosting
	Run         *Run
	Transitions []Transition
	Packet      json.RawMessage
}
