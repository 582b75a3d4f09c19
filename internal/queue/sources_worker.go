package queue

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/applyq/applyq/internal/tasks"
)

// SyncSourceWorker syncs one job board: the service reads it and applies
// what it read (internal/tasks/sources.go).
type SyncSourceWorker struct {
	river.WorkerDefaults[tasks.SyncSourceArgs]

	Tasks *tasks.Service
	// JobTimeout bounds one sync, all its requests included.
	JobTimeout time.Duration
}

// Timeout implements river.Worker.
func (w *SyncSourceWorker) Timeout(*river.Job[tasks.SyncSourceArgs]) time.Duration {
	return w.JobTimeout
}

// Work implements river.Worker.
func (w *SyncSourceWorker) Work(ctx context.Context, job *river.Job[tasks.SyncSourceArgs]) error {
	return w.Tasks.SyncSource(ctx, job)
}

// ScheduleSyncsWorker enqueues the syncs of the sources that are due: a
// periodic job that River runs on its elected leader only.
type ScheduleSyncsWorker struct {
	river.WorkerDefaults[tasks.ScheduleSyncsArgs]

	Tasks *tasks.Service
}

// scheduleBatch bounds the syncs one scheduling pass enqueues; the rest
// are due at the next pass.
const scheduleBatch = 1000

// Work implements river.Worker.
func (w *ScheduleSyncsWorker) Work(ctx context.Context, _ *river.Job[tasks.ScheduleSyncsArgs]) error {
	_, err := w.Tasks.ScheduleDueSyncs(ctx, scheduleBatch)
	return err
}

// ScheduleSyncsEvery is how often the leader looks for sources due.
const ScheduleSyncsEvery = time.Minute

// scheduleSyncsJob is the periodic job of ScheduleSyncsWorker, run at
// start and every ScheduleSyncsEvery.
func scheduleSyncsJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(ScheduleSyncsEvery),
		func() (river.JobArgs, *river.InsertOpts) { return tasks.ScheduleSyncsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// JobDetailsWorker reads a pasted board link's details from its board
// (internal/tasks/tracker.go).
type JobDetailsWorker struct {
	river.WorkerDefaults[tasks.FetchJobDetailsArgs]

	Tasks *tasks.Service
	// JobTimeout bounds one read, all its requests included.
	JobTimeout time.Duration
}

// Timeout implements river.Worker.
func (w *JobDetailsWorker) Timeout(*river.Job[tasks.FetchJobDetailsArgs]) time.Duration {
	return w.JobTimeout
}

// Work implements river.Worker.
func (w *JobDetailsWorker) Work(ctx context.Context, job *river.Job[tasks.FetchJobDetailsArgs]) error {
	return w.Tasks.FetchJobDetails(ctx, job)
}
