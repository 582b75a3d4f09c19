package domain

// Reason says why a task moved, or why it waits: it is recorded on every
// transition (task_transitions.reason) and on the task (state_reason), and
// users and operators act on it. The set is closed: every reason applyq
// writes is one of these.
type Reason string

// Reasons, by the state they lead to.
const (
	// queued
	ReasonAddedToRun Reason = "added_to_run" // a new task
	ReasonAnswered   Reason = "answered"     // queued again: every question it waited for is answered
	ReasonResumed    Reason = "resumed"      // the user resumed a paused or failed task (boosted)
	ReasonRetry      Reason = "retry"        // an attempt failed without anything sent; River retries
	ReasonWorkerLost Reason = "worker_lost"  // the sweeper took the task back from a worker that stopped heartbeating
	// queued or approved, waiting (state_reason only)
	ReasonDailyLimit     Reason = "daily_limit_reached" // the user's daily submission limit: continues the next UTC day
	ReasonPlatformPacing Reason = "platform_pacing"     // its platform's or employer's submission rate: continues when the window frees
	// submitting, from approved: which path continued the approval
	ReasonApprovedViaNotification Reason = "approved_via_notification"
	ReasonApprovedViaResync       Reason = "approved_via_resync"
	ReasonApprovedViaPoll         Reason = "approved_via_poll"
	ReasonApprovedViaJob          Reason = "approved_via_job"
	ReasonApprovedWithEdits       Reason = "approved_with_edits" // the user changed values before approving
	// submitting, waiting (state_reason only): the form asks for the code
	// its platform mailed to the applicant; the worker holds the page
	ReasonNeedsCode Reason = "needs_code"
	// submitted, from paused or failed: the user applied on the form
	// themselves and said so (actor: the user)
	ReasonAppliedByHand Reason = "applied_by_hand"
	// paused: a person must look
	ReasonSubmissionOutcomeUnknown Reason = "submission_outcome_unknown" // the submission may have gone out
	ReasonApprovalExpired          Reason = "approval_expired"
	ReasonPreparationFailed        Reason = "preparation_failed" // the packet could not be built (profile, template)
	ReasonNeedsAnswer              Reason = "needs_answer"       // required questions nothing answers: the user answers them
	ReasonNeedsUser                Reason = "needs_user"         // the form needs a person (CAPTCHA, login wall, its own errors): nothing was sent
	// failed
	ReasonAttemptsExhausted  Reason = "attempts_exhausted"
	ReasonRejectedByReceiver Reason = "rejected_by_receiver" // a permanent refusal by the receiving side
	ReasonPacketUnreadable   Reason = "packet_unreadable"
	// cancelled
	ReasonRejected        Reason = "rejected" // the user rejected the approval
	ReasonAlreadyApplied  Reason = "already_applied"
	ReasonCancelledByUser Reason = "cancelled_by_user"
	ReasonRunCancelled    Reason = "run_cancelled"
	ReasonPostingClosed   Reason = "posting_closed" // its job board stopped listing the posting
)

// ApprovedVia is the reason recorded when an approved task is continued by
// the given path: "notification", "resync", "poll" or "job".
func ApprovedVia(path string) Reason { return Reason("approved_via_" + path) }
