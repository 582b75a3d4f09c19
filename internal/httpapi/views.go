package httpapi

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// The JSON shapes of the API. Domain types never go out directly: these keep
// the wire format stable when the domain changes.

type userJSON struct {
	ID                   domain.ID      `json:"id"`
	Email                string         `json:"email"`
	Profile              domain.Profile `json:"profile"`
	DailySubmissionLimit int            `json:"daily_submission_limit"`
	Role                 string         `json:"role"`
	CreatedAt            time.Time      `json:"created_at"`
}

func toUser(u *domain.User) userJSON {
	p := u.Profile
	if p.Links == nil {
		p.Links = map[string]string{}
	}
	return userJSON{ID: u.ID, Email: u.Email, Profile: p, DailySubmissionLimit: u.DailySubmissionLimit, Role: u.Role, CreatedAt: u.CreatedAt}
}

type runJSON struct {
	ID                  domain.ID `json:"id"`
	Name                string    `json:"name"`
	Status              string    `json:"status"`
	RequiresApproval    bool      `json:"requires_approval"`
	CoverLetterTemplate string    `json:"cover_letter_template"`
	ApprovalTTLSeconds  *int      `json:"approval_ttl_seconds"`
	// The documents its applications carry (null: the user's defaults).
	ResumeDocumentID      *domain.ID     `json:"resume_document_id"`
	CoverLetterDocumentID *domain.ID     `json:"cover_letter_document_id"`
	TaskCounts            map[string]int `json:"task_counts"`
	CreatedAt             time.Time      `json:"created_at"`
	UpdatedAt             time.Time      `json:"updated_at"`
}

func toRun(r *domain.Run) runJSON {
	counts := map[string]int{}
	for _, s := range domain.AllStates {
		counts[string(s)] = r.StateCounts[s]
	}
	v := runJSON{ID: r.ID, Name: r.Name, Status: string(r.Status), RequiresApproval: r.RequiresApproval,
		CoverLetterTemplate: r.CoverLetterTemplate, TaskCounts: counts, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		ResumeDocumentID: r.ResumeDocumentID, CoverLetterDocumentID: r.CoverLetterDocumentID}
	if r.ApprovalTTL > 0 {
		n := int(r.ApprovalTTL / time.Second)
		v.ApprovalTTLSeconds = &n
	}
	return v
}

type jobJSON struct {
	ID               domain.ID      `json:"id"`
	Source           string         `json:"source"`
	ExternalID       string         `json:"external_id"`
	URL              string         `json:"url"`
	CanonicalKey     string         `json:"canonical_key"`
	Company          string         `json:"company"`
	Title            string         `json:"title"`
	Location         string         `json:"location"`
	Description      string         `json:"description"`
	Raw              map[string]any `json:"raw"`
	HasBeenAppliedTo bool           `json:"has_been_applied_to"`
	CreatedAt        time.Time      `json:"created_at"`
	// From a followed job board; zero values (and null source_id,
	// questions, board_updated_at, closed_at) for a pasted posting.
	SourceID          *domain.ID     `json:"source_id"`
	Platform          string         `json:"platform"`
	PlatformPostingID string         `json:"platform_posting_id"`
	Department        string         `json:"department"`
	Remote            bool           `json:"remote"`
	ApplyURL          string         `json:"apply_url"`
	Compensation      string         `json:"compensation"`
	EmploymentType    string         `json:"employment_type"`
	Questions         []questionJSON `json:"questions"`
	BoardUpdatedAt    *time.Time     `json:"board_updated_at"`
	ClosedAt          *time.Time     `json:"closed_at"`
	// The tracker: the stage (the person's own when set, else derived),
	// the person's stage (null: none), where company comes from, whether
	// it can only be tracked, and how far a pasted board link's details
	// are read ("fetching", "failed", or "").
	Stage         string     `json:"stage"`
	PersonStage   *string    `json:"person_stage"`
	PersonStageAt *time.Time `json:"person_stage_at"`
	CompanyOrigin string     `json:"company_origin"`
	TrackedOnly   bool       `json:"tracked_only"`
	Details       string     `json:"details_status"`
}

// questionJSON is one field of a posting's application form.
type questionJSON struct {
	Field    string               `json:"field"`
	Label    string               `json:"label"`
	Kind     string               `json:"kind"`
	Required bool                 `json:"required"`
	Options  []questionOptionJSON `json:"options"`
	Section  string               `json:"section"`
}

type questionOptionJSON struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

func toQuestion(q domain.Question) questionJSON {
	opts := make([]questionOptionJSON, len(q.Options))
	for i, o := range q.Options {
		opts[i] = questionOptionJSON{Label: o.Label, Value: o.Value}
	}
	return questionJSON{Field: q.Field, Label: q.Label, Kind: string(q.Kind), Required: q.Required, Options: opts, Section: string(q.Section)}
}

func toJob(j *domain.JobPosting) jobJSON {
	raw := j.Raw
	if raw == nil {
		raw = map[string]any{}
	}
	var personStage *string
	if j.PersonStage != nil {
		v := string(*j.PersonStage)
		personStage = &v
	}
	var questions []questionJSON // null: the board publishes no form
	if j.Questions != nil {
		questions = mapSlice(j.Questions, toQuestion)
	}
	return jobJSON{ID: j.ID, Source: j.Source, ExternalID: j.ExternalID, URL: j.URL, CanonicalKey: j.CanonicalKey,
		Company: j.Company, Title: j.Title, Location: j.Location, Description: j.Description, Raw: raw,
		HasBeenAppliedTo: j.HasBeenAppliedTo, CreatedAt: j.CreatedAt,
		SourceID: j.SourceID, Platform: string(j.Platform), PlatformPostingID: j.PlatformPostingID, Department: j.Department,
		Remote: j.Remote, ApplyURL: j.ApplyURL, Compensation: j.Compensation, EmploymentType: j.EmploymentType,
		Questions: questions, BoardUpdatedAt: j.BoardUpdatedAt, ClosedAt: j.ClosedAt,
		Stage: string(j.Stage), PersonStage: personStage, PersonStageAt: j.PersonStageAt, CompanyOrigin: string(j.CompanyOrigin),
		TrackedOnly: j.TrackedOnly, Details: string(j.Details)}
}

// sourceFiltersJSON is a source's filters, every key always present.
type sourceFiltersJSON struct {
	TitleKeywords []string `json:"title_keywords"`
	Locations     []string `json:"locations"`
	Departments   []string `json:"departments"`
	RemoteOnly    bool     `json:"remote_only"`
}

func toSourceFilters(f domain.SourceFilters) sourceFiltersJSON {
	orEmpty := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	return sourceFiltersJSON{TitleKeywords: orEmpty(f.TitleKeywords), Locations: orEmpty(f.Locations),
		Departments: orEmpty(f.Departments), RemoteOnly: f.RemoteOnly}
}

func (f sourceFiltersJSON) toDomain() domain.SourceFilters {
	return domain.SourceFilters{TitleKeywords: f.TitleKeywords, Locations: f.Locations, Departments: f.Departments, RemoteOnly: f.RemoteOnly}
}

// sourceJSON is a followed job board. Its conditional-request validators
// (ETag, Last-Modified) stay inside.
type sourceJSON struct {
	ID               domain.ID         `json:"id"`
	Platform         string            `json:"platform"`
	Board            string            `json:"board"`
	Name             string            `json:"name"`
	Filters          sourceFiltersJSON `json:"filters"`
	RunID            *domain.ID        `json:"run_id"`
	Status           string            `json:"status"`
	StatusReason     string            `json:"status_reason"`
	SyncEvery        string            `json:"sync_every"`
	SyncEverySeconds int64             `json:"sync_every_seconds"`
	NextSyncAt       time.Time         `json:"next_sync_at"`
	LastSyncedAt     *time.Time        `json:"last_synced_at"`
	LastError        string            `json:"last_error"`
	PostingsOpen     int               `json:"postings_open"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

func toSource(s *domain.Source) sourceJSON {
	return sourceJSON{ID: s.ID, Platform: string(s.Platform), Board: s.Board, Name: s.Name, Filters: toSourceFilters(s.Filters),
		RunID: s.TargetRunID, Status: string(s.Status), StatusReason: s.StatusReason, SyncEvery: shortDuration(s.SyncEvery),
		SyncEverySeconds: int64(s.SyncEvery / time.Second), NextSyncAt: s.NextSyncAt, LastSyncedAt: s.LastSyncedAt,
		LastError: s.LastError, PostingsOpen: s.PostingsOpen, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// shortDuration writes d as time.ParseDuration reads it, without zero
// trailing units: 6h, 1h30m, 15m (not 6h0m0s).
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// documentJSON is a document's metadata; its bytes are at
// /api/v1/documents/{id}/content. Where they are kept stays inside.
type documentJSON struct {
	ID          domain.ID  `json:"id"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	IsDefault   bool       `json:"is_default"`
	CreatedAt   time.Time  `json:"created_at"`
	DeletedAt   *time.Time `json:"deleted_at"`
}

func toDocument(d *domain.Document) documentJSON {
	return documentJSON{ID: d.ID, Kind: string(d.Kind), Name: d.Name, Filename: d.Filename, ContentType: d.ContentType,
		Size: d.Size, SHA256: d.SHA256, IsDefault: d.IsDefault, CreatedAt: d.CreatedAt, DeletedAt: d.DeletedAt}
}

type taskJSON struct {
	ID          domain.ID `json:"id"`
	RunID       domain.ID `json:"run_id"`
	JobID       domain.ID `json:"job_id"`
	State       string    `json:"state"`
	Priority    int       `json:"priority"`
	Boosted     bool      `json:"boosted"`
	QueuedAt    time.Time `json:"queued_at"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error"`
	StateReason string    `json:"state_reason"`
	NextStates  []string  `json:"next_states"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// CodeRequest is set while the task's form waits for the security
	// code mailed to the applicant (withCode); null otherwise.
	CodeRequest *codeRequestJSON `json:"code_request"`
}

// codeRequestJSON is a form waiting for the security code its platform
// mailed: where (shortened) and until when. Never the code.
type codeRequestJSON struct {
	Address   string     `json:"address"`
	ExpiresAt time.Time  `json:"expires_at"`
	Attempt   int        `json:"attempt"`
	Refused   string     `json:"refused"`
	GivenAt   *time.Time `json:"given_at"`
}

// withCode sets the task's code_request from its open request (taken:
// the code is being typed, so nothing waits for the user).
func (t *taskJSON) withCode(w *domain.CodeWait) {
	if w == nil || w.TakenAt != nil || w.ClosedAt != nil {
		return
	}
	t.CodeRequest = &codeRequestJSON{Address: domain.MaskEmail(w.Address), ExpiresAt: w.ExpiresAt, Attempt: w.Attempt, Refused: w.Refused, GivenAt: w.GivenAt}
}

func toTask(t *domain.Task) taskJSON {
	next := []string{}
	for _, s := range domain.NextStates(t.State) {
		next = append(next, string(s))
	}
	return taskJSON{ID: t.ID, RunID: t.RunID, JobID: t.JobID, State: string(t.State), Priority: t.Priority,
		Boosted: t.Boosted(), QueuedAt: t.QueuedAt, Attempts: t.Attempts, LastError: t.LastError,
		StateReason: string(t.StateReason), NextStates: next, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

type transitionJSON struct {
	From   *string   `json:"from"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

type taskDetailJSON struct {
	taskJSON
	Job         jobJSON          `json:"job"`
	Run         runJSON          `json:"run"`
	Transitions []transitionJSON `json:"transitions"`
	Packet      json.RawMessage  `json:"packet"`
	Approval    any              `json:"approval"`
	// Evidence is what the applier saw (screenshots), with where to fetch it.
	Evidence []evidenceJSON `json:"evidence"`
}

func toTaskDetail(d *domain.TaskDetail) taskDetailJSON {
	trs := make([]transitionJSON, len(d.Transitions))
	for i, tr := range d.Transitions {
		var from *string
		if tr.From != "" {
			f := string(tr.From)
			from = &f
		}
		trs[i] = transitionJSON{From: from, To: string(tr.To), Actor: tr.Actor, Reason: string(tr.Reason), At: tr.CreatedAt}
	}
	packet := d.Packet
	if packet == nil {
		packet = json.RawMessage("null")
	}
	return taskDetailJSON{taskJSON: toTask(d.Task), Job: toJob(d.Job), Run: toRun(d.Run), Transitions: trs, Packet: packet}
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
