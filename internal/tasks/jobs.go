package tasks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/applyq/applyq/internal/domain"
)

// QueueApplications is the River queue that prepares and submits tasks.
const QueueApplications = "applications"

// JobMaxAttempts is River's retry budget for one job. The task's own
// attempt budget (Options.MaxAttempts) decides when a task fails; River's is
// only a backstop, and the sweeper re-enqueues a queued task whose job River
// discarded.
const JobMaxAttempts = 25

// ApplyArgs is the River job that works one task. The task row, not the
// job, holds the truth; the job only says "look at this task".
type ApplyArgs struct {
	TaskID domain.ID `json:"task_id"`
}

// Kind implements river.JobArgs.
func (ApplyArgs) Kind() string { return "apply_task" }

// Job is the River job a worker is working, when there is one (nil on the
// notification path of an approval).
type Job = *river.Job[ApplyArgs]

// riverPriority maps a task priority to River's (1 is claimed first):
// boosted tasks get 1, default ones 2. River's claim order (priority,
// scheduled_at, id) is then the task queue's order (priority DESC,
// queued_at ASC): no ScheduledAt is given, so scheduled_at is the inserting
// transaction's now(), the task's queued_at.
func riverPriority(taskPriority int) int {
	if taskPriority >= domain.PriorityBoosted {
		return 1
	}
	return 2
}

// enqueue inserts one River job per task, in the order given, and records
// each job on its task.
func (s *Service) enqueue(ctx context.Context, t *txn, tasks []*domain.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(tasks))
	for i, task := range tasks {
		params[i] = river.InsertManyParams{Args: ApplyArgs{TaskID: task.ID},
			InsertOpts: &river.InsertOpts{Queue: QueueApplications, Priority: riverPriority(task.Priority), MaxAttempts: JobMaxAttempts}}
	}
	res, err := s.river.InsertManyTx(ctx, t.Tx, params)
	if err != nil {
		return fmt.Errorf("enqueueing River jobs: %w", err)
	}
	return s.recordJobs(ctx, t, tasks, res)
}

// enqueueContinuation inserts the River job that continues an approved
// task: boosted, and delayed by the hand-off so a listening worker
// normally continues it first.
func (s *Service) enqueueContinuation(ctx context.Context, t *txn, task *domain.Task) error {
	opts := &river.InsertOpts{Queue: QueueApplications, Priority: 1, MaxAttempts: JobMaxAttempts}
	if s.o.HandoffDelay > 0 {
		opts.ScheduledAt = s.o.Now().Add(s.o.HandoffDelay)
	}
	res, err := s.river.InsertManyTx(ctx, t.Tx, []river.InsertManyParams{{Args: ApplyArgs{TaskID: task.ID}, InsertOpts: opts}})
	if err != nil {
		return fmt.Errorf("enqueueing the continuation job: %w", err)
	}
	return s.recordJobs(ctx, t, []*domain.Task{task}, res)
}

func (s *Service) recordJobs(ctx context.Context, t *txn, tasks []*domain.Task, res []*rivertype.JobInsertResult) error {
	if len(res) != len(tasks) {
		return fmt.Errorf("enqueueing River jobs: %d inserted for %d tasks", len(res), len(tasks))
	}
	ids := make([]domain.ID, len(tasks))
	jobIDs := make([]int64, len(tasks))
	for i, task := range tasks {
		ids[i], jobIDs[i] = task.ID, res[i].Job.ID
		task.RiverJobID = res[i].Job.ID
	}
	return t.st.TaskSetRiverJobs(ctx, ids, jobIDs)
}

// completeJob completes job inside t (with the write that settles its
// task); a nil job (the notification path) has nothing to complete.
func completeJob(ctx context.Context, t *txn, job Job) error {
	if job == nil {
		return nil
	}
	return completeJobs(ctx, t, []Job{job})
}

// completeJobs completes running jobs inside t, in one statement: what
// river.JobCompleteTx does for one job, through River's driver (the same
// JobSetStateIfRunningMany), for many, rows in id order. When the worker
// then returns, River finds each job already completed and leaves it.
func completeJobs(ctx context.Context, t *txn, jobs []Job) error {
	ids := make([]int64, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	return completeJobIDs(ctx, t, ids)
}

// completeJobIDs is completeJobs for River jobs of any kind, by id.
func completeJobIDs(ctx context.Context, t *txn, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	now := time.Now().UTC()
	p := &riverdriver.JobSetStateIfRunningManyParams{ID: ids, Attempt: make([]*int, len(ids)), ErrData: make([][]byte, len(ids)),
		FinalizedAt: make([]*time.Time, len(ids)), MetadataDoMerge: make([]bool, len(ids)), MetadataUpdates: make([][]byte, len(ids)),
		ScheduledAt: make([]*time.Time, len(ids)), State: make([]rivertype.JobState, len(ids))}
	for i := range ids {
		p.FinalizedAt[i], p.State[i] = &now, rivertype.JobStateCompleted
	}
	_, err := riverDriver.UnwrapExecutor(t.Tx).JobSetStateIfRunningMany(ctx, p)
	return err
}

// riverDriver unwraps the service's transactions for River's driver calls.
var riverDriver = riverpgxv5.New(nil)

// RetryPolicy is River's retry policy for applyq's jobs: a job whose
// attempt failed (its task went back to queued) runs again after
// 2^attempt seconds (with up to 20% jitter), never more than a minute.
// River's default (attempt^4 s) waits over four minutes by the fourth
// attempt, long after a passing fault has cleared.
type RetryPolicy struct{}

// NextRetry implements river.ClientRetryPolicy.
func (RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := time.Minute
	if job.Attempt < 6 {
		d = time.Duration(1<<job.Attempt) * time.Second
	}
	d += time.Duration(rand.Int64N(int64(d) / 5)) // #nosec G404 -- jitter, not a secret
	return time.Now().Add(d)
}
