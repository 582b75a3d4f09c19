package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// A worker drives one task through three steps, each one method here:
//
//	Claim           queued → in_progress                 (or: nothing to do, wait, continue approved)
//	Prepare         in_progress → submitting              (or → awaiting_approval, or paused)
//	RecordOutcome   submitting → submitted | failed | queued | paused
//
// with the applier called between the last two: submitting is committed
// before the applier is called (the point of no return), and the outcome is
// recorded even when the worker's own deadline passed meanwhile.

// Next is what the worker does next with a task; at most one field is set,
// and none means the task needs nothing more from this worker.
type Next struct {
	// Prepare: the task is in_progress under the worker's lease.
	Prepare *Claimed
	// Submit: the task is committed in submitting; call the applier with
	// Submit.Packet, then RecordOutcome.
	Submit *Submission
	// AwaitingApproval: the task waits for its user's decision; the worker
	// process listens for it.
	AwaitingApproval domain.ID
}

// Claimed is a task a worker holds in in_progress.
type Claimed struct {
	app   *postgres.Application
	lease Lease
	job   Job
}

// Submission is a task committed in submitting, with the exact packet to send.
type Submission struct {
	Task   *domain.Task
	Packet *domain.Packet
	fence  domain.ID
	job    Job
}

// runBusyRecheck is how soon a job looks again at a task whose paused run
// was being changed when it looked.
const runBusyRecheck = time.Second

// claimOne is Claim for one task in a transaction of its own, moving it
// queued → in_progress under lease (Prepare then hands it on). Instead it
// completes the job when the task moved on or is gone, cancels it when its
// posting closed (posting_closed), parks the task
// (completing the job) while its run is paused, returns a River snooze
// until the next window when the user's daily limit is reached, and
// continues an approved task (ContinueApproved) when the job is its
// durable continuation. The batch hands it what it cannot take.
func (s *Service) claimOne(ctx context.Context, job Job, lease Lease) (Next, error) {
	id := job.Args.TaskID
	log := s.log.With(zap.Stringer("task_id", id), zap.Int64("river_job_id", job.ID))
	var (
		next     Next
		wait     time.Duration
		approved bool
	)
	err := s.inTx(ctx, func(t *txn) error {
		next, wait, approved = Next{}, 0, false
		now := s.o.Now()
		day, _ := domain.DailyWindow(now)
		app, err := t.st.TaskApplicationForUpdate(ctx, id, day)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			log.Info("task no longer exists; completing its job")
			return completeJob(ctx, t, job)
		}
		if err != nil {
			return err
		}
		act := decideClaim(app)
		if act == claimPark {
			// Look again with the run held, so a resume committing now is
			// either seen here or sees this task parked. Holding the task,
			// never wait for the run (runs lock before their tasks): if
			// someone is changing it right now, look again in a moment.
			st, free, err := t.st.RunStatusIfFree(ctx, app.Run.ID)
			if err != nil {
				return err
			}
			if !free {
				wait = runBusyRecheck
				return nil
			}
			app.Run.Status = st
			act = decideClaim(app)
		}
		switch act {
		case claimDone:
			log.Info("task not queued; leaving it alone", zap.String("state", string(app.Task.State)))
			return completeJob(ctx, t, job)
		case claimContinue:
			approved = true
			return nil
		case claimCancel:
			// Its board no longer lists the posting (a task added after
			// the sync closed it): never submitted.
			log.Info("posting closed on its board; task cancelled", zap.Stringer("job_id", app.Job.ID))
			if _, err := s.move(ctx, t, postgres.Move{TaskID: id, From: domain.StateQueued, To: domain.StateCancelled,
				Actor: domain.ActorWorker, Reason: domain.ReasonPostingClosed}); err != nil {
				return err
			}
			return completeJob(ctx, t, job)
		case claimPark:
			// Parked: queued without a job, holding nothing, until resuming
			// the run enqueues it again.
			log.Info("run is paused; task parked until the run resumes", zap.Stringer("run_id", app.Run.ID))
			return completeJob(ctx, t, job)
		case claimHold:
			var hold *domain.DailyLimitReached
			if wait, hold, err = s.holdForDailyLimit(ctx, t, app.Task.ID, app.User.DailySubmissionLimit, now); err != nil {
				return err
			}
			log.Info("daily submission limit reached; task waits", zap.Int("limit", hold.Limit), zap.Time("until", hold.Until))
			return nil
		}
		if app.Task, err = s.move(ctx, t, postgres.Move{TaskID: id, From: domain.StateQueued, To: domain.StateInProgress,
			Actor: domain.ActorWorker, LeaseToken: lease.Token, LeaseOwner: lease.Owner}); err != nil {
			return err
		}
		next.Prepare = &Claimed{app: app, lease: lease, job: job}
		return nil
	})
	switch {
	case err != nil:
		return Next{}, err
	case approved:
		return s.ContinueApproved(ctx, id, job, lease, "job")
	case wait > 0:
		return Next{}, river.JobSnooze(wait) // still queued, keeping its job
	}
	return next, nil
}

// Prepare builds the claimed task's packet and hands it on: to the user's
// approval when the run requires it (in_progress → awaiting_approval, with
// the approval request and its mailed link), otherwise to submission
// (in_progress → submitting, counted against the user's daily limit). A
// packet that cannot be built pauses the task (preparation_failed) for the
// user to fix. Before that, the posting's hosted form is read when it
// must be (readForm), which may pause, requeue or retry the task instead.
func (s *Service) Prepare(ctx context.Context, c *Claimed) (Next, error) {
	task := c.app.Task
	if s.readsForm(c.app.Job, s.o.Now()) {
		if stop, err := s.readForm(ctx, c); stop {
			return Next{}, err
		}
	}
	ds, err := s.documentsFor(ctx, []domain.ID{task.UserID}, []*domain.Run{c.app.Run})
	if err != nil {
		return Next{}, s.retryOrFail(ctx, c.job, task, c.lease.Token, domain.StateInProgress, err)
	}
	m, err := s.packetMaterials(ctx, c.app, ds)
	if err != nil && domain.ErrorCode(err) != domain.EINVALID {
		return Next{}, s.retryOrFail(ctx, c.job, task, c.lease.Token, domain.StateInProgress, err)
	}
	var (
		packet  *domain.Packet
		waiting []domain.WaitingQuestion
	)
	if err == nil {
		packet, waiting, err = domain.BuildPacket(task, c.app.Run, c.app.Job, c.app.User, m, s.o.Now())
	}
	switch {
	case err != nil:
		return Next{}, s.settle(ctx, c.job, task, c.lease.Token, domain.StateInProgress, domain.StatePaused, domain.ReasonPreparationFailed, err)
	case len(waiting) > 0:
		return Next{}, s.waitForAnswers(ctx, c, waiting)
	}
	body, err := json.Marshal(packet)
	if err != nil {
		return Next{}, err
	}
	if c.app.Run.RequiresApproval {
		return s.requestApproval(ctx, c, packet, body)
	}
	return s.markSubmitting(ctx, c, packet, body)
}

// noticeSubject names a posting in a notice: "Acme — Backend Engineer".
func noticeSubject(j *domain.JobPosting) string {
	subject := strings.TrimSpace(j.Company + " — " + j.Title)
	if j.Company == "" || j.Title == "" {
		subject = strings.TrimSpace(j.Company + j.Title)
	}
	if subject == "" {
		subject = j.URL
	}
	if r := []rune(subject); len(r) > 200 {
		subject = string(r[:200]) + "…"
	}
	if subject == "" || domain.LineProblem(subject, domain.MaxNoticeSubject) != "" {
		subject = "an application"
	}
	return subject
}

// waitForAnswers pauses a claimed task whose form has required questions
// nothing answers (in_progress → paused, needs_answer), recording the
// questions it waits for: answering them (AnswerQuestion) queues it again.
func (s *Service) waitForAnswers(ctx context.Context, c *Claimed, waiting []domain.WaitingQuestion) error {
	task := c.app.Task
	msg := waitingSummary(waiting)
	err := s.inTx(ctx, func(t *txn) error {
		moved, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: domain.StateInProgress, To: domain.StatePaused,
			Actor: domain.ActorWorker, Reason: domain.ReasonNeedsAnswer, Fence: c.lease.Token, LastError: &msg})
		if err != nil {
			return err
		}
		if err := t.st.WaitingQuestionsSet(ctx, moved, waiting); err != nil {
			return err
		}
		t.notice(domain.Notice{UserID: task.UserID, Kind: domain.NoticeQuestionsWaiting, TaskID: &task.ID, RunID: &task.RunID,
			Subject: noticeSubject(c.app.Job), Detail: fmt.Sprintf("%d question(s) need your answer", len(waiting))})
		return completeJob(ctx, t, c.job)
	})
	if isTransitionError(err) {
		s.log.Warn("lost the task before pausing it for answers; another actor moved it", zap.Stringer("task_id", task.ID), zap.Error(err))
		return nil
	}
	return err
}

// requestApproval creates the approval request holding the packet and moves
// the task in_progress → awaiting_approval, completing the job: a pending
// approval holds no job, no connection and no worker slot. The link is
// mailed once that committed.
func (s *Service) requestApproval(ctx context.Context, c *Claimed, packet *domain.Packet, body []byte) (Next, error) {
	task := c.app.Task
	// The request's link token is minted by the digest that mails it;
	// this one is never shown.
	_, hash := domain.NewToken(domain.PrefixApproval)
	err := s.inTx(ctx, func(t *txn) error {
		if err := lockDocuments(ctx, t, packet); err != nil {
			return err
		}
		if _, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: domain.StateInProgress, To: domain.StateAwaitingApproval,
			Actor: domain.ActorWorker, Fence: c.lease.Token, Packet: body}); err != nil {
			return err
		}
		ttl := s.o.ApprovalTTL
		if c.app.Run.ApprovalTTL > 0 {
			ttl = c.app.Run.ApprovalTTL
		}
		req, err := t.st.ApprovalInsert(ctx, task, hash, body, ttl)
		if err != nil {
			return err
		}
		t.notice(domain.Notice{UserID: task.UserID, Kind: domain.NoticeApprovalWaiting, TaskID: &task.ID, RunID: &task.RunID,
			ApprovalID: &req.ID, Subject: noticeSubject(c.app.Job), Detail: "open until " + req.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")})
		return completeJob(ctx, t, c.job)
	})
	if isTransitionError(err) {
		s.log.Warn("lost the task before requesting approval; another actor moved it", zap.Stringer("task_id", task.ID), zap.Error(err))
		return Next{}, nil
	}
	if err != nil {
		return Next{}, s.retryOrFail(ctx, c.job, task, c.lease.Token, domain.StateInProgress, err)
	}
	return Next{AwaitingApproval: task.ID}, nil
}

// errOverLimit rolls back a submitting write that would pass the user's
// daily limit.
var errOverLimit = errors.New("daily limit reached")

// markSubmitting moves the task in_progress → submitting with the packet and
// counts it against the user's daily limit, in one transaction committed
// before the applier is called. Over the limit after all, the task goes
// back to queued and its job waits for the next window; a job already
// submitted by another of the user's runs cancels the task
// (already_applied).
func (s *Service) markSubmitting(ctx context.Context, c *Claimed, packet *domain.Packet, body []byte) (Next, error) {
	task := c.app.Task
	var moved *domain.Task
	err := s.inTx(ctx, func(t *txn) error {
		if err := lockDocuments(ctx, t, packet); err != nil {
			return err
		}
		var err error
		if moved, err = s.move(ctx, t, postgres.Move{TaskID: task.ID, From: domain.StateInProgress, To: domain.StateSubmitting,
			Actor: domain.ActorWorker, Fence: c.lease.Token, Packet: body}); err != nil {
			return err
		}
		if err := s.pace(ctx, t, packet); err != nil {
			return err
		}
		return s.consumeSlot(ctx, t, moved.UserID)
	})
	var paced *pacedError
	switch {
	case errors.As(err, &paced):
		msg := paced.Error()
		err := s.inTx(ctx, func(t *txn) error {
			_, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: domain.StateInProgress, To: domain.StateQueued,
				Actor: domain.ActorWorker, Reason: domain.ReasonPlatformPacing, Fence: c.lease.Token, LastError: &msg})
			return err
		})
		if err != nil && !isTransitionError(err) {
			return Next{}, err
		}
		return Next{}, river.JobSnooze(paced.wait)
	case errors.Is(err, errOverLimit):
		hold := domain.DailyLimitAt(c.app.User.DailySubmissionLimit, s.o.Now())
		msg := hold.Error()
		err := s.inTx(ctx, func(t *txn) error {
			_, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: domain.StateInProgress, To: domain.StateQueued,
				Actor: domain.ActorWorker, Reason: domain.ReasonDailyLimit, Fence: c.lease.Token, LastError: &msg})
			return err
		})
		if err != nil && !isTransitionError(err) {
			return Next{}, err
		}
		return Next{}, river.JobSnooze(hold.Until.Sub(s.o.Now()))
	case postgres.IsOneSubmissionViolation(err):
		// Another run's task for the same job got there first.
		return Next{}, s.settle(ctx, c.job, task, c.lease.Token, domain.StateInProgress, domain.StateCancelled, domain.ReasonAlreadyApplied, nil)
	case isTransitionError(err):
		s.log.Warn("lost the task before submitting; another actor moved it", zap.Stringer("task_id", task.ID), zap.Error(err))
		return Next{}, nil
	case err != nil:
		return Next{}, s.retryOrFail(ctx, c.job, task, c.lease.Token, domain.StateInProgress, err)
	}
	return Next{Submit: &Submission{Task: moved, Packet: packet, fence: c.lease.Token, job: c.job}}, nil
}

// pacedError rolls back a submitting write that would go over its
// platform's or its employer's submission rate; wait is until the window
// frees (jittered).
type pacedError struct {
	wait time.Duration
	p    domain.Platform
}

func (e *pacedError) Error() string {
	return fmt.Sprintf("pacing submissions to %s: the next one goes in %s", e.p, e.wait.Round(time.Second))
}

// pace counts a submission against its platform's and its employer's rate
// (Options.Pace; shared by every worker through Postgres counters), or
// returns a *pacedError when one is spent.
func (s *Service) pace(ctx context.Context, t *txn, p *domain.Packet) error {
	if s.o.Pace == nil {
		return nil
	}
	limits := s.o.Pace(p)
	if len(limits) == 0 {
		return nil
	}
	wait, err := t.st.RateLimitHit(ctx, limits)
	if err != nil || wait <= 0 {
		return err
	}
	// Jitter, so the tasks a window held do not all go at its start.
	wait += time.Duration(rand.Int64N(int64(wait/5) + 1)) // #nosec G404 -- jitter, not a secret
	return &pacedError{wait: wait, p: p.Platform}
}

// consumeSlot counts a submission against the user's daily limit (after the
// task's row: the one lock order), or returns errOverLimit.
func (s *Service) consumeSlot(ctx context.Context, t *txn, userID domain.ID) error {
	day, _ := domain.DailyWindow(s.o.Now())
	ok, err := t.st.DailyUsageConsume(ctx, userID, day)
	if err == nil && !ok {
		err = errOverLimit
	}
	return err
}

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

// Heartbeat refreshes the leases a worker process holds (one statement,
// rows in id order) and returns how many it touched.
func (s *Service) Heartbeat(ctx context.Context, tokens []domain.ID) (int, error) {
	return s.store.TaskHeartbeat(ctx, tokens)
}
