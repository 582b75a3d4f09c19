package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/failpoint"
	"github.com/applyq/applyq/internal/postgres"
)

// ApprovalGate is where a run that requires approval hands its prepared task
// over instead of submitting. Without one, such tasks are paused (never
// submitted unapproved).
type ApprovalGate interface {
	// RequestApprovalTx creates the approval request for the packet and moves
	// the task in_progress → awaiting_approval, inside tx. afterCommit runs
	// once tx has committed (to mail the link and start waiting).
	RequestApprovalTx(ctx context.Context, tx pgx.Tx, app *postgres.Application, packet []byte, fence domain.ID) (afterCommit func(), err error)
}

// ApplyWorker drives one task queued → in_progress → (awaiting_approval →
// approved →) submitting → submitted. River delivers at least once, so every
// step is guarded: a task found in a state it does not expect is left alone
// and the job completes.
type ApplyWorker struct {
	river.WorkerDefaults[ApplyArgs]

	DB          *postgres.DB
	Applier     domain.Applier
	Approvals   ApprovalGate // nil: runs that require approval pause their tasks
	Owner       string       // this process's lease owner name
	JobTimeout  time.Duration
	MaxAttempts int // per task; the attempt that reaches it fails the task
	Log         *zap.Logger
	Now         func() time.Time // pacing clock; time.Now when nil
	Leases      *Leases          // heartbeated leases; nil heartbeats nothing
	// OnApply observes each applier call (outcome: submitted, rejected,
	// not_sent, unknown); OnApproveToSubmit the time from approval to the
	// start of submission. Either may be nil.
	OnApply           func(applier, outcome string, d time.Duration)
	OnApproveToSubmit func(d time.Duration)
	// Batch, when set, group-commits the submitting and submitted writes of
	// concurrent tasks (fewer commits per task); nil commits each alone.
	Batch *postgres.Batcher
}

// Timeout implements river.Worker: an application may take longer than River's
// one-minute default.
func (w *ApplyWorker) Timeout(*river.Job[ApplyArgs]) time.Duration { return w.JobTimeout }

// Work implements river.Worker.
func (w *ApplyWorker) Work(ctx context.Context, job *river.Job[ApplyArgs]) error {
	log := w.Log.With(zap.Stringer("task_id", job.Args.TaskID), zap.Int64("river_job_id", job.ID))
	lease := postgres.Lease{Token: domain.NewID(), Owner: w.Owner}
	w.Leases.Hold(lease.Token)
	defer w.Leases.Release(lease.Token)

	// 1. Claim: queued → in_progress with a fresh lease, unless the run is
	// paused or the user's daily limit is reached.
	var app *postgres.Application
	var snooze time.Duration
	continueApproved := false
	err := w.DB.InTx(ctx, func(tx pgx.Tx) error {
		t, err := w.DB.LockTaskTx(ctx, tx, job.Args.TaskID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			log.Info("task no longer exists; completing job")
			return completeTx(ctx, tx, job)
		}
		if err != nil {
			return err
		}
		switch t.State {
		case domain.StateQueued:
		case domain.StateApproved:
			continueApproved = true
			return nil
		default:
			log.Info("task not queued; leaving it alone", zap.String("state", string(t.State)), zap.Stringer("run_id", t.RunID))
			return completeTx(ctx, tx, job)
		}
		loaded, err := w.DB.ApplicationTx(ctx, tx, t)
		if err != nil {
			return err
		}
		if loaded.Run.Status == domain.RunPaused {
			// Look again with the run locked, so a resume committing now is
			// either seen here or sees this task parked.
			if loaded.Run.Status, err = w.DB.RunStatusForShareTx(ctx, tx, t.RunID); err != nil {
				return err
			}
		}
		if loaded.Run.Status == domain.RunPaused {
			// Parked: the task stays queued without a job, holding nothing,
			// until resuming the run enqueues it again.
			log.Info("run is paused; task parked until the run resumes", zap.Stringer("run_id", t.RunID))
			return completeTx(ctx, tx, job)
		}
		// A cheap, unlocked look at the user's daily usage: the exact count
		// happens with the submitting write.
		now := w.now()
		used, limit, err := w.DB.DailyUsageTx(ctx, tx, t.UserID, now)
		if err != nil {
			return err
		}
		if used >= limit {
			snooze = w.holdUntil(now, limit, log)
			return w.DB.HoldForDailyLimitTx(ctx, tx, t.ID, limit, now.Add(snooze))
		}
		loaded.Task, err = w.DB.TransitionTx(ctx, tx, postgres.TransitionParams{
			TaskID: t.ID, From: domain.StateQueued, To: domain.StateInProgress,
			Actor: domain.ActorWorker, Lease: &lease,
		})
		app = loaded
		return err
	})
	switch {
	case err != nil:
		return err
	case continueApproved:
		return w.ContinueApproved(ctx, job.Args.TaskID, job, "job")
	case snooze > 0:
		// The task stays queued and keeps its job; look again later.
		return river.JobSnooze(snooze)
	case app == nil:
		return nil
	}
	log = log.With(zap.Stringer("run_id", app.Task.RunID))
	failpoint.Hit(failpoint.AfterClaim)

	// 2. Prepare the packet. A problem the user must fix pauses the task.
	packet, err := domain.BuildPacket(app.Task, app.Run, app.Job, app.User, time.Now())
	if err != nil {
		return w.settle(ctx, job, app.Task, lease.Token, domain.StateInProgress, domain.StatePaused, "preparation_failed", err, log)
	}
	packetJSON, err := json.Marshal(packet)
	if err != nil {
		return err
	}

	// 3a. Approval: hand over, holding nothing while a person decides.
	if app.Run.RequiresApproval {
		if w.Approvals == nil {
			return w.settle(ctx, job, app.Task, lease.Token, domain.StateInProgress, domain.StatePaused, "approval_required",
				errors.New("this run requires approval and no approval flow is configured"), log)
		}
		var after func()
		err := w.DB.InTx(ctx, func(tx pgx.Tx) error {
			var err error
			if after, err = w.Approvals.RequestApprovalTx(ctx, tx, app, packetJSON, lease.Token); err != nil {
				return err
			}
			return completeTx(ctx, tx, job)
		})
		if isTransitionError(err) {
			log.Warn("lost the task before requesting approval; another actor moved it", zap.Error(err))
			return nil
		}
		if err != nil {
			return w.retryOrFail(ctx, job, app.Task, lease.Token, domain.StateInProgress, err, log)
		}
		after()
		return nil
	}

	// 3b. in_progress → submitting, committed before the applier is called.
	failpoint.Hit(failpoint.BeforeSubmitting)
	err = w.write(ctx, func(tx pgx.Tx) error {
		if err := w.consumeSlot(ctx, tx, app.Task.UserID); err != nil {
			return err
		}
		_, err := w.DB.TransitionTx(ctx, tx, postgres.TransitionParams{
			TaskID: app.Task.ID, From: domain.StateInProgress, To: domain.StateSubmitting,
			Actor: domain.ActorWorker, Fence: lease.Token, Packet: packetJSON,
		})
		return err
	})
	var full *dailyLimitError
	switch {
	case errors.As(err, &full):
		// Over the limit after all: back to queued, and wait for the next window.
		msg := full.Error()
		err := w.DB.InTx(ctx, func(tx pgx.Tx) error {
			_, err := w.DB.TransitionTx(ctx, tx, postgres.TransitionParams{TaskID: app.Task.ID, From: domain.StateInProgress,
				To: domain.StateQueued, Actor: domain.ActorWorker, Reason: postgres.ReasonDailyLimit, Fence: lease.Token, LastError: &msg})
			return err
		})
		if err != nil && !isTransitionError(err) {
			return err
		}
		return river.JobSnooze(full.wait)
	case postgres.IsOneSubmissionViolation(err):
		// Another run's task for the same job got there first.
		return w.settle(ctx, job, app.Task, lease.Token, domain.StateInProgress, domain.StateCancelled, domain.ReasonAlreadyApplied, nil, log)
	case isTransitionError(err):
		log.Warn("lost the task before submitting; another actor moved it", zap.Error(err))
		return nil
	case err != nil:
		return w.retryOrFail(ctx, job, app.Task, lease.Token, domain.StateInProgress, err, log)
	}
	return w.submit(ctx, job, app.Task, lease.Token, packet, log)
}

// ContinueApproved submits an approved task: approved → submitting (guarded,
// so of the listening worker and the River job only one wins), then the
// applier with the exact approved packet. job is nil on the notification
// path; via ("notification", "poll", "job") is recorded as the transition
// reason.
func (w *ApplyWorker) ContinueApproved(ctx context.Context, taskID domain.ID, job *river.Job[ApplyArgs], via string) error {
	log := w.Log.With(zap.Stringer("task_id", taskID), zap.String("via", via))
	lease := postgres.Lease{Token: domain.NewID(), Owner: w.Owner}
	w.Leases.Hold(lease.Token)
	defer w.Leases.Release(lease.Token)
	var task *domain.Task
	var packetJSON []byte
	var approvedAt time.Time
	var limited *dailyLimitError
	err := w.DB.InTx(ctx, func(tx pgx.Tx) error {
		t, err := w.DB.LockTaskTx(ctx, tx, taskID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return completeTx(ctx, tx, job)
		}
		if err != nil {
			return err
		}
		if t.State != domain.StateApproved {
			return completeTx(ctx, tx, job) // the other path won, or the task moved on
		}
		if packetJSON, approvedAt, err = w.DB.TaskPacketTx(ctx, tx, taskID); err != nil {
			return err
		}
		if err := w.consumeSlot(ctx, tx, t.UserID); err != nil {
			var full *dailyLimitError
			if errors.As(err, &full) {
				limited = full
				return w.DB.HoldForDailyLimitTx(ctx, tx, taskID, full.limit, w.now().Add(full.wait))
			}
			return err
		}
		task, err = w.DB.TransitionTx(ctx, tx, postgres.TransitionParams{
			TaskID: taskID, From: domain.StateApproved, To: domain.StateSubmitting,
			Actor: domain.ActorWorker, Reason: "approved_via_" + via, Lease: &lease,
		})
		return err
	})
	if postgres.IsOneSubmissionViolation(err) {
		err = w.DB.InTx(ctx, func(tx pgx.Tx) error {
			if _, err := w.DB.TransitionTx(ctx, tx, postgres.TransitionParams{TaskID: taskID, From: domain.StateApproved,
				To: domain.StateCancelled, Actor: domain.ActorWorker, Reason: domain.ReasonAlreadyApplied}); err != nil {
				return err
			}
			return completeTx(ctx, tx, job)
		})
	}
	if isTransitionError(err) {
		log.Info("approved task taken by another path", zap.Error(err))
		return nil
	}
	if err == nil && limited != nil {
		// Stays approved; its job looks again in the next window.
		if job == nil {
			return nil
		}
		return river.JobSnooze(limited.wait)
	}
	if err != nil || task == nil {
		return err
	}
	if w.OnApproveToSubmit != nil && !approvedAt.IsZero() {
		w.OnApproveToSubmit(time.Since(approvedAt))
	}
	var packet domain.Packet
	if err := json.Unmarshal(packetJSON, &packet); err != nil {
		return w.settle(ctx, job, task, lease.Token, domain.StateSubmitting, domain.StateFailed, "packet_unreadable", err, log)
	}
	log = log.With(zap.Stringer("run_id", task.RunID))
	return w.submit(ctx, job, task, lease.Token, &packet, log)
}

// submit calls the applier for a task already committed in submitting and
// records the outcome.
func (w *ApplyWorker) submit(ctx context.Context, job *river.Job[ApplyArgs], t *domain.Task, fence domain.ID, packet *domain.Packet, log *zap.Logger) error {
	failpoint.Hit(failpoint.BeforeApply)
	started := time.Now()
	res, applyErr := w.Applier.Apply(ctx, packet)
	failpoint.Hit(failpoint.AfterApply)
	if w.OnApply != nil {
		w.OnApply(w.Applier.Name(), applyOutcome(applyErr, w.Applier.IdempotentRetries()), time.Since(started))
	}
	// Only this process knows the outcome now: record it even when the
	// job's context ended meanwhile (timeout, shutdown), or a provable "not
	// sent" or a submission would later read as "outcome unknown".
	switch {
	case applyErr == nil:
		log.Info("application submitted", zap.String("applier", w.Applier.Name()), zap.String("reference", res.Reference))
		return w.record(ctx, log, func(ctx context.Context) error {
			return w.settle(ctx, job, t, fence, domain.StateSubmitting, domain.StateSubmitted, "", nil, log)
		})
	case errors.Is(applyErr, domain.ErrRejected):
		return w.record(ctx, log, func(ctx context.Context) error {
			return w.settle(ctx, job, t, fence, domain.StateSubmitting, domain.StateFailed, "rejected_by_receiver", applyErr, log)
		})
	case errors.Is(applyErr, domain.ErrNotSent) || w.Applier.IdempotentRetries():
		var requeued bool
		err := w.record(ctx, log, func(ctx context.Context) (err error) {
			requeued, err = w.requeue(ctx, job, t, fence, domain.StateSubmitting, applyErr, log)
			return err
		})
		return w.retryError(err, requeued, job, t, applyErr)
	default:
		// The submission may have gone out: never retry blindly.
		return w.record(ctx, log, func(ctx context.Context) error {
			return w.settle(ctx, job, t, fence, domain.StateSubmitting, domain.StatePaused, domain.ReasonSubmissionOutcomeUnknown, applyErr, log)
		})
	}
}

// recordTimeout bounds how long an applier's outcome is retried into the
// database after the job's own context ended.
const recordTimeout = 30 * time.Second

// record writes an applier's outcome on a context of its own (the job's may
// have ended), retrying for up to recordTimeout: losing this write would
// leave the task for the sweeper to pause as "outcome unknown".
func (w *ApplyWorker) record(ctx context.Context, log *zap.Logger, write func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	backoff := 50 * time.Millisecond
	for {
		err := write(ctx)
		if err == nil {
			return nil
		}
		log.Warn("recording an applier outcome failed; retrying", zap.Error(err))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// retryOrFail puts the task back to queued, or fails it when its attempts
// are spent. With a River job, returning the error makes River retry that
// job with backoff; without one (the notification path), a new job is
// enqueued in the same transaction.
func (w *ApplyWorker) retryOrFail(ctx context.Context, job *river.Job[ApplyArgs], t *domain.Task, fence domain.ID, from domain.State, cause error, log *zap.Logger) error {
	requeued, err := w.requeue(ctx, job, t, fence, from, cause, log)
	return w.retryError(err, requeued, job, t, cause)
}

// retryError is what Work returns after requeue: the error that makes River
// retry the job when the task was queued again and this job is its way
// forward.
func (w *ApplyWorker) retryError(err error, requeued bool, job *river.Job[ApplyArgs], t *domain.Task, cause error) error {
	if err != nil || !requeued || job == nil {
		return err
	}
	return fmt.Errorf("attempt %d of task %s: %w", t.Attempts, t.ID, cause)
}

// requeue writes from → queued (reason retry), or → failed when the task's
// attempts are spent; it reports whether the task was queued. A task another
// actor moved meanwhile is left alone (false, nil).
func (w *ApplyWorker) requeue(ctx context.Context, job *river.Job[ApplyArgs], t *domain.Task, fence domain.ID, from domain.State, cause error, log *zap.Logger) (bool, error) {
	if t.Attempts >= w.MaxAttempts {
		return false, w.settle(ctx, job, t, fence, from, domain.StateFailed, domain.ReasonAttemptsExhausted, cause, log)
	}
	msg := cause.Error()
	err := w.DB.InTx(ctx, func(tx pgx.Tx) error {
		queued, err := w.DB.TransitionTx(ctx, tx, postgres.TransitionParams{
			TaskID: t.ID, From: from, To: domain.StateQueued, Actor: domain.ActorWorker,
			Reason: domain.ReasonRetry, Fence: fence, LastError: &msg,
		})
		if err != nil || job != nil {
			return err
		}
		return w.DB.EnqueueTx(ctx, tx, queued)
	})
	if isTransitionError(err) {
		log.Warn("lost the task before retrying; another actor moved it", zap.Error(err))
		return false, nil
	}
	if err != nil {
		return false, err
	}
	log.Warn("attempt failed; retrying", zap.Int("attempt", t.Attempts), zap.Error(cause))
	return true, nil
}

// settle moves the task to a settled state and completes the River job (if
// any) in the same transaction.
func (w *ApplyWorker) settle(ctx context.Context, job *river.Job[ApplyArgs], t *domain.Task, fence domain.ID, from, to domain.State, reason string, cause error, log *zap.Logger) error {
	var lastErr *string
	if cause != nil {
		msg := domain.ErrorMessage(cause)
		if domain.ErrorCode(cause) == domain.EINTERNAL {
			msg = cause.Error()
		}
		lastErr = &msg
	}
	err := w.write(ctx, func(tx pgx.Tx) error {
		if _, err := w.DB.TransitionTx(ctx, tx, postgres.TransitionParams{
			TaskID: t.ID, From: from, To: to, Actor: domain.ActorWorker, Reason: reason, Fence: fence, LastError: lastErr,
		}); err != nil {
			return err
		}
		return completeTx(ctx, tx, job)
	})
	if isTransitionError(err) {
		log.Warn("lost the task while settling it; another actor moved it", zap.String("to", string(to)), zap.Error(err))
		return nil
	}
	return err
}

// completeTx completes job inside tx; a nil job (the notification path) has
// nothing to complete.
func completeTx(ctx context.Context, tx pgx.Tx, job *river.Job[ApplyArgs]) error {
	if job == nil {
		return nil
	}
	_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
	return err
}

func isTransitionError(err error) bool {
	var te *domain.TransitionError
	return errors.As(err, &te)
}

func (w *ApplyWorker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// applyOutcome classifies an applier result for metrics.
func applyOutcome(err error, idempotent bool) string {
	switch {
	case err == nil:
		return "submitted"
	case errors.Is(err, domain.ErrRejected):
		return "rejected"
	case errors.Is(err, domain.ErrNotSent) || idempotent:
		return "not_sent"
	}
	return "unknown"
}

// write runs a short write transaction, group-committed when a Batcher is set.
func (w *ApplyWorker) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if w.Batch != nil {
		return w.Batch.Do(ctx, fn)
	}
	return w.DB.InTx(ctx, fn)
}

// dailyLimitError says the user's daily submission limit is reached.
type dailyLimitError struct {
	limit int
	wait  time.Duration
}

func (e *dailyLimitError) Error() string {
	return fmt.Sprintf("daily submission limit of %d reached; continues in %s", e.limit, e.wait.Round(time.Second))
}

// consumeSlot counts a submission against the user's daily limit inside the
// submitting transaction, or returns a *dailyLimitError.
func (w *ApplyWorker) consumeSlot(ctx context.Context, tx pgx.Tx, userID domain.ID) error {
	now := w.now()
	ok, limit, err := w.DB.ConsumeDailySlotTx(ctx, tx, userID, now)
	if err != nil {
		return err
	}
	if !ok {
		return &dailyLimitError{limit: limit, wait: w.holdUntil(now, limit, w.Log)}
	}
	return nil
}

// holdUntil is how long a task over the daily limit waits: until the next
// UTC day.
func (w *ApplyWorker) holdUntil(now time.Time, limit int, log *zap.Logger) time.Duration {
	_, end := postgres.DailyWindow(now)
	log.Info("daily submission limit reached; task waits", zap.Int("limit", limit), zap.Time("until", end))
	return end.Sub(now)
}
