package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

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
