// Package queue is applyq's River adapter: job args, the insert path the
// store uses to enqueue tasks, the workers that drive tasks through the state
// machine, and the construction of River clients for each process.
package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// QueueApplications is the River queue that prepares and submits tasks.
const QueueApplications = "applications"

// jobMaxAttempts is River's retry budget for one job. The task's own attempt
// budget (config worker.max_attempts) decides when a task fails; River's is
// only a backstop, and the sweeper re-enqueues a queued task whose job River
// discarded.
const jobMaxAttempts = 25

// ApplyArgs is the River job that works one task. The task row, not the job,
// holds the truth; the job only says "look at this task".
type ApplyArgs struct {
	TaskID domain.ID `json:"task_id"`
}

// Kind implements river.JobArgs.
func (ApplyArgs) Kind() string { return "apply_task" }

// RiverPriority maps a task priority to River's (1 is claimed first): boosted
// tasks (100) get 1, default ones (50) get 2.
func RiverPriority(taskPriority int) int {
	if taskPriority >= domain.PriorityBoosted {
		return 1
	}
	return 2
}

// Inserter enqueues task jobs inside store transactions. It implements
// postgres.JobInserter with an insert-only River client (never started).
type Inserter struct {
	client *river.Client[pgx.Tx]
	// ContinuationDelay delays the River job that continues an approved task
	// (config approval.handoff_delay).
	ContinuationDelay time.Duration
}

// NewInserter returns an Inserter for pool.
func NewInserter(pool *pgxpool.Pool) (*Inserter, error) {
	// River rate-limits its insert notifications per queue to one per
	// FetchCooldown; a short one here lets an idle worker hear about every
	// insert at once instead of at its next poll.
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{MaxAttempts: jobMaxAttempts, FetchCooldown: time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Inserter{client: client}, nil
}

// InsertTaskJobsTx implements postgres.JobInserter. No ScheduledAt is given:
// River would then insert the job as "scheduled" and wait for its scheduler;
// left out, scheduled_at is the transaction's now(), equal to the task's
// queued_at, and the job is available at once.
func (i *Inserter) InsertTaskJobsTx(ctx context.Context, tx pgx.Tx, jobs []postgres.TaskJob) ([]int64, error) {
	params := make([]river.InsertManyParams, len(jobs))
	for n, j := range jobs {
		params[n] = river.InsertManyParams{
			Args: ApplyArgs{TaskID: j.TaskID},
			InsertOpts: &river.InsertOpts{
				Queue:    QueueApplications,
				Priority: RiverPriority(j.Priority),
			},
		}
	}
	res, err := i.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(res))
	for n, r := range res {
		ids[n] = r.Job.ID
	}
	return ids, nil
}

// InsertContinuationJobTx implements postgres.JobInserter: the job that
// continues an approved task, boosted, after ContinuationDelay (the hand-off
// that lets a listening worker go first).
func (i *Inserter) InsertContinuationJobTx(ctx context.Context, tx pgx.Tx, taskID domain.ID) (int64, error) {
	opts := &river.InsertOpts{Queue: QueueApplications, Priority: 1}
	if i.ContinuationDelay > 0 {
		opts.ScheduledAt = time.Now().Add(i.ContinuationDelay)
	}
	res, err := i.client.InsertTx(ctx, tx, ApplyArgs{TaskID: taskID}, opts)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

// CancelJobTx implements postgres.JobInserter.
func (i *Inserter) CancelJobTx(ctx context.Context, tx pgx.Tx, jobID int64) error {
	_, err := i.client.JobCancelTx(ctx, tx, jobID)
	return err
}

// Client returns the insert-only River client (River UI reads through it).
func (i *Inserter) Client() *river.Client[pgx.Tx] { return i.client }
