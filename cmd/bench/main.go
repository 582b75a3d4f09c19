// Command bench measures applyq against the limits of the machine it runs on,
// in one run (`make bench`): Postgres commit rate and bare River throughput as
// baselines, then end-to-end throughput with 1, 2 and 4 worker processes
// beside a naive two-commit River pipeline over the same tasks (naive.go),
// with the CPU of the workers and of Postgres, then latencies, ingestion,
// sweeper cost and memory, and last the browser applier filling a local
// replica of Greenhouse's form in Chromium (browser.go). It prints one
// table and writes it as JSON. It needs the built binaries (make build) and
// a Postgres server (APPLYQ_PG_SERVER_URL); it works in its own fresh
// database, which it drops at the end. Everything targets 127.0.0.1 and is
// bounded in count and time.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
)

// row is one line of the result table.
type row struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Target string  `json:"target,omitempty"`
	Note   string  `json:"note,omitempty"`
}

type bench struct {
	server   string // URL of the server's postgres database
	dbURL    string
	pool     *pgxpool.Pool
	db       *postgres.DB
	svc      *tasks.Service
	accounts *accounts.Service
	bin      string
	tasks    int
	rows     []row
	log      *zap.Logger
	started  time.Time
	pg       *postgresCPU // the server's CPU meter (nil: not found, see pgErr)
	pgErr    error
}

func (b *bench) add(r row) {
	b.rows = append(b.rows, r)
	fmt.Fprintf(os.Stderr, "bench: %-58s %12.2f %-8s %s\n", r.Name, r.Value, r.Unit, r.Note)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == naiveWorkerFlag { // a worker process of the naive pipeline (naive.go)
		if err := naiveMain(); err != nil {
			fmt.Fprintln(os.Stderr, "naive worker:", err)
			os.Exit(1)
		}
		return
	}
	out := flag.String("out", "docs/benchmarks.json", "where to write the JSON results")
	tasks := flag.Int("tasks", 20000, "tasks for the end-to-end throughput runs")
	big := flag.Int("big", 1000000, "settled tasks in the table for the API and sweeper measurements")
	only := flag.String("only", "", "run only the steps whose name contains this (for example \"end to end\")")
	flag.Parse()
	if err := run(*out, *tasks, *big, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(out string, tasks, big int, only string) error {
	ctx := context.Background()
	server := os.Getenv("APPLYQ_PG_SERVER_URL")
	if server == "" {
		return fmt.Errorf("APPLYQ_PG_SERVER_URL is not set: run through `make bench`")
	}
	b := &bench{server: server, bin: "bin", tasks: tasks, log: zap.NewNop(), started: time.Now()}
	if err := b.freshDatabase(ctx); err != nil {
		return err
	}
	defer b.dropDatabase()
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"commit rate", b.commitRate},
		{"bare River", b.bareRiver},
		{"end to end and naive River pipeline, 1 worker", func(ctx context.Context) error { return b.endToEnd(ctx, 1) }},
		{"end to end and naive River pipeline, 2 workers", func(ctx context.Context) error { return b.endToEnd(ctx, 2) }},
		{"end to end and naive River pipeline, 4 workers", func(ctx context.Context) error { return b.endToEnd(ctx, 4) }},
		{"add to claim", b.addToClaim},
		{"approve to submission", b.approveToSubmission},
		{"worker memory", b.workerMemory},
		{"ingestion", b.ingestion},
		{"big table", func(ctx context.Context) error { return b.bigTable(ctx, big) }},
		{"browser applier", b.browserApplier},
	}
	for _, s := range steps {
		if only != "" && !strings.Contains(s.name, only) && s.name != "commit rate" && s.name != "bare River" {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: -- %s\n", s.name)
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	b.print()
	return b.write(out)
}

func (b *bench) freshDatabase(ctx context.Context) error {
	admin, err := pgx.Connect(ctx, b.server)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("applyq_bench_%d", time.Now().Unix())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	u, _ := url.Parse(b.server)
	u.Path = "/" + name
	b.dbURL = u.String()
	cfg, err := pgxpool.ParseConfig(b.dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = 16
	if b.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return err
	}
	if err := postgres.MigrateUp(ctx, b.pool); err != nil {
		return err
	}
	ins, err := queue.NewInserter(b.pool)
	if err != nil {
		return err
	}
	b.db = postgres.New(b.pool)
	b.accounts = accounts.New(accounts.Options{Pool: b.pool, River: ins.Client(), SessionMaxAge: time.Hour})
	b.svc = tasks.New(tasks.Options{Pool: b.pool, River: ins.Client(), Log: b.log})
	return nil
}

func (b *bench) dropDatabase() {
	ctx := context.Background()
	b.pool.Close()
	admin, err := pgx.Connect(ctx, b.server)
	if err != nil {
		return
	}
	defer admin.Close(ctx)
	u, _ := url.Parse(b.dbURL)
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+strings.TrimPrefix(u.Path, "/")+" WITH (FORCE)")
}

func (b *bench) print() {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "measurement\tvalue\tunit\ttarget\tnote")
	for _, r := range b.rows {
		fmt.Fprintf(w, "%s\t%.2f\t%s\t%s\t%s\n", r.Name, r.Value, r.Unit, r.Target, r.Note)
	}
	_ = w.Flush()
}

func (b *bench) write(out string) error {
	host, _ := os.Hostname()
	doc := map[string]any{"ran_at": b.started.UTC().Format(time.RFC3339), "host": host, "duration_seconds": time.Since(b.started).Seconds(), "results": b.rows}
	js, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil { // #nosec G301 -- docs/ is a public folder of the repository
		return err
	}
	return os.WriteFile(out, append(js, '\n'), 0o644) // #nosec G306 -- published results, meant to be readable
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p)
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
