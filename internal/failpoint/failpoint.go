// Package failpoint lets crash tests stop a real process at a named point:
// APPLYQ_FAILPOINT_<NAME>=sleep:<duration> blocks there (so a test can
// SIGKILL the process exactly there), =kill kills the process with SIGKILL.
//
// Failpoints exist only in binaries built with the build tag failpoint
// (go build -tags failpoint), as internal/proctest builds them for the
// tests that run real processes. Without the tag, which is how make build
// and the Dockerfile build, Hit is an empty function that the compiler
// inlines away and APPLYQ_FAILPOINT_* variables do nothing: a production
// process cannot be told to kill itself. With the tag and no variable set, a
// failpoint costs one map lookup.
package failpoint

// The failpoints around a submission.
const (
	BeforeSubmitting = "BEFORE_SUBMITTING" // a job taken, nothing of it committed: before the claim (which commits submitting for a run without approval)
	AfterClaim       = "AFTER_CLAIM"       // the claim committed (submitting, or in_progress for a run that requires approval), before what follows
	BeforeApply      = "BEFORE_APPLY"      // submitting committed, before the applier call
	AfterApply       = "AFTER_APPLY"       // the applier returned, before the result commit
	// AfterSubmitClick is inside the browser applier: the form's submit
	// button clicked, before the platform's answer is read.
	AfterSubmitClick = "AFTER_SUBMIT_CLICK"
)
