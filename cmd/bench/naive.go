package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/applyq/applyq/internal/tasks"
)

// naiveWorkerFlag, as the first argument, makes the bench binary a worker
// process of the naive pipeline instead of the bench (see startNaive).
const naiveWorkerFlag = "--naive-worker"

// naiveWorker is the yardstick applyq's worker is measured against: the
// pipeline one writes first with River, two commits per task. It works
// applyq's own jobs (tasks.ApplyArgs on tasks.QueueApplications, inserted by
// the same seed), and per job:
//
//	tx 1: claim the task and enter submitting (guarded UPDATE + transition
//	      row), commit: the task is marked before anything would be sent;
//	tx 2: submitting → submitted (UPDATE + transition row) and
//	      river.JobCompleteTx, commit.
//
// No applier call sits between the two (applyq's bench runs the dry-run
// applier, which sends nothing), no pacing, no lease, no NOTIFY: it is what
// "claim, mark, complete" costs with River and nothing else.
type naiveWorker struct {
	river.WorkerDefaults[tasks.ApplyArgs]
	pool *pgxpool.Pool
}

// Work implements river.Worker.
func (w *naiveWorker) Work(ctx context.Context, job *river.Job[tasks.ApplyArgs]) error {
	id := job.Args.TaskID
	claimed := false
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE application_tasks SET state = 'submitting', started_at = now(), submitting_at = now(),
			attempts = attempts + 1, updated_at = now() WHERE id = $1 AND state = 'queued'`, id)
		if err != nil || tag.RowsAffected() == 0 {
			return err // not queued (a job run twice): nothing to claim
		}
		claimed = true
		_, err = tx.Exec(ctx, `INSERT INTO task_transitions (task_id, from_state, to_state, actor) VALUES ($1, 'queued', 'submitting', 'naive')`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	return pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		if claimed {
			if _, err := tx.Exec(ctx, `UPDATE application_tasks SET state = 'submitted', submitted_at = now(), updated_at = now()
				WHERE id = $1 AND state = 'submitting'`, id); err != nil {
				return fmt.Errorf("submitted: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO task_transitions (task_id, from_state, to_state, actor) VALUES ($1, 'submitting', 'submitted', 'naive')`, id); err != nil {
				return fmt.Errorf("submitted: %w", err)
			}
		}
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
}

// naiveMain runs one naive worker process until SIGTERM or SIGINT. It reads
// the database and pool size from the environment the applyq worker gets
// (APPLYQ_DATABASE_URL, APPLYQ_DATABASE_MAX_CONNS) and works with the bench's
// River settings (benchConcurrency, benchFetchCooldown, benchPoll), as the
// applyq worker does in the bench.
func naiveMain() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	cfg, err := pgxpool.ParseConfig(os.Getenv("APPLYQ_DATABASE_URL"))
	if err != nil {
		return fmt.Errorf("APPLYQ_DATABASE_URL: %w", err)
	}
	if n, err := strconv.ParseInt(os.Getenv("APPLYQ_DATABASE_MAX_CONNS"), 10, 32); err == nil && n > 0 {
		cfg.MaxConns = int32(n)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &naiveWorker{pool: pool}); err != nil {
		return err
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            map[string]river.QueueConfig{tasks.QueueApplications: {MaxWorkers: benchConcurrency}},
		Workers:           workers,
		MaxAttempts:       tasks.JobMaxAttempts,
		FetchCooldown:     benchFetchCooldown,
		FetchPollInterval: benchPoll,
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "naive worker started")
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return client.Stop(stopCtx)
}
