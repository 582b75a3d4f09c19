package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// ContinueApproved submits an approved task: approved → submitting under a
// fresh lease (guarded, so of the listening worker and the River job only
// one wins; via — "notification", "resync", "poll" or "job" — is recorded
// as the reason), with the exact packet the user approved. job is nil on
// the notification path. Over the daily limit the task stays approved and
// its job (if any) waits for the next window.
func (s *Service) ContinueApproved(ctx context.Context, taskID domain.ID, job Job, lease Lease, via string) (Next, error) {
	log := s.log.With(zap.Stringer("task_id", taskID), zap.String("via", via))
	var (
		task       *domain.Task
		packetJSON []byte
		approvedAt time.Time
	)
	err := s.inTx(ctx, func(t *txn) error {
		task = nil
		cur, err := t.st.TaskGetForUpdate(ctx, domain.ID{}, taskID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return completeJob(ctx, t, job)
		}
		if err != nil {
			return err
		}
		if cur.State != domain.StateApproved {
			return completeJob(ctx, t, job) // the other path won, or the task moved on
		}
		if packetJSON, approvedAt, err = t.st.TaskPacket(ctx, taskID); err != nil {
			return err
		}
		if task, err = s.move(ctx, t, postgres.Move{TaskID: taskID, From: domain.StateApproved, To: domain.StateSubmitting,
			Actor: domain.ActorWorker, Reason: domain.ApprovedVia(via), LeaseToken: lease.Token, LeaseOwner: lease.Owner}); err != nil {
			return err
		}
		var approved domain.Packet
		if json.Unmarshal(packetJSON, &approved) == nil {
			if err := s.pace(ctx, t, &approved); err != nil {
				return err
			}
		}
		return s.consumeSlot(ctx, t, task.UserID)
	})
	var paced *pacedError
	switch {
	case errors.As(err, &paced):
		// Stays approved; its job (if any) looks again when the window frees
		// (without one, the sweeper gives it one).
		if job == nil {
			return Next{}, nil
		}
		return Next{}, river.JobSnooze(paced.wait)
	case errors.Is(err, errOverLimit):
		return s.holdApproved(ctx, taskID, job)
	case postgres.IsOneSubmissionViolation(err):
		err = s.inTx(ctx, func(t *txn) error {
			if _, err := s.move(ctx, t, postgres.Move{TaskID: taskID, From: domain.StateApproved, To: domain.StateCancelled,
				Actor: domain.ActorWorker, Reason: domain.ReasonAlreadyApplied}); err != nil {
				return err
			}
			return completeJob(ctx, t, job)
		})
		if err == nil || isTransitionError(err) {
			return Next{}, nil
		}
		return Next{}, err
	case isTransitionError(err):
		log.Info("approved task taken by another path", zap.Error(err))
		return Next{}, nil
	case err != nil || task == nil:
		return Next{}, err
	}
	if h := s.o.Hooks.ApproveToSubmit; h != nil && !approvedAt.IsZero() {
		h(time.Since(approvedAt))
	}
	var packet domain.Packet
	if err := json.Unmarshal(packetJSON, &packet); err != nil {
		return Next{}, s.settle(ctx, job, task, lease.Token, domain.StateSubmitting, domain.StateFailed, domain.ReasonPacketUnreadable, err)
	}
	return Next{Submit: &Submission{Task: task, Packet: &packet, fence: lease.Token, job: job}}, nil
}

// holdApproved says on an approved task over the user's daily limit why it
// waits; its job (if any) looks again in the next window.
func (s *Service) holdApproved(ctx context.Context, taskID domain.ID, job Job) (Next, error) {
	var hold *domain.DailyLimitReached
	err := s.inTx(ctx, func(t *txn) error {
		cur, err := t.st.TaskGetForUpdate(ctx, domain.ID{}, taskID)
		if err != nil {
			return err
		}
		now := s.o.Now()
		day, _ := domain.DailyWindow(now)
		_, limit, err := t.st.DailyUsage(ctx, cur.UserID, day)
		if err != nil {
			return err
		}
		hold = domain.DailyLimitAt(limit, now)
		return t.st.TaskHold(ctx, taskID, domain.ReasonDailyLimit, hold.Error())
	})
	if err != nil || job == nil {
		return Next{}, err
	}
	return Next{}, river.JobSnooze(hold.Until.Sub(s.o.Now()))
}
