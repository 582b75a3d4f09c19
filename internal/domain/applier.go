package domain

import (
	"context"
	"errors"
	"time"
)

// Packet is exactly what an applier sends for one application; it is stored on
// the task (and, with approvals, on the approval request the user approves).
type Packet struct {
	TaskID      ID      `json:"task_id"`
	RunID       ID      `json:"run_id"`
	JobID       ID      `json:"job_id"`
	JobURL      string  `json:"job_url"`
	Company     string  `json:"company"`
	Title       string  `json:"title"`
	Applicant   Profile `json:"applicant"`
	Email       string  `json:"email"`
	CoverLetter string  `json:"cover_letter"`
	// Documents are the documents the application carries, exactly the
	// versions sent.
	Documents []FormFile `json:"documents,omitempty"`
	// Form is the posting's application form, filled: every field and
	// what it carries, and where each value came from. Nil when the board
	// does not publish the form (the applier reads it; see Materials).
	Form       *Form     `json:"form,omitempty"`
	PreparedAt time.Time `json:"prepared_at"`
}

// ApplyResult is what an applier reports after a submission went out.
type ApplyResult struct {
	// Reference is the receiving side's id for the submission, when it has one.
	Reference string
}

// ErrNotSent wraps an applier error that proves nothing reached the receiving
// side (for example, a connection refused before any byte was written). Only
// then may a task in submitting go back to queued; any other error means the
// outcome is unknown and the task is paused for a person to check.
var ErrNotSent = errors.New("submission not sent")

// ErrRejected wraps an applier error where the receiving side received the
// application and refused it for good (a permanent 4xx): the task fails.
var ErrRejected = errors.New("submission rejected")

// Applier submits one application. Implementations must return an error
// wrapping ErrNotSent only when they can prove nothing was sent.
type Applier interface {
	// Name identifies the applier in logs and metrics.
	Name() string
	// Apply submits the packet. It may be called again for the same task only
	// after it returned ErrNotSent, or when IdempotentRetries is true.
	Apply(ctx context.Context, p *Packet) (ApplyResult, error)
	// IdempotentRetries reports whether the receiving side deduplicates
	// submissions by task id, which makes a blind retry after a crash safe.
	IdempotentRetries() bool
}

// ApplyOutcome classifies what an applier call means for the task.
type ApplyOutcome string

// Applier outcomes.
const (
	OutcomeSubmitted ApplyOutcome = "submitted" // it went out and was accepted
	OutcomeRejected  ApplyOutcome = "rejected"  // received and refused for good: the task fails
	OutcomeNotSent   ApplyOutcome = "not_sent"  // provably nothing went out (or a retry is safe): try again
	OutcomeUnknown   ApplyOutcome = "unknown"   // it may have gone out: a person must check (paused)
)

// ClassifyApply returns the outcome of an applier call that returned err.
// An unknown outcome counts as not sent only when the applier declares that
// the receiving side deduplicates (idempotentRetries).
func ClassifyApply(err error, idempotentRetries bool) ApplyOutcome {
	switch {
	case err == nil:
		return OutcomeSubmitted
	case errors.Is(err, ErrRejected):
		return OutcomeRejected
	case errors.Is(err, ErrNotSent) || idempotentRetries:
		return OutcomeNotSent
	}
	return OutcomeUnknown
}
