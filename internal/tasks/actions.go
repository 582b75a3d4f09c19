package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// What users do: resume, cancel (one task or in bulk), decide an approval,
// change a run. Every method scopes to the user (another user's ids answer
// ENOTFOUND, as unknown ones do) and answers an illegal move with a
// *domain.TransitionError carrying the current state.

// Resume moves one of the user's paused or failed tasks back to queued,
// boosted (claimed ahead of default-priority tasks) with a fresh queued_at
// and a new River job.
func (s *Service) Resume(ctx context.Context, userID, taskID domain.ID, actor string) (*domain.Task, error) {
	var out *domain.Task
	err := s.inTx(ctx, func(t *txn) error {
		task, err := t.st.TaskGetForUpdate(ctx, userID, taskID)
		if err != nil {
			return err
		}
		out, err = s.resumeLocked(ctx, t, []*domain.Task{task}, actor, domain.ReasonResumed)
		return err
	})
	return out, err
}

// resumeLocked queues again, boosted, tasks t holds (for reason), each
// with a new River job.
func (s *Service) resumeLocked(ctx context.Context, t *txn, tasks []*domain.Task, actor string, reason domain.Reason) (*domain.Task, error) {
	resumed := make([]*domain.Task, len(tasks))
	for i, task := range tasks {
		var err error
		if resumed[i], err = s.move(ctx, t, postgres.Move{TaskID: task.ID, From: task.State, To: domain.StateQueued,
			Actor: actor, Reason: reason, Priority: domain.PriorityBoosted}); err != nil {
			return nil, err
		}
	}
	if err := s.enqueue(ctx, t, resumed); err != nil {
		return nil, err
	}
	return resumed[len(resumed)-1], nil
}

// Cancel cancels one of the user's tasks. A task in submitting cannot be
// cancelled (the submission may be on its way); a task awaiting approval
// has its request closed.
func (s *Service) Cancel(ctx context.Context, userID, taskID domain.ID, actor string) (*domain.Task, error) {
	var out *domain.Task
	err := s.inTx(ctx, func(t *txn) error {
		task, err := t.st.TaskGetForUpdate(ctx, userID, taskID)
		if err != nil {
			return err
		}
		out, err = s.move(ctx, t, postgres.Move{TaskID: task.ID, From: task.State, To: domain.StateCancelled,
			Actor: actor, Reason: domain.ReasonCancelledByUser})
		return err
	})
	return out, err
}

// BulkResume resumes every paused or failed task of the user matching f
// (its states narrowed to those), boosted, each with a new River job, in
// one transaction. It returns how many changed.
func (s *Service) BulkResume(ctx context.Context, userID domain.ID, f domain.TaskFilter, actor string) (int, error) {
	return s.bulk(ctx, userID, f, []domain.State{domain.StatePaused, domain.StateFailed}, func(t *txn, tasks []*domain.Task) error {
		_, err := s.resumeLocked(ctx, t, tasks, actor, domain.ReasonResumed)
		return err
	})
}

// BulkCancel cancels every cancellable task of the user matching f.
func (s *Service) BulkCancel(ctx context.Context, userID domain.ID, f domain.TaskFilter, actor string) (int, error) {
	cancellable := []domain.State{domain.StateQueued, domain.StateInProgress, domain.StateAwaitingApproval,
		domain.StateApproved, domain.StatePaused, domain.StateFailed}
	return s.bulk(ctx, userID, f, cancellable, func(t *txn, tasks []*domain.Task) error {
		for _, task := range tasks {
			if _, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: task.State, To: domain.StateCancelled,
				Actor: actor, Reason: domain.ReasonCancelledByUser}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) bulk(ctx context.Context, userID domain.ID, f domain.TaskFilter, allowed []domain.State, apply func(*txn, []*domain.Task) error) (int, error) {
	states := allowed
	if len(f.States) > 0 {
		states = slices.DeleteFunc(slices.Clone(f.States), func(st domain.State) bool { return !slices.Contains(allowed, st) })
		if len(states) == 0 {
			return 0, nil
		}
	}
	n := 0
	err := s.inTx(ctx, func(t *txn) error {
		tasks, err := t.st.TaskListForUpdate(ctx, userID, states, f.RunID, domain.MaxBulk+1)
		if err != nil {
			return err
		}
		if len(tasks) > domain.MaxBulk {
			return domain.Errorf(domain.EINVALID, "the filter matches more than %d tasks: narrow it with run_id or states", domain.MaxBulk)
		}
		n = len(tasks)
		if n == 0 {
			return nil
		}
		return apply(t, tasks)
	})
	return n, err
}

// fileEdits files the edited answers of a form in the user's library.
func (s *Service) fileEdits(ctx context.Context, t *txn, userID domain.ID, form *domain.Form, changed []domain.Edit) error {
	if form == nil {
		return nil
	}
	for _, e := range changed {
		f := form.Field(e.Field)
		if f == nil || f.Kind == domain.QuestionFile || f.Kind == domain.QuestionHidden || f.Empty() ||
			domain.WaitingKey(domain.Question{Field: f.Field, Label: f.Label, Kind: f.Kind, Section: f.Section}) != domain.QuestionKey(f.Label) {
			continue // a profile field or a file: not the library's
		}
		a := &domain.Answer{UserID: userID, Key: domain.QuestionKey(f.Label), Label: f.Label, Category: f.Category,
			Value: domain.OptionLabel(f.Options, f.Value)}
		for _, v := range f.Values {
			a.Values = append(a.Values, domain.OptionLabel(f.Options, v))
		}
		if len(a.Values) > 0 {
			a.Value = ""
		}
		if _, err := t.st.AnswerPut(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// Decide records a decision about an approval request, moves its task
// (awaiting_approval → approved, with a River job that continues it even if
// no worker listens now; or → cancelled, reason rejected) and notifies the
// workers, in one transaction.
//
// Repeating the decision already made returns the same result; the
// opposite decision is ECONFLICT; any decision at or after expires_at is
// EGONE and changes nothing. Expiry is judged on the database's clock by
// the deciding statement itself, never on the caller's.
func (s *Service) Decide(ctx context.Context, key postgres.ApprovalKey, d domain.Decision, decidedBy string) (*domain.Approval, error) {
	return s.decide(ctx, key, d, decidedBy, ApprovalEdits{})
}

// ApprovalEdits are the user's changes to an application as they approve
// it: the edited packet is what the request records and what is sent.
type ApprovalEdits struct {
	Edits []domain.FormEdit
	// SaveToLibrary files the edited answers in the user's answer library
	// (not profile fields, files or the cover letter).
	SaveToLibrary bool
}

// Approve approves a request with the user's edits (none: as prepared). An
// edit that does not fit the form — an unknown field, a choice not among
// the options, a required field emptied — is EINVALID naming the field,
// and nothing is decided.
func (s *Service) Approve(ctx context.Context, key postgres.ApprovalKey, edits ApprovalEdits, decidedBy string) (*domain.Approval, error) {
	return s.decide(ctx, key, domain.DecisionApprove, decidedBy, edits)
}

func (s *Service) decide(ctx context.Context, key postgres.ApprovalKey, d domain.Decision, decidedBy string, edits ApprovalEdits) (*domain.Approval, error) {
	var out *domain.Approval
	err := s.inTx(ctx, func(t *txn) error {
		// The request is found unlocked, its task locked, then the request:
		// the one order of task and approval rows.
		found, err := t.st.ApprovalGet(ctx, key)
		if err != nil {
			return err
		}
		if _, err := t.st.TaskGetForUpdate(ctx, domain.ID{}, found.TaskID); err != nil {
			return err
		}
		a, err := t.st.ApprovalGetForUpdate(ctx, key)
		if err != nil {
			return err
		}
		switch {
		case a.Status == d.Status():
			out = a // the same decision again: the same answer
			return nil
		case a.Status == domain.ApprovalExpired: // marked, or past expires_at
			return approvalGone(a)
		case a.Status != domain.ApprovalPending:
			return domain.Errorf(domain.ECONFLICT, "this request was already %s", a.Status).WithDetails(map[string]any{"status": string(a.Status)})
		}
		var (
			body    []byte
			changed []domain.Edit
			packet  domain.Packet
		)
		if len(edits.Edits) > 0 {
			if err := json.Unmarshal(a.Packet, &packet); err != nil {
				return fmt.Errorf("reading the packet to edit: %w", err)
			}
			if changed, err = packet.ApplyEdits(edits.Edits); err != nil {
				return err
			}
			if body, err = json.Marshal(&packet); err != nil {
				return err
			}
		}
		if out, err = t.st.ApprovalDecideEdited(ctx, a.ID, d.Status(), decidedBy, body, changed); err != nil {
			return err
		}
		if out == nil {
			return approvalGone(a) // expired between the two statements
		}
		to, reason := domain.StateApproved, domain.Reason("")
		if d == domain.DecisionReject {
			to, reason = domain.StateCancelled, domain.ReasonRejected
		} else if len(changed) > 0 {
			reason = domain.ReasonApprovedWithEdits
		}
		task, err := s.move(ctx, t, postgres.Move{TaskID: a.TaskID, From: domain.StateAwaitingApproval, To: to, Actor: decidedBy,
			Reason: reason, Packet: body})
		if err != nil {
			return err
		}
		if d == domain.DecisionApprove {
			if err := s.enqueueContinuation(ctx, t, task); err != nil {
				return err
			}
			if edits.SaveToLibrary {
				if err := s.fileEdits(ctx, t, a.UserID, packet.Form, changed); err != nil {
					return err
				}
			}
		}
		t.notify(domain.NotifyApprovals, a.TaskID.String())
		if h := s.o.Hooks.Decision; h != nil {
			waited := out.DecidedAt.Sub(out.CreatedAt)
			t.afterCommit(func() { h(d, waited) })
		}
		return nil
	})
	return out, err
}

// DecideTask decides the latest approval request of one of the user's
// tasks, as Decide. Another user's task and a task without a request
// answer the same ENOTFOUND (no existence oracle).
func (s *Service) DecideTask(ctx context.Context, userID, taskID domain.ID, d domain.Decision, decidedBy string) (*domain.Approval, error) {
	notFound := domain.Errorf(domain.ENOTFOUND, "task not found, or it has no approval request")
	if _, err := s.store.TaskGet(ctx, userID, taskID); err != nil {
		return nil, notFound
	}
	a, err := s.store.ApprovalLatestForTask(ctx, taskID)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, notFound
	}
	return s.Decide(ctx, postgres.ApprovalKey{ID: a.ID, UserID: userID}, d, decidedBy)
}

func approvalGone(a *domain.Approval) error {
	return domain.Errorf(domain.EGONE, "this approval request expired at %s: resume the task to prepare a new one", a.ExpiresAt.UTC().Format(time.RFC3339)).
		WithDetails(map[string]any{"status": string(domain.ApprovalExpired), "expires_at": a.ExpiresAt})
}

// UpdateRun changes a run's settings, or pauses or resumes it. Pausing lets
// workers park the run's queued tasks as they reach them; resuming gives
// every parked task a River job at once, in claim order. A cancelled or
// completed run's status cannot change here (ECONFLICT).
func (s *Service) UpdateRun(ctx context.Context, userID, runID domain.ID, u domain.RunUpdate) (*domain.Run, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var resume, cover *domain.ID
	if u.SetResume {
		resume = u.ResumeDocumentID
	}
	if u.SetCoverLetter {
		cover = u.CoverLetterDocumentID
	}
	if err := s.checkRunDocuments(ctx, userID, resume, cover); err != nil {
		return nil, err
	}
	var run *domain.Run
	err := s.inTx(ctx, func(t *txn) error {
		cur, err := t.st.RunGetForUpdate(ctx, userID, runID)
		if err != nil {
			return err
		}
		if u.Status != nil && *u.Status != cur.Status && (cur.Status == domain.RunCancelled || cur.Status == domain.RunCompleted) {
			return domain.Errorf(domain.ECONFLICT, "run is %s: its status cannot change", cur.Status).WithDetails(map[string]any{"current_status": string(cur.Status)})
		}
		if u.Status != nil && cur.Status == domain.RunPaused && *u.Status == domain.RunActive {
			parked, err := t.st.TaskListParked(ctx, runID) // locked in id order
			if err != nil {
				return err
			}
			sort.SliceStable(parked, func(i, j int) bool { // enqueued in claim order
				a, b := parked[i], parked[j]
				return a.Priority > b.Priority || (a.Priority == b.Priority && a.QueuedAt.Before(b.QueuedAt))
			})
			if err := s.enqueue(ctx, t, parked); err != nil {
				return err
			}
		}
		if run, err = t.st.RunUpdate(ctx, userID, runID, u); err != nil {
			return err
		}
		return t.st.RunCounts(ctx, []*domain.Run{run})
	})
	return run, err
}

// CancelRun cancels the run and every task of it that can be cancelled (all
// but the settled ones and those in submitting, which settle by
// themselves). It returns the run and how many tasks it cancelled.
func (s *Service) CancelRun(ctx context.Context, userID, runID domain.ID, actor string) (*domain.Run, int, error) {
	var run *domain.Run
	n := 0
	err := s.inTx(ctx, func(t *txn) error {
		var err error
		if run, err = t.st.RunSetStatus(ctx, userID, runID, domain.RunCancelled); err != nil { // the run first
			return err
		}
		tasks, err := t.st.TaskListCancellableInRun(ctx, runID) // then its tasks, in id order
		if err != nil {
			return err
		}
		for _, task := range tasks {
			if _, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: task.State, To: domain.StateCancelled,
				Actor: actor, Reason: domain.ReasonRunCancelled}); err != nil {
				return err
			}
		}
		n = len(tasks)
		return t.st.RunCounts(ctx, []*domain.Run{run})
	})
	return run, n, err
}

// ResumeChecked is Resume as the person asks for it: when the task will
// most likely stop again at the same place (domain.ResumeWall: its form
// needs a person, its posting is closed), it is ECONFIRMRESUME saying so,
// and nothing changes, unless confirmed.
func (s *Service) ResumeChecked(ctx context.Context, userID, taskID domain.ID, actor string, confirmed bool) (*domain.Task, error) {
	var out *domain.Task
	err := s.inTx(ctx, func(t *txn) error {
		task, err := t.st.TaskGetForUpdate(ctx, userID, taskID)
		if err != nil {
			return err
		}
		if !confirmed && domain.CanTransition(task.State, domain.StateQueued) {
			job, err := t.st.GetJob(ctx, userID, task.JobID)
			if err != nil {
				return err
			}
			if wall := domain.ResumeWall(task, job); wall != "" {
				return domain.Errorf(domain.ECONFIRMRESUME, "%s To resume anyway, confirm (the API: {\"confirm\": true}).", wall).
					WithDetails(map[string]any{"task_id": task.ID.String(), "reason": string(task.StateReason)})
			}
		}
		out, err = s.resumeLocked(ctx, t, []*domain.Task{task}, actor, domain.ReasonResumed)
		return err
	})
	return out, err
}

// MarkApplied records that the user applied to one of their paused or
// failed tasks' job by hand, on the posting's own form: the task moves to
// submitted (reason applied_by_hand, actor the user) and nothing is sent.
// A job is submitted at most once: when another task for it is already
// submitting or submitted, it is EALREADYAPPLIED naming that task, and
// nothing changes. Any other state is a *domain.TransitionError.
func (s *Service) MarkApplied(ctx context.Context, userID, taskID domain.ID, actor string) (*domain.Task, error) {
	var out *domain.Task
	err := s.inTx(ctx, func(t *txn) error {
		task, err := t.st.TaskGetForUpdate(ctx, userID, taskID)
		if err != nil {
			return err
		}
		if !task.CanMarkApplied() {
			return &domain.TransitionError{TaskID: task.ID, From: task.State, To: domain.StateSubmitted, Illegal: true}
		}
		applied, err := t.st.TaskListApplied(ctx, []domain.ID{task.JobID})
		if err != nil {
			return err
		}
		for _, a := range applied {
			if a.TaskID != task.ID {
				return alreadyApplied(&a.TaskID)
			}
		}
		out, err = s.move(ctx, t, postgres.Move{TaskID: task.ID, From: task.State, To: domain.StateSubmitted,
			Actor: actor, Reason: domain.ReasonAppliedByHand})
		if postgres.IsOneSubmissionViolation(err) { // another task reached submitting meanwhile
			return alreadyApplied(nil)
		}
		return err
	})
	return out, err
}

// alreadyApplied refuses a second submission of a job, naming the task
// that has it when known.
func alreadyApplied(other *domain.ID) error {
	e := domain.Errorf(domain.EALREADYAPPLIED, "this job already has an application submitted (or being submitted) in another task: a job is applied to once, so this one cannot be marked as applied; cancel it instead")
	if other != nil {
		e = e.WithDetails(map[string]any{"submitted_task_id": other.String()})
	}
	return e
}
