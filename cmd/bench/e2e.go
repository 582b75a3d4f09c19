package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/tasks"
)

// seed creates users, each with one run and perUser postings, and adds the
// postings to the runs through the queue path (tasks + River jobs). It
// returns the run ids.
func (b *bench) seed(ctx context.Context, users, perUser int, approval bool) ([]domain.ID, error) {
	var runs []domain.ID
	for u := 0; u < users; u++ {
		userID, runID := domain.NewID(), domain.NewID()
		err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, profile, daily_submission_limit)
				VALUES ($1, $2, '{"name":"Bench User"}', 10000)`, userID, fmt.Sprintf("bench-%s@example.test", userID)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO application_runs (id, user_id, name, requires_approval, cover_letter_template)
				VALUES ($1, $2, 'bench', $3, 'Dear {{.company}}, I am {{.name}}.')`, runID, userID, approval); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO job_postings (id, user_id, url, canonical_key, company, title)
				SELECT gen_random_uuid(), $1, 'https://jobs.example.test/' || g, 'bench:' || $3 || ':' || g, 'Company ' || g, 'Engineer'
				FROM generate_series(1, $2) g`, userID, perUser, userID.String())
			return err
		})
		if err != nil {
			return nil, err
		}
		rows, _ := b.pool.Query(ctx, `SELECT id FROM job_postings WHERE user_id = $1 ORDER BY canonical_key`, userID)
		jobs, err := pgx.CollectRows(rows, pgx.RowTo[domain.ID])
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(jobs); i += 1000 {
			if _, err := b.svc.AddJobs(ctx, userID, runID, jobs[i:min(i+1000, len(jobs))], "bench"); err != nil {
				return nil, err
			}
		}
		runs = append(runs, runID)
	}
	return runs, nil
}

func (b *bench) count(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := b.pool.QueryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// dbStats are the counters of pg_stat_database that a run reads.
type dbStats struct {
	commits, rollbacks, deadlocks int64 // this database
	otherCommits                  int64 // every other database of the server
}

// stats reads pg_stat_database. Backends publish their counters at most
// once a second and when they exit, so callers read after the processes
// they measure have exited and a second has passed.
func (b *bench) stats(ctx context.Context) (dbStats, error) {
	var s dbStats
	err := b.pool.QueryRow(ctx, `SELECT
		coalesce(sum(xact_commit) FILTER (WHERE datname = current_database()), 0)::bigint,
		coalesce(sum(xact_rollback) FILTER (WHERE datname = current_database()), 0)::bigint,
		coalesce(sum(deadlocks) FILTER (WHERE datname = current_database()), 0)::bigint,
		coalesce(sum(xact_commit) FILTER (WHERE datname IS DISTINCT FROM current_database()), 0)::bigint
		FROM pg_stat_database`).Scan(&s.commits, &s.rollbacks, &s.deadlocks, &s.otherCommits)
	return s, err
}

// pipeline is a system whose end-to-end throughput the bench measures: its
// name starts its rows, start runs one of its worker processes.
type pipeline struct {
	name  string
	start func(b *bench, env []string) (*proc, error)
}

var (
	applyqPipeline = pipeline{name: "end to end", start: func(b *bench, env []string) (*proc, error) { return b.start("worker", env...) }}
	naivePipeline  = pipeline{name: "naive River pipeline", start: func(b *bench, env []string) (*proc, error) { return b.startNaive(env...) }}
)

// e2eResult is what one end-to-end run measured.
type e2eResult struct {
	tasks     int
	secs      float64   // max(submitted_at) - min(started_at)
	workerCPU []float64 // CPU seconds of each worker process
	pgCPU     float64   // CPU seconds of the Postgres server; -1 when not measured
	stats     dbStats   // deltas over the run
	// Work done per run: transition rows written, River attempts and
	// snoozes of the tasks' jobs (a job worked once: 1 attempt, 0 snoozes).
	transitions, attempts, snoozes int64
}

func (r e2eResult) rate() float64 { return float64(r.tasks) / r.secs }

// workerConns is the pool size of each of n worker processes: benchMaxConns,
// or less when n of them would not fit in the server's max_connections
// with 30 to spare (the bench's own pool, superuser slots, other clients).
func (b *bench) workerConns(ctx context.Context, n int) (int, error) {
	var maxConns int
	if err := b.pool.QueryRow(ctx, `SELECT current_setting('max_connections')::int`).Scan(&maxConns); err != nil {
		return 0, err
	}
	return max(4, min(benchMaxConns, (maxConns-30)/n)), nil
}

// resetTasks empties the tables an end-to-end run fills, so that every run
// starts from the same empty tables and the order of the runs favours none.
func (b *bench) resetTasks(ctx context.Context) error {
	_, err := b.pool.Exec(ctx, `TRUNCATE river_job, task_transitions, approval_requests, daily_usage,
		application_tasks, job_postings, application_runs, users CASCADE`)
	return err
}

// measure runs `workers` worker processes of pl over freshly seeded tasks
// (the dry-run applier, no approval) until every task is submitted.
func (b *bench) measure(ctx context.Context, pl pipeline, workers, conns int) (e2eResult, error) {
	const users = 50
	res := e2eResult{tasks: users * (b.tasks / users), pgCPU: -1}
	if err := b.resetTasks(ctx); err != nil {
		return res, err
	}
	runs, err := b.seed(ctx, users, b.tasks/users, false)
	if err != nil {
		return res, err
	}
	if _, err := b.pool.Exec(ctx, `ANALYZE`); err != nil { // the same plans for every run, not autovacuum's timing
		return res, err
	}
	time.Sleep(1100 * time.Millisecond) // let statistics settle
	before, err := b.stats(ctx)
	if err != nil {
		return res, err
	}
	pg := b.postgres(ctx)
	var pgBefore float64
	if pg != nil {
		if pgBefore, err = pg.seconds(); err != nil {
			return res, err
		}
	}
	var procs []*proc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for range workers {
		w, err := pl.start(b, workerEnvConns(conns))
		if err != nil {
			return res, err
		}
		procs = append(procs, w)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := b.count(ctx, `SELECT count(*) FROM application_tasks WHERE run_id = ANY($1) AND state = 'submitted'`, runs)
		if err != nil {
			return res, err
		}
		if n == res.tasks {
			break
		}
		for _, p := range procs {
			if err := p.exited(); err != nil {
				return res, err
			}
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("only %d of %d tasks submitted in 5 minutes", n, res.tasks)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// CPU first, while the processes live (their /proc entries go with them).
	for _, p := range procs {
		cpu, err := processCPU(p.pid())
		if err != nil {
			return res, err
		}
		res.workerCPU = append(res.workerCPU, cpu)
	}
	if pg != nil {
		after, err := pg.seconds()
		if err != nil {
			return res, err
		}
		res.pgCPU = after - pgBefore
	}
	for _, p := range procs {
		p.stop()
	}
	procs = nil
	if err := b.pool.QueryRow(ctx, `SELECT extract(epoch FROM max(submitted_at) - min(started_at))
		FROM application_tasks WHERE run_id = ANY($1)`, runs).Scan(&res.secs); err != nil {
		return res, err
	}
	time.Sleep(1100 * time.Millisecond) // the workers' backends have exited and published their counters
	after, err := b.stats(ctx)
	if err != nil {
		return res, err
	}
	res.stats = dbStats{commits: after.commits - before.commits, rollbacks: after.rollbacks - before.rollbacks,
		deadlocks: after.deadlocks - before.deadlocks, otherCommits: after.otherCommits - before.otherCommits}
	err = b.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM task_transitions),
		(SELECT coalesce(sum(attempt), 0) FROM river_job WHERE kind = $1),
		(SELECT coalesce(sum((metadata->>'snoozes')::bigint), 0) FROM river_job WHERE kind = $1)`,
		tasks.ApplyArgs{}.Kind()).Scan(&res.transitions, &res.attempts, &res.snoozes)
	return res, err
}

// postgres returns the server's CPU meter, or nil (once said why) when the
// server is not a process on this machine.
func (b *bench) postgres(ctx context.Context) *postgresCPU {
	if b.pg == nil && b.pgErr == nil {
		if b.pg, b.pgErr = b.findPostgres(ctx); b.pgErr != nil {
			fmt.Fprintf(os.Stderr, "bench: Postgres CPU not measured: %v\n", b.pgErr)
		}
	}
	return b.pg
}

// endToEnd measures tasks/s from queued to submitted with the dry-run
// applier, no approval, and `workers` worker processes: applyq's worker,
// then the naive River pipeline over the same seed, beside each other with
// their CPU and the ratio.
func (b *bench) endToEnd(ctx context.Context, workers int) error {
	conns, err := b.workerConns(ctx, workers)
	if err != nil {
		return err
	}
	applyq, err := b.measure(ctx, applyqPipeline, workers, conns)
	if err != nil {
		return fmt.Errorf("applyq: %w", err)
	}
	b.addRun(applyqPipeline, workers, conns, applyq)
	for _, r := range b.rows {
		if r.Unit == "commits/s" {
			b.add(row{Name: fmt.Sprintf("end to end / commit rate, %d worker(s)", workers), Value: applyq.rate() / r.Value, Unit: "ratio", Target: ">= 0.3"})
		}
		if r.Unit == "jobs/s" {
			b.add(row{Name: fmt.Sprintf("end to end / bare River, %d worker(s)", workers), Value: applyq.rate() / r.Value, Unit: "ratio"})
		}
	}
	naive, err := b.measure(ctx, naivePipeline, workers, conns)
	if err != nil {
		return fmt.Errorf("naive River pipeline: %w", err)
	}
	b.addRun(naivePipeline, workers, conns, naive)
	ratio := row{Name: fmt.Sprintf("end to end / naive River pipeline, %d worker(s)", workers), Value: applyq.rate() / naive.rate(), Unit: "ratio"}
	if workers == 1 {
		ratio.Target = ">= 1.2"
	}
	b.add(ratio)
	return nil
}

// addRun adds the rows of one end-to-end run: throughput, commits per task,
// the CPU of the worker processes and of Postgres, and tasks/s per core used.
func (b *bench) addRun(p pipeline, workers, conns int, r e2eResult) {
	note := fmt.Sprintf("%d conns/process, %d deadlocks", conns, r.stats.deadlocks)
	tput := row{Name: fmt.Sprintf("%s: %d tasks, %d worker process(es)", p.name, r.tasks, workers), Value: r.rate(), Unit: "tasks/s", Note: note}
	if p.name == applyqPipeline.name {
		tput.Target = ">= 2000"
	}
	b.add(tput)
	per := func(n int64) float64 { return float64(n) / float64(r.tasks) }
	b.add(row{Name: fmt.Sprintf("%s: commits per task, %d worker(s)", p.name, workers), Value: per(r.stats.commits), Unit: "commits",
		Note: fmt.Sprintf("per task: %.2f rollbacks, %.2f River attempts, %.2f snoozes, %.2f transition rows (creation included)",
			per(r.stats.rollbacks), per(r.attempts), per(r.snoozes), per(r.transitions))})
	var workerCPU float64
	each := make([]string, len(r.workerCPU))
	for i, c := range r.workerCPU {
		workerCPU += c
		each[i] = fmt.Sprintf("%.2f", c/r.secs)
	}
	b.add(row{Name: fmt.Sprintf("%s: worker CPU, %d worker(s)", p.name, workers), Value: workerCPU / r.secs, Unit: "cores",
		Note: fmt.Sprintf("per process: %s (%.1f CPU-s over %.1f s)", strings.Join(each, ", "), workerCPU, r.secs)})
	if r.pgCPU < 0 {
		return // Postgres is not on this machine: no server CPU, no cores used
	}
	pgNote := fmt.Sprintf("%.1f CPU-s", r.pgCPU)
	if r.stats.otherCommits*100 > r.stats.commits {
		pgNote += fmt.Sprintf("; NOT ALONE: other databases committed %d transactions meanwhile (included)", r.stats.otherCommits)
	}
	b.add(row{Name: fmt.Sprintf("%s: Postgres CPU, %d worker(s)", p.name, workers), Value: r.pgCPU / r.secs, Unit: "cores", Note: pgNote})
	cores := (workerCPU + r.pgCPU) / r.secs
	b.add(row{Name: fmt.Sprintf("%s: tasks/s per core used, %d worker(s)", p.name, workers), Value: r.rate() / cores, Unit: "tasks/s/core",
		Note: fmt.Sprintf("%.2f cores busy", cores)})
}

// addToClaim measures, on an idle system, the time from the commit that adds
// a task to its claim (started_at - queued_at, both the database's clock).
func (b *bench) addToClaim(ctx context.Context) error {
	p, err := b.start("worker", workerEnv()...)
	if err != nil {
		return err
	}
	defer p.stop()
	runs, err := b.seed(ctx, 1, 0, false)
	if err != nil {
		return err
	}
	var userID domain.ID
	if err := b.pool.QueryRow(ctx, `SELECT user_id FROM application_runs WHERE id = $1`, runs[0]).Scan(&userID); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // the worker is up and idle
	var lat []time.Duration
	for i := 0; i < 200; i++ {
		jobID := domain.NewID()
		if _, err := b.pool.Exec(ctx, `INSERT INTO job_postings (id, user_id, canonical_key) VALUES ($1, $2, $3)`, jobID, userID, "claim:"+jobID.String()); err != nil {
			return err
		}
		res, err := b.svc.AddJobs(ctx, userID, runs[0], []domain.ID{jobID}, "bench")
		if err != nil {
			return err
		}
		taskID := res.Queued[0].TaskID
		var d time.Duration
		for deadline := time.Now().Add(10 * time.Second); ; {
			var us *float64
			if err := b.pool.QueryRow(ctx, `SELECT extract(epoch FROM started_at - queued_at) * 1e6 FROM application_tasks WHERE id = $1`, taskID).Scan(&us); err != nil {
				return err
			}
			if us != nil {
				d = time.Duration(*us) * time.Microsecond
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("task %s not claimed in 10s", taskID)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, d)
		time.Sleep(20 * time.Millisecond)
	}
	b.add(row{Name: "add → claim latency, idle (p50)", Value: ms(percentile(lat, .5)), Unit: "ms", Target: "<= 10"})
	b.add(row{Name: "add → claim latency, idle (p99)", Value: ms(percentile(lat, .99)), Unit: "ms"})
	return nil
}

var benchMetric = regexp.MustCompile(`([0-9.]+) (p50|p99)-ms`)

// approveToSubmission runs the LISTEN/NOTIFY benchmark (500 approvals).
func (b *bench) approveToSubmission(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "ApproveToSubmission", "-benchtime=500x", "./internal/e2e/")
	cmd.Env = append(os.Environ(), "APPLYQ_TEST_DATABASE_URL="+b.server)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	for _, m := range benchMetric.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		r := row{Name: "approve → submission, 500 approvals (" + m[2] + ")", Value: v, Unit: "ms"}
		if m[2] == "p99" {
			r.Target = "<= 10"
		}
		b.add(r)
	}
	return nil
}

// workerMemory reads the peak RSS of a worker holding 1,000 pending approvals.
func (b *bench) workerMemory(ctx context.Context) error {
	p, err := b.start("worker", workerEnv("APPLYQ_APPROVAL_HANDOFF_DELAY=10m")...)
	if err != nil {
		return err
	}
	defer p.stop()
	runs, err := b.seed(ctx, 1, 1000, true)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, err := b.count(ctx, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'awaiting_approval'`, runs[0])
		if err != nil {
			return err
		}
		if n == 1000 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of 1000 approvals pending after 2 minutes", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rss, err := p.peakRSS()
	if err != nil {
		return err
	}
	b.add(row{Name: "worker peak RSS with 1,000 pending approvals", Value: rss, Unit: "MiB", Target: "<= 64"})
	return nil
}
