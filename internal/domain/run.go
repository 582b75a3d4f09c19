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
	CreatedAt           time.Time
	UpdatedAt           time.Time
	// StateCounts holds the number of tasks per state when the query asked for it.
	StateCounts map[State]int
}

// RunCreate is the input for creating a run.
type RunCreate struct {
	Name                string
	RequiresApproval    bool
	CoverLetterTemplate string
}

// Validate returns an EINVALID error naming each bad field.
func (r *RunCreate) Validate() error {
	fields := map[string]string{}
	if r.Name == "" {
		fields["name"] = "is required"
	} else if len(r.Name) > 200 {
		fields["name"] = "must be at most 200 characters"
	}
	if len(r.CoverLetterTemplate) > 20000 {
		fields["cover_letter_template"] = "must be at most 20000 characters"
	}
	return ValidationError(fields)
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

// RunUpdate changes a run; nil fields stay as they are. Status may be set to
// paused or active (pause/resume); cancel has its own action.
type RunUpdate struct {
	Name                *string
	RequiresApproval    *bool
	CoverLetterTemplate *string
	Status              *RunStatus
}

// Validate returns an EINVALID error naming each bad field.
func (u *RunUpdate) Validate() error {
	fields := map[string]string{}
	if u.Name != nil && (*u.Name == "" || len(*u.Name) > 200) {
		fields["name"] = "must be 1 to 200 characters"
	}
	if u.CoverLetterTemplate != nil && len(*u.CoverLetterTemplate) > 20000 {
		fields["cover_letter_template"] = "must be at most 20000 characters"
	}
	if u.Status != nil && *u.Status != RunActive && *u.Status != RunPaused {
		fields["status"] = "must be active or paused (use the cancel action to cancel a run)"
	}
	return ValidationError(fields)
}
