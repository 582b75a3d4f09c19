package domain

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status in the HTTP adapter; the
// domain never knows about HTTP.
const (
	EINVALID           = "invalid"                   // the request is malformed or fails validation
	ENOTFOUND          = "not_found"                 // the thing does not exist or belongs to someone else
	ECONFLICT          = "conflict"                  // the request conflicts with the current state
	EILLEGALTRANSITION = "illegal_transition"        // the state machine does not allow this move
	ESTATECONFLICT     = "state_conflict"            // the task changed state underneath the caller
	EDUPLICATE         = "duplicate"                 // the thing already exists
	EALREADYAPPLIED    = "already_applied"           // the job already has a submission (one per job): nothing more may be sent or recorded
	ECONFIRMRESUME     = "resume_needs_confirmation" // resuming would most likely stop at the same place: confirm first
	ECHOICEREQUIRED    = "choice_required"           // a sensitive question needs the person's own explicit choice: nothing is filled for them
	EUNAUTHORIZED      = "unauthorized"              // not signed in
	EFORBIDDEN         = "forbidden"                 // signed in, but not allowed
	EGONE              = "gone"                      // the thing expired
	ERATELIMITED       = "rate_limited"              // too many requests: try again after Retry-After
	EQUOTA             = "quota_exceeded"            // over a quota that time does not free (stored bytes)
	ETOOLARGE          = "too_large"                 // the request body is too large
	EINTERNAL          = "internal"                  // anything uncoded: a bug or an outage
)

// Error is applyq's coded error. Message is written for the person who has to
// fix the input; Details carries machine-readable extras (such as the bad
// fields of a validation error).
type Error struct {
	Code    string
	Message string
	Details map[string]any
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the code; it lets other typed errors take part in ErrorCode.
func (e *Error) ErrorCode() string { return e.Code }

// Errorf returns a coded error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns a copy of e carrying details.
func (e *Error) WithDetails(details map[string]any) *Error {
	out := *e
	out.Details = details
	return &out
}

type coder interface{ ErrorCode() string }

// ErrorCode returns the code of the first coded error in err's chain, EINTERNAL
// for an uncoded error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var c coder
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of a coded error and "internal error"
// for anything else, so internals never leak to users.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var te *TransitionError
	if errors.As(err, &te) {
		return te.Message()
	}
	return "internal error"
}

// ErrorDetails returns the machine-readable details of a coded error, or nil.
func ErrorDetails(err error) map[string]any {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	var te *TransitionError
	if errors.As(err, &te) {
		return te.Details()
	}
	return nil
}
