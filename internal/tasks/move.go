package tasks

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// move is the one function that moves a task: it refuses a move the state
// machine forbids (a *domain.TransitionError; nothing is written), writes
// the guarded move and its timeline row, closes the approval request of a
// task cancelled while awaiting approval, tells the owner's live views, and
// counts and logs the move once t commits. A guard that matched nothing is
// a lost race: a *domain.TransitionError with the state found, or
// ENOTFOUND.
func (s *Service) move(ctx context.Context, t *txn, m postgres.Move) (*domain.Task, error) {
	return s.moveWhy(ctx, t, m, "")
}

// moveWhy is move, with why replacing what the needs_you notice of a pause
// only the user can resolve says (needsYouWhy) when it is not empty.
func (s *Service) moveWhy(ctx context.Context, t *txn, m postgres.Move, why string) (*domain.Task, error) {
	if !domain.CanMove(m.From, m.To, m.Reason) {
		return nil, &domain.TransitionError{TaskID: m.TaskID, From: m.From, To: m.To, Illegal: true}
	}
	task, err := t.st.TaskMove(ctx, m)
	if errors.Is(err, postgres.ErrNotMoved) {
		current, err := t.st.TaskState(ctx, m.TaskID)
		if err != nil {
			return nil, err
		}
		return nil, &domain.TransitionError{TaskID: m.TaskID, From: m.From, To: m.To, Current: current}
	}
	if err != nil {
		return nil, fmt.Errorf("moving task %s from %s to %s: %w", m.TaskID, m.From, m.To, err)
	}
	if m.From == domain.StateAwaitingApproval && m.To == domain.StateCancelled {
		// A later decision answers 409, and waiting workers let go.
		closed, err := t.st.ApprovalCloseForTask(ctx, m.TaskID, m.Actor)
		if err != nil {
			return nil, fmt.Errorf("closing the approval request: %w", err)
		}
		if closed {
			t.notify(domain.NotifyApprovals, m.TaskID.String())
		}
	}
	if generic, ok := needsYouWhy[m.Reason]; ok && m.To == domain.StatePaused {
		if why == "" {
			why = generic
		}
		if err := needsYou(ctx, t, task, why); err != nil {
			return nil, err
		}
	}
	s.moved(t, task, m.From, m.To, m.Actor, m.Reason)
	return task, nil
}

// needsYouWhy are the pauses only the task's user can resolve, and what
// the notice says.
var needsYouWhy = map[domain.Reason]string{
	// Only its user can tell whether it went out.
	domain.ReasonSubmissionOutcomeUnknown: "the submission may have gone out: check, then mark it as applied, resume or cancel it",
	domain.ReasonNeedsUser:                "the application form needs you (a CAPTCHA, a login, or its own errors): nothing was sent; open the form, apply yourself and mark it as applied, or cancel it",
}

// needsYou queues a needs_you notice about task for its user's digest.
func needsYou(ctx context.Context, t *txn, task *domain.Task, why string) error {
	subject, err := taskSubject(ctx, t, task)
	if err != nil {
		return err
	}
	t.notice(domain.Notice{UserID: task.UserID, Kind: domain.NoticeNeedsYou, TaskID: &task.ID, RunID: &task.RunID, Subject: subject, Detail: why})
	return nil
}

// moved tells the owner's live views that task moved, and counts and logs
// the move once t commits.
func (s *Service) moved(t *txn, task *domain.Task, from, to domain.State, actor string, reason domain.Reason) {
	t.notify(domain.NotifyTasks, task.UserID.String())
	t.afterCommit(func() {
		if h := s.o.Hooks.Transition; h != nil {
			h(from, to)
		}
		s.log.Info("task transition",
			zap.Stringer("task_id", task.ID), zap.Stringer("run_id", task.RunID),
			zap.String("from", string(from)), zap.String("to", string(to)),
			zap.String("actor", actor), zap.String("reason", string(reason)))
	})
}

// isTransitionError reports whether err says a task could not move.
func isTransitionError(err error) bool {
	var te *domain.TransitionError
	return errors.As(err, &te)
}
