package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/tasks"
)

// ClientOptions configure a working River client.
type ClientOptions struct {
	// Concurrency is the number of tasks this process works at once.
	Concurrency int
	// FetchCooldown is the minimum time between two claims of a producer.
	FetchCooldown time.Duration
	// FetchPollInterval is how often the producer polls when no insert
	// notification arrived (a safety net: inserts notify).
	FetchPollInterval time.Duration
	// ID names this client in River's tables and logs (empty: River's default).
	ID string
	// Log receives River's own logs at warn level and above.
	Log *zap.Logger
	// OnJob, when set, observes each worked job: kind and outcome
	// (completed, snoozed, cancelled, errored).
	OnJob func(kind, outcome string)
}

// Workers are the workers one process runs: Apply works the applications
// queue, MagicLink and Digest the mail queue, Sources the job-board syncs
// (and, on the elected leader, their periodic scheduling); any may be nil.
type Workers struct {
	Apply     *ApplyWorker
	MagicLink *MagicLinkWorker
	Digest    *DigestWorker
	Sources   *SourceWorkers
}

// SourceWorkers sync job boards, Concurrency at once per process.
type SourceWorkers struct {
	Sync     *SyncSourceWorker
	Schedule *ScheduleSyncsWorker
	// Details reads pasted board links' details (nil: none are read here).
	Details     *JobDetailsWorker
	Concurrency int
}

// mailConcurrency bounds parallel sends per process.
const mailConcurrency = 4

// NewWorkerClient returns a River client that works the queues of ws. The
// caller starts and stops it.
func NewWorkerClient(pool *pgxpool.Pool, ws Workers, opts ClientOptions) (*river.Client[pgx.Tx], error) {
	if opts.Concurrency < 1 {
		return nil, fmt.Errorf("queue: concurrency must be at least 1, got %d", opts.Concurrency)
	}
	workers := river.NewWorkers()
	queues := map[string]river.QueueConfig{}
	if ws.Apply != nil {
		if err := river.AddWorkerSafely(workers, ws.Apply); err != nil {
			return nil, err
		}
		queues[tasks.QueueApplications] = river.QueueConfig{MaxWorkers: opts.Concurrency}
	}
	if ws.MagicLink != nil {
		if err := river.AddWorkerSafely(workers, ws.MagicLink); err != nil {
			return nil, err
		}
		queues[accounts.QueueMail] = river.QueueConfig{MaxWorkers: mailConcurrency}
	}
	if ws.Digest != nil {
		if err := river.AddWorkerSafely(workers, ws.Digest); err != nil {
			return nil, err
		}
		queues[accounts.QueueMail] = river.QueueConfig{MaxWorkers: mailConcurrency}
	}
	var periodic []*river.PeriodicJob
	if ws.Sources != nil {
		if err := river.AddWorkerSafely(workers, ws.Sources.Sync); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, ws.Sources.Schedule); err != nil {
			return nil, err
		}
		if ws.Sources.Details != nil {
			if err := river.AddWorkerSafely(workers, ws.Sources.Details); err != nil {
				return nil, err
			}
		}
		queues[tasks.QueueSources] = river.QueueConfig{MaxWorkers: max(ws.Sources.Concurrency, 1)}
		periodic = append(periodic, scheduleSyncsJob())
	}
	cfg := &river.Config{
		PeriodicJobs:      periodic,
		RetryPolicy:       tasks.RetryPolicy{},
		ID:                opts.ID,
		Queues:            queues,
		Workers:           workers,
		MaxAttempts:       tasks.JobMaxAttempts,
		FetchCooldown:     opts.FetchCooldown,
		FetchPollInterval: opts.FetchPollInterval,
		Logger:            slogger(opts.Log),
	}
	if opts.OnJob != nil {
		cfg.Middleware = append(cfg.Middleware, river.WorkerMiddlewareFunc(func(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
			err := doInner(ctx)
			opts.OnJob(job.Kind, jobOutcome(err))
			return err
		}))
	}
	if len(queues) == 0 {
		return nil, fmt.Errorf("queue: no workers given")
	}
	if ws.Apply != nil && ws.Apply.JobTimeout > 0 {
		cfg.JobTimeout = ws.Apply.JobTimeout
		// River's rescuer must not take back a job that may still be running.
		cfg.RescueStuckJobsAfter = ws.Apply.JobTimeout + time.Hour
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}

func slogger(log *zap.Logger) *slog.Logger {
	if log == nil {
		log = zap.NewNop()
	}
	return slog.New(zapslog.NewHandler(log.Core(), zapslog.WithName("river")))
}

func jobOutcome(err error) string {
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	switch {
	case err == nil:
		return "completed"
	case errors.As(err, &snooze):
		return "snoozed"
	case errors.As(err, &cancel):
		return "cancelled"
	}
	return "errored"
}
