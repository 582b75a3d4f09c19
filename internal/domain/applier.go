package domain

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// Packet is exactly what an applier sends for one application; it is stored on
// the task (and, with approvals, on the approval request the user approves).
type Packet struct {
	TaskID ID `json:"task_id"`
	RunID  ID `json:"run_id"`
	JobID  ID `json:"job_id"`
	UserID ID `json:"user_id"`
	// Applier names the applier that submits it (PacketMaterials.ApplierFor),
	// chosen when it is prepared: visible before it is approved and sent.
	Applier string `json:"applier,omitempty"`
	// Platform, Board and PlatformPostingID name the posting on its job
	// board (empty for a posting applyq does not know the platform of);
	// ApplyURL is its application form when the board gives one apart.
	Platform          Platform `json:"platform,omitempty"`
	Board             string   `json:"board,omitempty"`
	PlatformPostingID string   `json:"platform_posting_id,omitempty"`
	ApplyURL          string   `json:"apply_url,omitempty"`
	JobURL            string   `json:"job_url"`
	Company           string   `json:"company"`
	Title             string   `json:"title"`
	Applicant         Profile  `json:"applicant"`
	Email             string   `json:"email"`
	CoverLetter       string   `json:"cover_letter"`
	// Documents are the documents the application carries, exactly the
	// versions sent.
	Documents []FormFile `json:"documents,omitempty"`
	// Form is the posting's application form, filled: every field and
	// what it carries, and where each value came from. Nil when its form
	// is unknown: the board does not publish it and the browser did not
	// read it (JobPosting.FormQuestions).
	Form       *Form     `json:"form,omitempty"`
	PreparedAt time.Time `json:"prepared_at"`
}

// ApplyResult is what an applier reports after a submission went out.
type ApplyResult struct {
	// Reference is the receiving side's id for the submission, when it has one.
	Reference string
	// Evidence is what the applier saw (the filled form just before the
	// submission, the confirmation), kept with the task.
	Evidence []Evidence
}

// Evidence is one piece of what an applier saw, such as a screenshot.
type Evidence struct {
	// Kind says when it was taken: EvidenceFilledForm, EvidenceConfirmation,
	// EvidenceNeedsUser, EvidenceAfterSubmit.
	Kind        string
	ContentType string // image/png, text/html…
	Data        []byte
}

// Evidence kinds.
const (
	EvidenceFilledForm   = "filled_form"  // the form as filled, just before the submission
	EvidenceConfirmation = "confirmation" // the confirmation the platform showed
	EvidenceNeedsUser    = "needs_user"   // what stopped the applier before it submitted
	EvidenceAfterSubmit  = "after_submit" // what the page showed after the submission, unrecognised
)

// ErrNeedsUser wraps an applier error that proves nothing was submitted
// and that a person must act on the form (a CAPTCHA, a login or SSO wall,
// a field applyq cannot fill, validation errors the form showed): the task
// is paused for its user (needs_user), never retried by itself.
var ErrNeedsUser = errors.New("the application form needs its user")

// NeedsUserError is ErrNeedsUser with what the user must know: why, the
// form's own messages, and what the applier saw.
type NeedsUserError struct {
	Why      string
	Messages []string
	Evidence []Evidence
}

// Error implements the error interface.
func (e *NeedsUserError) Error() string {
	msg := "the application form needs you: " + e.Why
	if len(e.Messages) > 0 {
		msg += " (the form says: " + strings.Join(e.Messages, "; ") + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrNeedsUser) true: nothing was submitted.
func (e *NeedsUserError) Is(target error) bool { return target == ErrNeedsUser }

// EvidenceError is an applier error that carries what the applier saw
// (after an unknown outcome, for instance): the task keeps it.
type EvidenceError struct {
	Err      error
	Evidence []Evidence
}

// Error implements the error interface.
func (e *EvidenceError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *EvidenceError) Unwrap() error { return e.Err }

// EvidenceOf returns the evidence an applier's result or error carries.
func EvidenceOf(res ApplyResult, err error) []Evidence {
	out := append([]Evidence(nil), res.Evidence...)
	var nu *NeedsUserError
	if errors.As(err, &nu) {
		out = append(out, nu.Evidence...)
	}
	var ee *EvidenceError
	if errors.As(err, &ee) {
		out = append(out, ee.Evidence...)
	}
	return out
}

// ErrNotSent wraps an applier error that proves nothing reached the receiving
// side (for example, a connection refused before any byte was written). Only
// then may a task in submitting go back to queued; any other error means the
// outcome is unknown and the task is paused for a person to check.
var ErrNotSent = errors.New("submission not sent")

// ErrThrottled wraps an applier error where the platform refused the
// submission as too many for now (a 429, a "too many applications" page):
// nothing was accepted (it comes with ErrNotSent), and every worker backs
// off that platform for the rest of its pacing window.
var ErrThrottled = errors.New("the platform refuses more submissions for now")

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
	OutcomeSubmitted ApplyOutcome = "submitted"  // it went out and was accepted
	OutcomeRejected  ApplyOutcome = "rejected"   // received and refused for good: the task fails
	OutcomeNotSent   ApplyOutcome = "not_sent"   // provably nothing went out (or a retry is safe): try again
	OutcomeUnknown   ApplyOutcome = "unknown"    // it may have gone out: a person must check (paused)
	OutcomeNeedsUser ApplyOutcome = "needs_user" // nothing went out, a person must act on the form (paused)
)

// ClassifyApply returns the outcome of an applier call that returned err.
// An unknown outcome counts as not sent only when the applier declares that
// the receiving side deduplicates (idempotentRetries).
func ClassifyApply(err error, idempotentRetries bool) ApplyOutcome {
	switch {
	case err == nil:
		return OutcomeSubmitted
	case errors.Is(err, ErrNeedsUser):
		return OutcomeNeedsUser
	case errors.Is(err, ErrRejected):
		return OutcomeRejected
	case errors.Is(err, ErrNotSent) || idempotentRetries:
		return OutcomeNotSent
	}
	return OutcomeUnknown
}

// DocumentFiles opens the documents a packet carries (Packet.Documents,
// form file fields), for the appliers that upload them: the bytes of the
// exact version, kept even when the user deleted the document meanwhile.
type DocumentFiles interface {
	OpenForApplication(ctx context.Context, userID, documentID ID) (io.ReadCloser, *Document, error)
}

// EvidenceRecord is a piece of evidence kept with a task: the bytes are in
// the blob store under BlobKey.
type EvidenceRecord struct {
	ID          ID
	TaskID      ID
	UserID      ID
	Kind        string
	ContentType string
	Size        int64
	BlobKey     string
	Applier     string
	CreatedAt   time.Time
}

// EvidenceBlobKey is where a task's piece of evidence is kept.
func EvidenceBlobKey(userID, taskID, id ID) string {
	return "evidence/" + userID.String() + "/" + taskID.String() + "/" + id.String()
}
