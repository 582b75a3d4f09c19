package tasks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// Form discovery, the service's side: where the browser applies to a
// posting, the hosted form it will fill is read (Options.Forms) when a
// task is prepared, so the packet — what the user answers, approves and
// sends — is the exact form. The read is stored on the job and serves its
// next tasks, in any run — and every other user's job of the same posting
// (the form is one public page for every applicant) — until it is
// Options.FormMaxAge old.

// FormReadOutcomes are the outcomes Hooks.FormRead reports.
var FormReadOutcomes = []string{FormReadOK, FormReadNeedsUser, FormReadThrottled, FormReadFailed}

// Form read outcomes.
const (
	FormReadOK        = "read"       // the form was read
	FormReadNeedsUser = "needs_user" // a person must act before it can be read: the task is paused
	FormReadThrottled = "throttled"  // the platform refused as too many: the task waits
	FormReadFailed    = "failed"     // anything else: the task is retried
)

// formThrottledWait is how long a task whose form read was refused as too
// many waits when no pacing window of its platform says otherwise.
const formThrottledWait = time.Minute

// formAnchor is where Postgres aligns the rate windows (RateLimitHit).
var formAnchor = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// readsForm reports whether preparing a task of job reads its hosted form
// first: a reader is configured, the browser is the posting's applier,
// the posting is named on its board, and the job's form was never read or
// was read FormMaxAge ago or more.
func (s *Service) readsForm(job *domain.JobPosting, now time.Time) bool {
	if s.o.Forms == nil || s.o.ApplierFor == nil {
		return false
	}
	platform, board, id := domain.PostingOnBoard(job)
	if platform == "" || board == "" || id == "" || s.o.ApplierFor(platform) != "browser" {
		return false
	}
	return !s.formFresh(job.Form, now)
}

// formFresh reports whether a form read is younger than FormMaxAge.
func (s *Service) formFresh(f *domain.DiscoveredForm, now time.Time) bool {
	return f != nil && !f.ReadAt.IsZero() && now.Sub(f.ReadAt) < s.o.FormMaxAge
}

// readForm reads the claimed task's hosted form, outside any transaction
// (it takes seconds; the task stays in_progress under the worker's lease),
// and stores it on the job, where the packet then finds it. When stop is
// true the task went elsewhere and err is for River:
//
//   - the form needs a person (*domain.NeedsUserError: a posed challenge, a
//     login wall, another site, a form it does not recognise): in_progress
//     → paused (needs_user), with the reader's evidence and a needs_you
//     notice;
//   - the platform refused as too many (domain.ErrThrottled): the rest of
//     the platform's pacing window is spent for every worker, and the task
//     goes back to queued (platform_pacing) with its job snoozed until the
//     window ends;
//   - anything else: retried (retryOrFail).
//
// Nothing is sent either way. A read that fails while another worker
// stored a fresh read of the same job meanwhile uses that one instead.
func (s *Service) readForm(ctx context.Context, c *Claimed) (stop bool, err error) {
	task, job := c.app.Task, c.app.Job
	platform, board, postingID := domain.PostingOnBoard(job)
	log := s.log.With(zap.Stringer("task_id", task.ID), zap.Stringer("job_id", job.ID), zap.String("platform", string(platform)),
		zap.String("board", board), zap.String("posting_id", postingID))
	// A posting's form is one public page for every applicant: a fresh
	// read of it for any user's job serves this one.
	if shared, err := s.store.JobPostingFormByKey(ctx, job.CanonicalKey); err != nil {
		log.Warn("looking for a read of this posting's form failed; reading it", zap.Error(err))
	} else if s.formFresh(shared, s.o.Now()) {
		if err := s.store.JobPostingSetForm(ctx, task.UserID, job.ID, shared); err != nil {
			log.Warn("storing the posting's form read failed", zap.Error(err))
		}
		log.Info("the posting's hosted form was read for another applicant: using that read", zap.String("form_hash", shared.Hash), zap.Time("read_at", shared.ReadAt))
		job.Form = shared
		return false, nil
	}
	started := time.Now()
	form, readErr := s.o.Forms.ReadForm(ctx, domain.FormTarget{TaskID: task.ID, Platform: platform, Board: board, PostingID: postingID})
	took := time.Since(started)
	if readErr == nil && form == nil {
		readErr = errors.New("the form reader returned no form")
	}
	var needsUser *domain.NeedsUserError
	outcome := FormReadOK
	switch {
	case errors.As(readErr, &needsUser):
		outcome = FormReadNeedsUser
	case errors.Is(readErr, domain.ErrThrottled):
		outcome = FormReadThrottled
	case readErr != nil:
		outcome = FormReadFailed
	}
	if h := s.o.Hooks.FormRead; h != nil {
		h(platform, outcome, took)
	}
	// What the read came to is written even when the worker's context
	// ended meanwhile: a read is seconds of a browser.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()

	if readErr == nil {
		if form.ReadAt.IsZero() {
			form.ReadAt = s.o.Now()
		}
		if form.Hash == "" {
			form.Hash = domain.FormHash(form.Questions)
		}
		log.Info("hosted form read", zap.Duration("took", took), zap.Int("fields", len(form.Questions)), zap.String("form_hash", form.Hash))
		if err := s.store.JobPostingSetForm(wctx, task.UserID, job.ID, form); err != nil {
			// This packet is built from it all the same; the job's next
			// task reads the form again.
			log.Warn("storing the form read failed", zap.Error(err))
		}
		job.Form = form
		return false, nil
	}

	if stored, err := s.store.GetJob(wctx, task.UserID, job.ID); err == nil && s.formFresh(stored.Form, s.o.Now()) {
		log.Info("reading the hosted form failed, but another worker read it meanwhile: using that read",
			zap.Duration("took", took), zap.String("outcome", outcome), zap.Error(readErr))
		job.Form = stored.Form
		return false, nil
	}

	switch outcome {
	case FormReadNeedsUser:
		log.Info("the hosted form needs its user before it can be read; task paused", zap.Duration("took", took), zap.Error(readErr))
		s.keepEvidence(wctx, task, s.o.ApplierFor(platform), domain.EvidenceOf(domain.ApplyResult{}, readErr))
		return true, s.settle(wctx, c.job, task, c.lease.Token, domain.StateInProgress, domain.StatePaused, domain.ReasonNeedsUser, readErr)
	case FormReadThrottled:
		log.Warn("the platform refused to show the hosted form as too many; task waits", zap.Duration("took", took), zap.Error(readErr))
		return true, s.readThrottled(wctx, c, &domain.Packet{Platform: platform, Board: board}, readErr)
	}
	log.Warn("reading the hosted form failed", zap.Duration("took", took), zap.Error(readErr))
	return true, s.retryOrFail(wctx, c.job, task, c.lease.Token, domain.StateInProgress, fmt.Errorf("reading the hosted form: %w", readErr))
}

// readThrottled backs off a platform that refused a form read as too
// many: every worker's next submission to it waits for its pacing window
// to end (throttle), and the task goes back to queued (platform_pacing)
// with its job snoozed until then, without using an attempt of River's.
func (s *Service) readThrottled(ctx context.Context, c *Claimed, p *domain.Packet, cause error) error {
	s.throttle(ctx, p)
	wait := formThrottledWait
	if s.o.Pace != nil {
		for _, l := range s.o.Pace(p) {
			if l.Key == domain.PlatformRateKey(p.Platform) && l.Window > 0 {
				wait = l.Window - s.o.Now().Sub(formAnchor)%l.Window
			}
		}
	}
	// Jitter, so the tasks a window held do not all go at its end.
	wait += time.Duration(rand.Int64N(int64(wait/5) + 1)) // #nosec G404 -- jitter, not a secret
	msg := fmt.Sprintf("reading the %s form: %s; trying again in %s", p.Platform, cause, wait.Round(time.Second))
	err := s.inTx(ctx, func(t *txn) error {
		_, err := s.move(ctx, t, postgres.Move{TaskID: c.app.Task.ID, From: domain.StateInProgress, To: domain.StateQueued,
			Actor: domain.ActorWorker, Reason: domain.ReasonPlatformPacing, Fence: c.lease.Token, LastError: &msg})
		return err
	})
	if err != nil && !isTransitionError(err) {
		return err
	}
	return river.JobSnooze(wait)
}
