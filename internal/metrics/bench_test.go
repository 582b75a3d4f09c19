package metrics_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/metrics"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// BenchmarkTaskStates compares the two ways of exporting applyq_tasks over
// a table of APPLYQ_BENCH_TASKS tasks (default 1,000,000): counting at every
// scrape, as the API used to, and scraping the count the sweeper refreshes
// in the background. Run it alone, it fills a database first:
//
//	go test -run '^$' -bench TaskStates -benchtime 20x ./internal/metrics/
func BenchmarkTaskStates(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("APPLYQ_BENCH_TASKS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	db := pgtest.MustDB(b)
	user, run := domain.NewID(), domain.NewID()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id, email) VALUES ($1, 'bench@example.test')`, []any{user}},
		{`INSERT INTO application_runs (id, user_id, name) VALUES ($1, $2, 'bench')`, []any{run, user}},
		{`INSERT INTO job_postings (id, user_id, canonical_key) SELECT gen_random_uuid(), $1, 'b:' || g FROM generate_series(1, $2) g`, []any{user, n}},
		// Mostly settled, as a table that has run for a while is.
		{`INSERT INTO application_tasks (id, user_id, run_id, job_id, state)
			SELECT gen_random_uuid(), $1, $2, id, (CASE WHEN random() < 0.9 THEN 'submitted' WHEN random() < 0.5 THEN 'cancelled' ELSE 'queued' END)::task_state
			FROM job_postings`, []any{user, run}},
		{`VACUUM ANALYZE application_tasks`, nil},
	} {
		if _, err := db.Pool.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("count at every scrape (before)", func(b *testing.B) {
		m := metrics.New("api", "bench", "bench")
		m.RegisterTaskStates(db.TaskStateCounts)
		b.ResetTimer()
		for range b.N {
			// What a scrape used to do: the count was the collector.
			counts, err := db.TaskStateCounts(ctx)
			if err != nil || counts[domain.StateSubmitted] == 0 {
				b.Fatal(err, counts)
			}
			if _, err := m.Registry.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scrape of the background count (after)", func(b *testing.B) {
		m := metrics.New("sweeper", "bench", "bench")
		ts := m.RegisterTaskStates(db.TaskStateCounts)
		if err := ts.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			if _, err := m.Registry.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one background count", func(b *testing.B) {
		m := metrics.New("sweeper", "bench", "bench")
		ts := m.RegisterTaskStates(db.TaskStateCounts)
		for range b.N {
			if err := ts.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
