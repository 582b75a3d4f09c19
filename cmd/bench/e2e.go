package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
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

func (b *bench) commits(ctx context.Context) (int64, error) {
	var n int64
	err := b.pool.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	return n, err
}

// endToEnd measures tasks/s from queued to submitted with the dry-run
// applier, no approval, and `workers` worker processes.
func (b *bench) endToEnd(ctx context.Context, workers int) error {
	const users = 50
	runs, err := b.seed(ctx, users, b.tasks/users, false)
	if err != nil {
		return err
	}
	total := users * (b.tasks / users)
	time.Sleep(1100 * time.Millisecond) // let statistics settle
	before, err := b.commits(ctx)
	if err != nil {
		return err
	}
	var procs []*proc
	for i := 0; i < workers; i++ {
		p, err := b.start("worker", workerEnv()...)
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := b.count(ctx, `SELECT count(*) FROM application_tasks WHERE run_id = ANY($1) AND state = 'submitted'`, runs)
		if err != nil {
			return err
		}
		if n == total {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d tasks submitted in 5 minutes", n, total)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var secs float64
	if err := b.pool.QueryRow(ctx, `SELECT extract(epoch FROM max(submitted_at) - min(started_at))
		FROM application_tasks WHERE run_id = ANY($1)`, runs).Scan(&secs); err != nil {
		return err
	}
	time.Sleep(1100 * time.Millisecond)
	after, err := b.commits(ctx)
	if err != nil {
		return err
	}
	rate := float64(total) / secs
	b.add(row{Name: fmt.Sprintf("end to end: %d tasks, %d worker process(es)", total, workers), Value: rate, Unit: "tasks/s", Target: ">= 2000"})
	b.add(row{Name: fmt.Sprintf("end to end: commits per task, %d worker(s)", workers), Value: float64(after-before) / float64(total), Unit: "commits"})
	for _, r := range b.rows {
		if r.Unit == "commits/s" {
			b.add(row{Name: fmt.Sprintf("end to end / commit rate, %d worker(s)", workers), Value: rate / r.Value, Unit: "ratio", Target: ">= 0.3"})
		}
		if r.Unit == "jobs/s" {
			b.add(row{Name: fmt.Sprintf("end to end / bare River, %d worker(s)", workers), Value: rate / r.Value, Unit: "ratio"})
		}
	}
	return nil
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
