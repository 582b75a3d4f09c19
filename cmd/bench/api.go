package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sweeper"
)

type apiClient struct {
	base, token string
	http        *http.Client
}

func (c *apiClient) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// startAPI runs the API binary on a free loopback port with a signed-in user.
func (b *bench) startAPI(ctx context.Context) (*proc, *apiClient, domain.ID, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, domain.NilID, err
	}
	addr := ln.Addr().String()
	_ = ln.Close() // only used to find a free port
	p, err := b.start("api", "APPLYQ_HTTP_ADDR="+addr, "APPLYQ_HTTP_BODY_LIMIT=8M")
	if err != nil {
		return nil, nil, domain.NilID, err
	}
	email := "api-" + domain.NewID().String() + "@example.test"
	raw, err := b.accounts.IssueMagicLink(ctx, email, time.Minute)
	if err != nil {
		return nil, nil, domain.NilID, err
	}
	sess, sessHash := domain.NewToken(domain.PrefixSession)
	user, _, err := b.accounts.SignIn(ctx, domain.HashToken(raw), sessHash, nil)
	if err != nil {
		return nil, nil, domain.NilID, err
	}
	c := &apiClient{base: "http://" + addr, token: sess, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if code, _, err := c.do("GET", "/readyz", nil); err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			return nil, nil, domain.NilID, fmt.Errorf("API not ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p, c, user.ID, nil
}

// ingestion posts 10,000 postings through the API, 1,000 per request.
func (b *bench) ingestion(ctx context.Context) error {
	p, c, _, err := b.startAPI(ctx)
	if err != nil {
		return err
	}
	defer p.stop()
	start := time.Now()
	for r := 0; r < 10; r++ {
		jobs := make([]map[string]string, 1000)
		for i := range jobs {
			jobs[i] = map[string]string{"url": fmt.Sprintf("https://boards.greenhouse.io/bench/jobs/%d?utm_source=x", r*1000+i), "company": "Acme", "title": "Engineer"}
		}
		code, body, err := c.do("POST", "/api/v1/jobs", map[string]any{"jobs": jobs})
		if err != nil {
			return err
		}
		if code != 200 {
			return fmt.Errorf("ingest answered %d: %s", code, body)
		}
	}
	b.add(row{Name: "ingestion: 10,000 postings via the API (1,000/request)", Value: 10000 / time.Since(start).Seconds(), Unit: "postings/s"})
	return nil
}

// bigTable fills the table with `big` settled tasks, then measures the queue
// view and single-task reads through the API, the API's peak RSS, and one
// sweeper pass with 0 and with 10,000 stuck tasks.
func (b *bench) bigTable(ctx context.Context, big int) error {
	p, c, userID, err := b.startAPI(ctx)
	if err != nil {
		return err
	}
	defer p.stop()
	start := time.Now()
	filler, fillerRun := domain.NewID(), domain.NewID()
	runID := domain.NewID()
	for _, stmt := range []struct {
		q    string
		args []any
	}{
		{`ANALYZE`, nil}, // fresh statistics after the earlier steps' writes
		{`INSERT INTO users (id, email) VALUES ($1, 'filler@example.test')`, []any{filler}},
		{`INSERT INTO application_runs (id, user_id, name, status) VALUES ($1, $2, 'filler', 'completed')`, []any{fillerRun, filler}},
		{`INSERT INTO application_runs (id, user_id, name) VALUES ($1, $2, 'measured')`, []any{runID, userID}},
		{`INSERT INTO job_postings (id, user_id, canonical_key) SELECT gen_random_uuid(), $1, 'f:' || g FROM generate_series(1, $2) g`, []any{filler, big}},
		{`INSERT INTO application_tasks (id, user_id, run_id, job_id, state, submitting_at, submitted_at, started_at)
			SELECT gen_random_uuid(), $1, $2, id, 'submitted', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days'
			FROM job_postings WHERE user_id = $1`, []any{filler, fillerRun}},
		{`INSERT INTO job_postings (id, user_id, canonical_key) SELECT gen_random_uuid(), $1, 'm:' || g FROM generate_series(1, 10000) g`, []any{userID}},
		{`INSERT INTO application_tasks (id, user_id, run_id, job_id, state, paused_at)
			SELECT gen_random_uuid(), $1, $2, id, 'paused', now() FROM job_postings WHERE user_id = $1`, []any{userID, runID}},
		{`ANALYZE`, nil},
	} {
		if _, err := b.pool.Exec(ctx, stmt.q, stmt.args...); err != nil {
			return fmt.Errorf("filling: %w", err)
		}
	}
	b.add(row{Name: fmt.Sprintf("setup: %d settled + 10,000 paused tasks written", big), Value: time.Since(start).Seconds(), Unit: "s"})

	rows, _ := b.pool.Query(ctx, `SELECT id FROM application_tasks WHERE user_id = $1`, userID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.ID])
	if err != nil {
		return err
	}
	measure := func(path func() string) ([]time.Duration, error) {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		deadline := time.Now().Add(60 * time.Second)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1000 && time.Now().Before(deadline); i++ {
					t0 := time.Now()
					code, body, err := c.do("GET", path(), nil)
					if err != nil || code != 200 {
						errs <- fmt.Errorf("GET answered %d %s: %v", code, body, err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		return lat, <-errs
	}
	lat, err := measure(func() string { return "/api/v1/tasks?state=paused&limit=50" })
	if err != nil {
		return err
	}
	total := big + 10000
	b.add(row{Name: fmt.Sprintf("API queue view, page of 50, %d tasks in table (p50)", total), Value: ms(percentile(lat, .5)), Unit: "ms"})
	b.add(row{Name: fmt.Sprintf("API queue view, page of 50, %d tasks in table (p99)", total), Value: ms(percentile(lat, .99)), Unit: "ms", Target: "<= 10"})
	lat, err = measure(func() string { return "/api/v1/tasks/" + ids[rand.IntN(len(ids))].String() }) // #nosec G404 -- picks which task to read; nothing secret
	if err != nil {
		return err
	}
	b.add(row{Name: "API single task read (p50)", Value: ms(percentile(lat, .5)), Unit: "ms"})
	b.add(row{Name: "API single task read (p99)", Value: ms(percentile(lat, .99)), Unit: "ms"})
	if rss, err := p.peakRSS(); err == nil {
		b.add(row{Name: "API peak RSS under the latency load", Value: rss, Unit: "MiB"})
	}

	sw := &sweeper.Sweeper{Tasks: b.svc, DB: b.db, Log: zap.NewNop(), StuckAfter: 5 * time.Minute, OrphanGrace: time.Minute, BatchSize: 500, MaxBatches: 20}
	var passes []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		if _, err := sw.RunOnce(ctx); err != nil {
			return err
		}
		passes = append(passes, time.Since(t0))
	}
	b.add(row{Name: fmt.Sprintf("sweeper pass, nothing to do, %d tasks (median of 5)", total), Value: ms(percentile(passes, .5)), Unit: "ms", Target: "<= 10",
		Note: fmt.Sprintf("first pass %.1f ms", ms(passes[0]))})
	if _, err := b.pool.Exec(ctx, `UPDATE application_tasks SET state = 'in_progress', lease_token = gen_random_uuid(),
		heartbeat_at = now() - interval '1 hour', attempts = 1 WHERE id IN (SELECT id FROM application_tasks WHERE user_id = $1 LIMIT 10000)`, filler); err != nil {
		return err
	}
	t0 := time.Now()
	res, err := sw.RunOnce(ctx)
	if err != nil {
		return err
	}
	b.add(row{Name: fmt.Sprintf("sweeper pass, 10,000 stuck tasks, %d tasks", total), Value: ms(time.Since(t0)), Unit: "ms", Note: fmt.Sprintf("requeued %d", res.Requeued)})
	return nil
}
