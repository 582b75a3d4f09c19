package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Worker settings used for every River measurement (bare and applyq alike).
const (
	benchConcurrency   = 200
	benchFetchCooldown = 5 * time.Millisecond
	benchPoll          = 100 * time.Millisecond
	// benchMaxConns is the pool of one worker process (fewer when the
	// server cannot hold that many for every process: see workerConns).
	benchMaxConns = 40
)

// commitRate measures single-row update transactions from 8 clients for 5 s
// (the equivalent of `pgbench -N -c 8`).
func (b *bench) commitRate(ctx context.Context) error {
	if _, err := b.pool.Exec(ctx, `CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
		INSERT INTO bench_counter (id) SELECT g FROM generate_series(1, 8) g`); err != nil {
		return err
	}
	var commits atomic.Int64
	deadline := time.Now().Add(5 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for c := 1; c <= 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if _, err := b.pool.Exec(ctx, `UPDATE bench_counter SET n = n + 1 WHERE id = $1`, c); err != nil {
					errs <- err
					return
				}
				commits.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	b.add(row{Name: "baseline: Postgres commit rate (8 clients, 1-row updates)", Value: float64(commits.Load()) / 5, Unit: "commits/s"})
	return nil
}

type noopArgs struct{}

func (noopArgs) Kind() string { return "bench_noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	done *atomic.Int64
}

func (w *noopWorker) Work(context.Context, *river.Job[noopArgs]) error {
	w.done.Add(1)
	return nil
}

// bareRiver works no-op jobs with the settings the applyq worker uses here.
func (b *bench) bareRiver(ctx context.Context) error {
	const n = 20000
	var done atomic.Int64
	workers := river.NewWorkers()
	river.AddWorker(workers, &noopWorker{done: &done})
	client, err := river.NewClient(riverpgxv5.New(b.pool), &river.Config{
		Queues: map[string]river.QueueConfig{"bench": {MaxWorkers: benchConcurrency}}, Workers: workers,
		FetchCooldown: benchFetchCooldown, FetchPollInterval: benchPoll,
	})
	if err != nil {
		return err
	}
	for i := 0; i < n; i += 5000 {
		params := make([]river.InsertManyParams, 5000)
		for j := range params {
			params[j] = river.InsertManyParams{Args: noopArgs{}, InsertOpts: &river.InsertOpts{Queue: "bench"}}
		}
		if _, err := client.InsertManyFast(ctx, params); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := client.Start(ctx); err != nil {
		return err
	}
	deadline := start.Add(2 * time.Minute)
	for done.Load() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = client.Stop(stopCtx)
	if done.Load() < n {
		return fmt.Errorf("bare River worked %d of %d jobs in 2 minutes", done.Load(), n)
	}
	b.add(row{Name: "baseline: bare River, no-op jobs (200 workers, 5ms cooldown)", Value: n / elapsed.Seconds(), Unit: "jobs/s"})
	_, err = b.pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'bench_noop'`)
	return err
}
