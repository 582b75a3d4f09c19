package domain

import "time"

// RunStatus is the lifecycle of an application run.
type RunStatus string

// Run statuses.
const (
	RunActive    RunStatus = "active"
	RunPaused    RunStatus = "paused"
	RunCompleted RunStatus = "completed"
	RunCancelled RunStatus = "cancelled"
)

// Run is a user's batch of applications.
type Run struct {
	ID                  ID
	UserID              ID
	Name                string
	Status              RunStatus
	RequiresApproval    bool
	CoverLetterTemplate string
	// ApprovalTTL is how long the run's approval requests stay open (0:
	// the configured default, approval.ttl).
	ApprovalTTL time.Duration
	// ResumeDocumentID and CoverLetterDocumentID are the documents its
	// applications carry (nil: the user's default of the kind).
	ResumeDocumentID      *ID
	CoverLetterDocumentID *ID
	CreatedAt             time.Time
	UpdatedAt             time.Time
	// StateCounts holds the number of tasks per state when the query asked for it.
	StateCounts map[State]int
}

// RunCreate is the input for creating a run.
type RunCreate struct {
	Name                string
	RequiresApproval    bool
	CoverLetterTemplate string
	ApprovalTTL         time.Duration // 0: the default
	// The documents its applications carry (nil: the user's defaults).
	ResumeDocumentID      *ID
	CoverLetterDocumentID *ID
}

// Bounds of a run's approval window.
const (
	MinApprovalTTL = time.Minute
	MaxApprovalTTL = 7 * 24 * time.Hour
)

func checkApprovalTTL(fields map[string]string, d time.Duration) {
	if d != 0 && (d < MinApprovalTTL || d > MaxApprovalTTL || d%time.Second != 0) {
		fields["approval_ttl"] = "must be whole seconds between " + MinApprovalTTL.String() + " and " + MaxApprovalTTL.String() + " (or 0 for the default)"
	}
}

// Validate returns an EINVALID error naming each bad field.
func (r *RunCreate) Validate() error {
	fields := map[string]string{}
	if r.Name == "" {
		fields["name"] = "is required"
	} else if p := LineProblem(r.Name, MaxRunName); p != "" {
		fields["name"] = p
	}
	if len(r.CoverLetterTemplate) > MaxCoverLetterTemplateBytes {
		fields["cover_letter_template"] = "must be at most " + itoa(MaxCoverLetterTemplateBytes) + " characters"
	}
	templateText(fields, r.CoverLetterTemplate)
	checkApprovalTTL(fields, r.ApprovalTTL)
	return ValidationError(fields)
}

// MaxRunName is the longest run name, in characters.
const MaxRunName = 200

// templateText refuses what Postgres cannot store in a template (NUL,
// invalid UTF-8) and control characters other than tabs and line breaks;
// its length is checked with the template itself.
func templateText(fields map[string]string, tmpl string) {
	if _, ok := fields["cover_letter_template"]; !ok {
		if p := TextProblem(tmpl, 0); p != "" {
			fields["cover_letter_template"] = p
		}
	}
}

// ValidationError returns nil for no bad fields, or an EINVALID error whose
// details map each bad field to what is wrong with it.
func ValidationError(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	details := make(map[string]any, len(fields))
	for k, v := range fields {
		details[k] = v
	}
	return (&Error{Code: EINVALID, Message: "some fields are invalid: see details"}).WithDetails(map[string]any{"fields": details})
}

// ValidateCoverLetterTemplate checks a template as it is saved: it must
// parse (see ParseCoverLetterTemplate) and could not render over
// MaxCoverLetterBytes. The EINVALID error names the field
// cover_letter_template in details.fields; details.cover_letter_template
// gives the line, column, byte offset, what was found and the allowed
// variables. The API and the dashboard call it before saving; the store does
// not, so runs saved before these rules still load (their tasks pause,
// reason preparation_failed, if their template no longer renders).
func ValidateCoverLetterTemplate(tmpl string) error {
	if len(tmpl) > MaxCoverLetterTemplateBytes {
		return ValidationError(map[string]string{"cover_letter_template": "must be at most " + itoa(MaxCoverLetterTemplateBytes) + " characters"})
	}
	t, err := ParseCoverLetterTemplate(tmpl)
	if err == nil {
		err = t.CheckMaxLen(tmpl)
	}
	if err == nil {
		return nil
	}
	e := ValidationError(map[string]string{"cover_letter_template": ErrorMessage(err)}).(*Error)
	e.Details["cover_letter_template"] = ErrorDetails(err)
	return e
}

// RunUpdate changes a run; nil fields stay as they are. Status may be set to
// paused or active (pause/resume); cancel has its own action.
type RunUpdate struct {
	Name                *string
	RequiresApproval    *bool
	CoverLetterTemplate *string
	Status              *RunStatus
	ApprovalTTL         *time.Duration // 0: back to the default
	// SetResume and SetCoverLetter change the run's document of the kind
	// to the id given (nil: back to the user's default).
	SetResume             bool
	ResumeDocumentID      *ID
	SetCoverLetter        bool
	CoverLetterDocumentID *ID
}

// Validate returns an EINVALID error naming each bad field.
func (u *RunUpdate) Validate() error {
	fields := map[string]string{}
	if u.Name != nil && *u.Name == "" {
		fields["name"] = "must be 1 to 200 characters"
	} else if u.Name != nil && LineProblem(*u.Name, MaxRunName) != "" {
		fields["name"] = LineProblem(*u.Name, MaxRunName)
	}
	if u.CoverLetterTemplate != nil && len(*u.CoverLetterTemplate) > MaxCoverLetterTemplateBytes {
		fields["cover_letter_template"] = "must be at most " + itoa(MaxCoverLetterTemplateBytes) + " characters"
	}
	if u.Status != nil && *u.Status != RunActive && *u.Status != RunPaused {
		fields["status"] = "must be active or paused (use the cancel action to cancel a run)"
	}
	if u.CoverLetterTemplate != nil {
		templateText(fields, *u.CoverLetterTemplate)
	}
	if u.ApprovalTTL != nil {
		checkApprovalTTL(fields, *u.ApprovalTTL)
	}
	return ValidationError(fields)
}
