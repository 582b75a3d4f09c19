package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// recordTimeout bounds how long an applier's outcome is retried into the
// database after the worker's own context ended.
const recordTimeout = 30 * time.Second

// RecordOutcome records what the applier call of a submission came to, as
// domain.ClassifyApply classified it: submitted; failed
// (rejected_by_receiver); back to queued when provably nothing was sent
// (River retries the job; without a job a new one is enqueued), or failed
// when the task's attempts are spent; paused (submission_outcome_unknown)
// when it may have gone out — never retried blindly. The write runs on a
// context of its own, retried for up to recordTimeout: only this process
// knows the outcome, and losing it would leave the task for the sweeper to
// pause as "outcome unknown". The error returned is for River (a retry).
func (s *Service) RecordOutcome(ctx context.Context, sub *Submission, outcome domain.ApplyOutcome, applyErr error, evidence ...domain.Evidence) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	s.keepEvidence(ctx, sub.Task, sub.Packet.Applier, evidence)
	to, reason := domain.StateSubmitted, domain.Reason("")
	switch outcome {
	case domain.OutcomeNotSent:
		if errors.Is(applyErr, domain.ErrThrottled) {
			s.throttle(ctx, sub.Packet)
		}
		var requeued bool
		err := s.record(ctx, func(ctx context.Context) (err error) {
			requeued, err = s.requeue(ctx, sub.job, sub.Task, sub.fence, domain.StateSubmitting, applyErr)
			return err
		})
		return retryError(err, requeued, sub.job, sub.Task, applyErr)
	case domain.OutcomeSubmitted:
		return s.recordSubmitted(ctx, sub)
	case domain.OutcomeRejected:
		to, reason = domain.StateFailed, domain.ReasonRejectedByReceiver
	case domain.OutcomeUnknown:
		to, reason = domain.StatePaused, domain.ReasonSubmissionOutcomeUnknown
	case domain.OutcomeNeedsUser:
		to, reason = domain.StatePaused, domain.ReasonNeedsUser
	}
	return s.record(ctx, func(ctx context.Context) error {
		return s.settle(ctx, sub.job, sub.Task, sub.fence, domain.StateSubmitting, to, reason, applyErr)
	})
}

// throttle spends the rest of the current windows of the platform's own
// rates (not the employer's) after the platform answered "too many": every
// worker's next submission to it waits for the window to end (pace). A
// failure is logged: the task is retried all the same.
func (s *Service) throttle(ctx context.Context, p *domain.Packet) {
	if s.o.Pace == nil {
		return
	}
	var platform []domain.RateLimit
	for _, l := range s.o.Pace(p) {
		if l.Key == domain.PlatformRateKey(p.Platform) {
			platform = append(platform, l)
		}
	}
	if err := s.store.RateLimitFill(ctx, platform); err != nil {
		s.log.Warn("backing off a platform that answered too many failed", zap.String("platform", string(p.Platform)), zap.Error(err))
		return
	}
	s.log.Info("backing off a platform that answered too many", zap.String("platform", string(p.Platform)))
}

// keepEvidence stores what an applier (or the form reader of the
// applier named) saw while working task: bytes in the blob store, then a
// row each, of the kind it gave. It never stands in the way of recording
// the outcome: a failure is logged, and the outcome is recorded all the
// same.
func (s *Service) keepEvidence(ctx context.Context, task *domain.Task, applier string, evidence []domain.Evidence) {
	if len(evidence) == 0 {
		return
	}
	log := s.log.With(zap.Stringer("task_id", task.ID))
	if s.o.Evidence == nil {
		log.Warn("an applier gave evidence, but no blob store keeps it", zap.Int("pieces", len(evidence)))
		return
	}
	for _, e := range evidence {
		rec := &domain.EvidenceRecord{ID: domain.NewID(), TaskID: task.ID, UserID: task.UserID, Kind: e.Kind,
			ContentType: e.ContentType, Size: int64(len(e.Data)), Applier: applier}
		rec.BlobKey = domain.EvidenceBlobKey(rec.UserID, rec.TaskID, rec.ID)
		if err := s.o.Evidence.Put(ctx, rec.BlobKey, e.ContentType, e.Data); err != nil {
			log.Error("storing evidence failed", zap.String("kind", e.Kind), zap.Error(err))
			continue
		}
		if _, err := s.store.EvidenceAdd(ctx, rec); err != nil {
			log.Error("recording evidence failed", zap.String("kind", e.Kind), zap.String("blob_key", rec.BlobKey), zap.Error(err))
		}
	}
}

// OpenEvidence opens one piece of what an applier saw while applying one
// of the user's tasks (ENOTFOUND for another user's, or when this process
// keeps no evidence).
func (s *Service) OpenEvidence(ctx context.Context, userID, taskID, id domain.ID) (io.ReadCloser, *domain.EvidenceRecord, error) {
	rec, err := s.store.EvidenceGet(ctx, userID, taskID, id)
	if err != nil {
		return nil, nil, err
	}
	if s.o.Evidence == nil {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "evidence not found")
	}
	r, err := s.o.Evidence.Get(ctx, rec.BlobKey)
	if err != nil {
		return nil, nil, fmt.Errorf("reading evidence %s: %w", rec.ID, err)
	}
	return r, rec, nil
}

// record runs write until it succeeds or ctx ends.
func (s *Service) record(ctx context.Context, write func(ctx context.Context) error) error {
	backoff := 50 * time.Millisecond
	for {
		err := write(ctx)
		if err == nil {
			return nil
		}
		s.log.Warn("recording an applier outcome failed; retrying", zap.Error(err))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// settle moves a task the worker holds (fenced by its lease) to a settled
// state and completes its job in the same transaction. Losing the task to
// another actor meanwhile is not an error: there is nothing left to do.
func (s *Service) settle(ctx context.Context, job Job, task *domain.Task, fence domain.ID, from, to domain.State, reason domain.Reason, cause error) error {
	var lastErr *string
	if cause != nil {
		msg := domain.ErrorMessage(cause)
		if domain.ErrorCode(cause) == domain.EINTERNAL {
			msg = cause.Error()
		}
		lastErr = &msg
	}
	err := s.inTx(ctx, func(t *txn) error {
		if _, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: from, To: to, Actor: domain.ActorWorker, Reason: reason,
			Fence: fence, LastError: lastErr}); err != nil {
			return err
		}
		return completeJob(ctx, t, job)
	})
	if isTransitionError(err) {
		s.log.Warn("lost the task while settling it; another actor moved it", zap.Stringer("task_id", task.ID), zap.String("to", string(to)), zap.Error(err))
		return nil
	}
	return err
}

// retryOrFail puts a task the worker holds back to queued, or fails it when
// its attempts are spent; the error returned makes River retry the job.
func (s *Service) retryOrFail(ctx context.Context, job Job, task *domain.Task, fence domain.ID, from domain.State, cause error) error {
	requeued, err := s.requeue(ctx, job, task, fence, from, cause)
	return retryError(err, requeued, job, task, cause)
}

// retryError is what a worker returns after requeue: an error that makes
// River retry the job, when the task was queued again and this job is its
// way forward.
func retryError(err error, requeued bool, job Job, task *domain.Task, cause error) error {
	if err != nil || !requeued || job == nil {
		return err
	}
	return fmt.Errorf("attempt %d of task %s: %w", task.Attempts, task.ID, cause)
}

// requeue writes from → queued (reason retry), or → failed when the task's
// attempts are spent, and reports whether it queued the task. Without a job
// (the notification path) a new one is enqueued with it. A task another
// actor moved meanwhile is left alone (false, nil).
func (s *Service) requeue(ctx context.Context, job Job, task *domain.Task, fence domain.ID, from domain.State, cause error) (bool, error) {
	if task.Attempts >= s.o.MaxAttempts {
		return false, s.settle(ctx, job, task, fence, from, domain.StateFailed, domain.ReasonAttemptsExhausted, cause)
	}
	msg := cause.Error()
	err := s.inTx(ctx, func(t *txn) error {
		queued, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: from, To: domain.StateQueued, Actor: domain.ActorWorker,
			Reason: domain.ReasonRetry, Fence: fence, LastError: &msg})
		if err != nil || job != nil {
			return err
		}
		return s.enqueue(ctx, t, []*domain.Task{queued})
	})
	if isTransitionError(err) {
		s.log.Warn("lost the task before retrying; another actor moved it", zap.Stringer("task_id", task.ID), zap.Error(err))
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.log.Warn("attempt failed; retrying", zap.Stringer("task_id", task.ID), zap.Int("attempt", task.Attempts), zap.Error(cause))
	return true, nil
}
