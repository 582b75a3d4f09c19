package queue

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
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
}

// NewWorkerClient returns a River client that works the applications queue
// with worker. The caller starts and stops it.
func NewWorkerClient(pool *pgxpool.Pool, worker *ApplyWorker, opts ClientOptions) (*river.Client[pgx.Tx], error) {
	if opts.Concurrency < 1 {
		return nil, fmt.Errorf("queue: concurrency must be at least 1, got %d", opts.Concurrency)
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, worker); err != nil {
		return nil, err
	}
	cfg := &river.Config{
		ID:                opts.ID,
		Queues:            map[string]river.QueueConfig{QueueApplications: {MaxWorkers: opts.Concurrency}},
		Workers:           workers,
		MaxAttempts:       jobMaxAttempts,
		FetchCooldown:     opts.FetchCooldown,
		FetchPollInterval: opts.FetchPollInterval,
		Logger:            slogger(opts.Log),
	}
	if worker.JobTimeout > 0 {
		cfg.JobTimeout = worker.JobTimeout
		// River's rescuer must not take back a job that may still be running.
		cfg.RescueStuckJobsAfter = worker.JobTimeout + time.Hour
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}

func slogger(log *zap.Logger) *slog.Logger {
	if log == nil {
		log = zap.NewNop()
	}
	return slog.New(zapslog.NewHandler(log.Core(), zapslog.WithName("river")))
}
