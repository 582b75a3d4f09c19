package queue

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/failpoint"
	"github.com/applyq/applyq/internal/tasks"
)

// ApplyWorker works the applications queue: each job drives one task
// through the state machine, one service call per step. River delivers at
// least once; the service guards every step, so a job for a task that moved
// on does nothing.
type ApplyWorker struct {
	river.WorkerDefaults[tasks.ApplyArgs]

	Tasks      *tasks.Service
	Applier    domain.Applier
	Leases     *Leases // the leases this process heartbeats
	Approvals  *Approvals
	JobTimeout time.Duration
	// OnApply observes each applier call (outcome, latency); may be nil.
	OnApply func(applier string, outcome domain.ApplyOutcome, d time.Duration)
}

// Timeout implements river.Worker: an application may take longer than
// River's one-minute default.
func (w *ApplyWorker) Timeout(*river.Job[tasks.ApplyArgs]) time.Duration { return w.JobTimeout }

// Work implements river.Worker.
func (w *ApplyWorker) Work(ctx context.Context, job *river.Job[tasks.ApplyArgs]) error {
	lease := w.Leases.Take()
	defer w.Leases.Release(lease)
	failpoint.Hit(failpoint.BeforeSubmitting)
	next, err := w.Tasks.Claim(ctx, job, lease) // queued → submitting (→ in_progress when the run requires approval)
	failpoint.Hit(failpoint.AfterClaim)
	if err == nil && next.Prepare != nil {
		next, err = w.Tasks.Prepare(ctx, next.Prepare) // in_progress → awaiting_approval
	}
	if err != nil {
		return err
	}
	return w.finish(ctx, next)
}

// Continue submits an approved task this process was waiting for (job-less:
// the notification path); via says how it learned of the decision.
func (w *ApplyWorker) Continue(ctx context.Context, taskID domain.ID, via string) error {
	lease := w.Leases.Take()
	defer w.Leases.Release(lease)
	next, err := w.Tasks.ContinueApproved(ctx, taskID, nil, lease, via) // approved → submitting
	if err != nil {
		return err
	}
	return w.finish(ctx, next)
}

// finish does what the service said comes next: wait for an approval, or
// call the applier on a task committed in submitting and record the outcome.
func (w *ApplyWorker) finish(ctx context.Context, next tasks.Next) error {
	if !next.AwaitingApproval.IsZero() && w.Approvals != nil {
		w.Approvals.Wait(next.AwaitingApproval)
	}
	if next.Submit == nil {
		return nil
	}
	failpoint.Hit(failpoint.BeforeApply)
	started := time.Now()
	a := w.applierFor(next.Submit.Packet)
	res, applyErr := a.Apply(ctx, next.Submit.Packet)
	failpoint.Hit(failpoint.AfterApply)
	outcome := domain.ClassifyApply(applyErr, a.IdempotentRetries())
	if w.OnApply != nil {
		w.OnApply(a.Name(), outcome, time.Since(started))
	}
	// → submitted | failed | queued | paused
	return w.Tasks.RecordOutcome(ctx, next.Submit, outcome, applyErr, domain.EvidenceOf(res, applyErr)...)
}

// applierFor is the applier that submits p: the one a router chooses for
// it (its platform's), else the worker's.
func (w *ApplyWorker) applierFor(p *domain.Packet) domain.Applier {
	if r, ok := w.Applier.(interface {
		For(*domain.Packet) domain.Applier
	}); ok {
		return r.For(p)
	}
	return w.Applier
}
