package tasks

import (
	"context"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// A worker drives one task through these steps, each one method, each in
// a file of its own:
//
//	Claim             queued → in_progress              (or: nothing to do, wait, continue approved)   claim.go
//	Prepare           in_progress → submitting           (or → awaiting_approval, or paused)            prepare.go
//	ContinueApproved  approved → submitting              (with the packet the user approved)            continue.go
//	RecordOutcome     submitting → submitted | failed | queued | paused                                 outcome.go
//
// with the applier called between submitting and the outcome: submitting
// is committed before the applier is called (the point of no return), and
// the outcome is recorded even when the worker's own deadline passed
// meanwhile.

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

// Heartbeat refreshes the leases a worker process holds (one statement,
// rows in id order) and returns how many it touched.
func (s *Service) Heartbeat(ctx context.Context, tokens []domain.ID) (int, error) {
	return s.store.TaskHeartbeat(ctx, tokens)
}
