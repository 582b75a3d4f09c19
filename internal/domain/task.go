package domain

import (
	"fmt"
	"strings"
	"time"
)

// State is where an application task is in its life. The set is closed: the
// database enum task_state holds the same nine values.
type State string

// The nine task states.
const (
	StateQueued           State = "queued"
	StateInProgress       State = "in_progress"
	StateAwaitingApproval State = "awaiting_approval"
	StateApproved         State = "approved"
	StateSubmitting       State = "submitting"
	StateSubmitted        State = "submitted"
	StatePaused           State = "paused"
	StateFailed           State = "failed"
	StateCancelled        State = "cancelled"
)

// AllStates lists every state in the order the dashboard shows them.
var AllStates = []State{
	StateQueued, StateInProgress, StateAwaitingApproval, StateApproved,
	StateSubmitting, StateSubmitted, StatePaused, StateFailed, StateCancelled,
}

// transitions is the state machine of design.md. Anything not listed is illegal.
var transitions = map[State][]State{
	StateQueued:           {StateInProgress, StateCancelled},
	StateInProgress:       {StateAwaitingApproval, StateSubmitting, StateQueued, StatePaused, StateFailed, StateCancelled},
	StateAwaitingApproval: {StateApproved, StateCancelled, StatePaused},
	StateApproved:         {StateSubmitting, StateCancelled},
	StateSubmitting:       {StateSubmitted, StateFailed, StateQueued, StatePaused},
	StatePaused:           {StateQueued, StateCancelled, StateSubmitted},
	StateFailed:           {StateQueued, StateCancelled, StateSubmitted},
	StateSubmitted:        nil,
	StateCancelled:        nil,
}

// ParseState validates a state name.
func ParseState(s string) (State, error) {
	st := State(s)
	if _, ok := transitions[st]; ok {
		return st, nil
	}
	names := make([]string, len(AllStates))
	for i, v := range AllStates {
		names[i] = string(v)
	}
	return "", Errorf(EINVALID, "unknown state %q: use one of %s", truncate(s, 40), strings.Join(names, ", "))
}

// Valid reports whether s is one of the nine states.
func (s State) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Terminal reports whether no transition leaves s.
func (s State) Terminal() bool { return s == StateSubmitted || s == StateCancelled }

// onlyFor are the moves the state machine allows for one reason only:
// paused or failed → submitted is the user saying they applied by hand
// (the form needed them); nothing else may skip submitting.
var onlyFor = map[[2]State]Reason{
	{StatePaused, StateSubmitted}: ReasonAppliedByHand,
	{StateFailed, StateSubmitted}: ReasonAppliedByHand,
}

// CanTransition reports whether the state machine allows from → to (for
// some reason: see CanMove).
func CanTransition(from, to State) bool {
	for _, allowed := range transitions[from] {
		if allowed == to {
			return true
		}
	}
	return false
}

// CanMove reports whether the state machine allows from → to for reason:
// CanTransition, and a move kept for one reason (paused → submitted, only
// applied_by_hand) made for that reason.
func CanMove(from, to State, reason Reason) bool {
	if only, ok := onlyFor[[2]State{from, to}]; ok && reason != only {
		return false
	}
	return CanTransition(from, to)
}

// NextStates returns the states reachable from s in one step.
func NextStates(s State) []State {
	return append([]State(nil), transitions[s]...)
}

// Task priorities. Resumed tasks are boosted and are claimed before default ones.
const (
	PriorityDefault = 50
	PriorityBoosted = 100
)

// Actors that move tasks; free-form actors name a user ("user:<id>").
const (
	ActorWorker  = "worker"
	ActorSweeper = "sweeper"
	ActorSystem  = "system"
)

// UserActor names a user as the actor of a transition.
func UserActor(id ID) string { return "user:" + id.String() }

// Task is one application: one job posting inside one run.
type Task struct {
	ID          ID
	UserID      ID
	RunID       ID
	JobID       ID
	State       State
	Priority    int
	QueuedAt    time.Time
	Attempts    int
	LastError   string
	StateReason Reason
	RiverJobID  int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// SubmittedAt is when the task reached submitted (nil before).
	SubmittedAt *time.Time
}

// Boosted reports whether the task is claimed ahead of default-priority tasks.
func (t *Task) Boosted() bool { return t.Priority >= PriorityBoosted }

// Transition is one row of a task's timeline.
type Transition struct {
	TaskID    ID
	From      State
	To        State
	Actor     string
	Reason    Reason
	CreatedAt time.Time
}

// TransitionError is returned when a task cannot move. It has two kinds:
// an illegal move (the state machine forbids from → to) and a lost race (the
// task was no longer in the expected state when the guarded write ran).
type TransitionError struct {
	TaskID  ID
	From    State // the state the caller expected
	To      State
	Current State // the state found, for a lost race; empty when unknown
	Illegal bool
}

// CurrentState is the task's state as far as the error knows it: the state
// found for a lost race, and for an illegal move the state the move was
// judged from (user actions read it under the row lock, so it is current).
func (e *TransitionError) CurrentState() State {
	if e.Current == "" && e.Illegal {
		return e.From
	}
	return e.Current
}

// Error implements error.
func (e *TransitionError) Error() string {
	return e.ErrorCode() + ": " + e.Message()
}

// ErrorCode is EILLEGALTRANSITION or ESTATECONFLICT.
func (e *TransitionError) ErrorCode() string {
	if e.Illegal {
		return EILLEGALTRANSITION
	}
	return ESTATECONFLICT
}

// Message says what happened in words.
func (e *TransitionError) Message() string {
	if e.Illegal {
		return fmt.Sprintf("a task cannot move from %s to %s", e.From, e.To)
	}
	return fmt.Sprintf("task is %s, not %s: it changed while the request ran; reload and try again", e.Current, e.From)
}

// Details returns the machine-readable fields, including the current state.
func (e *TransitionError) Details() map[string]any {
	d := map[string]any{"task_id": e.TaskID.String(), "from": string(e.From), "to": string(e.To)}
	if cur := e.CurrentState(); cur != "" {
		d["current_state"] = string(cur)
	}
	return d
}

// Reasons a job was not queued when added to a run.
const (
	DuplicateInRun          = "already_in_run"      // the run already has a task for the job
	DuplicateApplied        = "already_applied"     // the user's task for the job is submitting or submitted
	DuplicateRepeatedInList = "repeated_in_request" // the same job appears twice in one request
)

// AddedTask is a task created by adding a job to a run.
type AddedTask struct {
	TaskID ID `json:"task_id"`
	JobID  ID `json:"job_id"`
}

// DuplicateJob is a job that was not queued, and why.
type DuplicateJob struct {
	JobID  ID     `json:"job_id"`
	Reason string `json:"reason"`
	// TaskID is the existing task that makes it a duplicate, when there is one.
	TaskID *ID `json:"task_id,omitempty"`
}

// AddJobsResult answers an add-jobs-to-run request.
type AddJobsResult struct {
	Queued     []AddedTask    `json:"queued"`
	Duplicates []DuplicateJob `json:"duplicates"`
}

// NotifyTasks is the NOTIFY channel on which task changes are announced, with
// the owner's user id as payload (live dashboard views).
const NotifyTasks = "applyq_tasks"

// Bounds of one request.
const (
	// MaxJobsPerAdd bounds one add-jobs request (one transaction).
	MaxJobsPerAdd = 1000
	// MaxBulk bounds the tasks one bulk action changes.
	MaxBulk = 10000
)

// NeedsYou reports whether the task waits for its person to act on the
// posting's own form: its form needed a person (paused, needs_user), its
// submission may have gone out (paused or failed,
// submission_outcome_unknown), or its posting closed. Such a task offers
// one action that ends it: open the form, mark it as applied by hand,
// cancel — or resume, saying first when that will stop again (ResumeWall).
func (t *Task) NeedsYou() bool {
	switch t.StateReason {
	case ReasonNeedsUser:
		return t.State == StatePaused
	case ReasonSubmissionOutcomeUnknown:
		return t.State == StatePaused || t.State == StateFailed
	case ReasonPostingClosed:
		return !t.State.Terminal()
	}
	return false
}

// CanMarkApplied reports whether the user may record that they applied to
// the task's job by hand: a paused or failed task.
func (t *Task) CanMarkApplied() bool {
	_, ok := onlyFor[[2]State{t.State, StateSubmitted}]
	return ok
}

// ResumeWall says why resuming t will most likely stop where it stopped —
// its form needs a person, or its posting is closed (job may be nil) —
// or "" when nothing suggests so. Resuming such a task asks the person to
// confirm first.
func ResumeWall(t *Task, job *JobPosting) string {
	switch {
	case job != nil && job.ClosedAt != nil || t.StateReason == ReasonPostingClosed:
		return "Its job board no longer lists this posting: a resumed application is cancelled as soon as applyq picks it up. " +
			"If you applied on the employer's site yourself, mark it as applied by hand instead."
	case t.StateReason == ReasonNeedsUser:
		return "The application form needed you (a CAPTCHA, a login wall or the form's own errors), and nothing was sent. " +
			"Resuming prepares it again and it will most likely stop at the same place. " +
			"You can open the form and apply yourself, then mark it as applied by hand."
	}
	return ""
}
