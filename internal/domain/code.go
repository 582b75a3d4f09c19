package domain

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
)

// The security code: after the submit click, a hosted form may ask for a
// code its platform mailed to the applicant (Greenhouse: eight characters
// from no-reply@us.greenhouse-mail.io); the application is complete only
// once the code is typed and the form submitted again. The worker keeps
// that page open for a bounded window, the task (still submitting) waits
// for its user with reason needs_code, and the code the user types on
// applyq reaches the worker holding the page through Postgres (a row and a
// NOTIFY, as approval decisions do). A code is never logged, and is
// cleared as soon as the worker took it.

// CodeRequest is a form waiting, mid-application, for the code its
// platform mailed to the applicant.
type CodeRequest struct {
	TaskID   ID
	UserID   ID
	Platform Platform
	// Address is where the platform mailed the code: the applicant's email
	// address, as the form was given it.
	Address string
	// Attempt is 1 for the first ask, then one more after each code the
	// form refused; Refused is the form's message about the last one.
	Attempt int
	Refused string
	// Until is when the page stops waiting (appliers.browser.code_window
	// after the form asked).
	Until time.Time
}

// Codes carries security codes from the user to the worker that holds the
// page asking for one.
type Codes interface {
	// Await records that the task waits for a code (its user is told at
	// once: live on the dashboard and by an immediate notice) and blocks
	// until the user gives one, which it returns once and clears; until
	// ctx ends (its error); or until req.Until passes (ErrCodeWindowPassed).
	Await(ctx context.Context, req CodeRequest) (string, error)
	// Close says the page no longer waits (the code was typed and the
	// outcome read, or the worker gave up): a code given later is refused.
	Close(ctx context.Context, taskID ID) error
}

// ErrCodeWindowPassed: nobody gave the code before the page stopped
// waiting.
var ErrCodeWindowPassed = errors.New("the security code was not given in time")

// Security code limits.
const (
	// MaxCodeTries is how many codes a form may refuse before applyq stops
	// asking (the task then waits for its user: the application was not
	// completed).
	MaxCodeTries = 3
	// MinCodeLen and MaxCodeLen bound a code as typed.
	MinCodeLen = 4
	MaxCodeLen = 12
)

// NormalizeCode checks a code as the user typed it: spaces and dashes are
// dropped (mail clients split codes); what remains must be MinCodeLen to
// MaxCodeLen letters or digits, kept in their case (codes are
// case-sensitive). Errors are EINVALID and never repeat the code.
func NormalizeCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\n' || r == '\r':
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			return "", Errorf(EINVALID, "the code is letters and digits only, as the mail shows it")
		}
	}
	if n := b.Len(); n < MinCodeLen || n > MaxCodeLen {
		return "", Errorf(EINVALID, "the code is %d to %d letters or digits, as the mail shows it", MinCodeLen, MaxCodeLen)
	}
	return b.String(), nil
}

// NotifyCodes is the NOTIFY channel on which a code given by its user is
// announced, with the task id as payload: the worker holding the page
// re-reads (and takes) it.
const NotifyCodes = "applyq_codes"

// CodeWait is a task's security-code request as stored: what the page
// asked and when, and where the code the user gave is in its short life
// (given, then taken by the worker, which clears it). The code itself is
// never part of it.
type CodeWait struct {
	TaskID   ID
	UserID   ID
	Platform Platform
	Address  string
	Attempt  int
	Refused  string
	AskedAt  time.Time
	// ExpiresAt is when the page stops waiting (CodeRequest.Until).
	ExpiresAt time.Time
	// GivenAt is when the user last gave a code for this ask; HasCode
	// says it waits for the worker to take it, TakenAt when it did.
	GivenAt  *time.Time
	HasCode  bool
	TakenAt  *time.Time
	ClosedAt *time.Time
}

// MaskEmail shortens an address for the texts that show where a code was
// mailed (a task's message, a notice, the page): the first character of
// the mailbox and the whole domain, "a…@example.com", which is enough for
// its owner to know which inbox to open. Anything that is not an address
// is kept to its first character.
func MaskEmail(addr string) string {
	addr = strings.TrimSpace(addr)
	local, host, ok := strings.Cut(addr, "@")
	first := ""
	for _, r := range local {
		first = string(r)
		break
	}
	if !ok || host == "" || first == "" {
		if first == "" {
			return "your address"
		}
		return first + "…"
	}
	return first + "…@" + host
}

// PlatformName is how a platform is written in sentences: "Greenhouse".
func PlatformName(p Platform) string {
	switch p {
	case PlatformSmartRecruiters:
		return "SmartRecruiters"
	case "":
		return "The platform"
	}
	s := string(p)
	return strings.ToUpper(s[:1]) + s[1:]
}
