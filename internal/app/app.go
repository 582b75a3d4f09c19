// Package app is the wiring the three daemons share: flags and config, the
// logger, the signal context, the Postgres pool and the schema check. Each
// cmd/*/main.go builds its own adapters on top and stays short.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/logging"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/queue"
)

// Build metadata, set with -ldflags "-X github.com/applyq/applyq/internal/app.Version=…".
var (
	Version   = "dev"
	Commit    = "unknown"
	BuildTime = "unknown"
)

// ErrExit is returned by Start when the command line asked only for --help or
// --version: main exits 0.
var ErrExit = errors.New("exit")

// App is one running daemon's shared resources.
type App struct {
	Process string
	Config  *config.Config
	Log     *zap.Logger
	Pool    *pgxpool.Pool

	closers []func() // run by Close, last first
}

// Start loads the configuration for process from args, builds the logger,
// logs the effective configuration (without secrets), connects to Postgres and,
// unless skipSchemaCheck, refuses to run against a schema this binary does not
// match.
func Start(ctx context.Context, process string, args []string, fs *pflag.FlagSet, skipSchemaCheck bool) (*App, error) {
	if fs == nil {
		fs = config.Flags(process)
	}
	showVersion := fs.Bool("version", false, "print the version and exit")
	if fs.Usage == nil {
		fs.Usage = func() {
			fmt.Fprintf(os.Stderr, "Usage of applyq-%s:\n%s", process, fs.FlagUsages())
		}
	}
	cfg, err := config.Load(process, fs, args)
	if errors.Is(err, pflag.ErrHelp) {
		return nil, ErrExit
	}
	if *showVersion {
		fmt.Printf("applyq-%s %s (commit %s, built %s)\n", process, Version, Commit, BuildTime)
		return nil, ErrExit
	}
	if err != nil {
		return nil, err
	}
	log, err := logging.New(process, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return nil, err
	}
	log.Info("starting", zap.String("version", Version), zap.String("commit", Commit), zap.Any("config", cfg.Redacted()))
	pool, err := postgres.Connect(ctx, cfg.Database.URL, cfg.Database.MaxConns)
	if err != nil {
		return nil, err
	}
	a := &App{Process: process, Config: cfg, Log: log, Pool: pool}
	if !skipSchemaCheck {
		st, err := postgres.Status(ctx, pool)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("reading schema version: %w", err)
		}
		if !st.UpToDate() {
			a.Close()
			return nil, fmt.Errorf("database schema is at applyq %d / River %d, this binary needs applyq %d / River %d: run `make migrate` (or applyq-migrate up)",
				st.AppVersion, st.RiverVersion, st.AppLatest, st.RiverLatest)
		}
	}
	return a, nil
}

// Close stops what the App serves (the admin listener), releases the pool
// and flushes the logger.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.Pool.Close()
	_ = a.Log.Sync()
}

// onClose has Close run f first.
func (a *App) onClose(f func()) { a.closers = append(a.closers, f) }

// SignalContext is cancelled on the first SIGINT or SIGTERM, which starts a
// graceful shutdown; a second signal exits the process at once.
func SignalContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ch
		cancel()
		<-ch
		fmt.Fprintln(os.Stderr, "second signal: exiting now")
		os.Exit(130)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

// Main runs a daemon's body and turns its error into an exit code.
func Main(run func() error) {
	err := run()
	if errors.Is(err, ErrExit) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// ShutdownContext returns a context for a graceful stop bounded by d.
func ShutdownContext(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Store returns the Postgres store of this process, enqueueing River jobs
// through an insert-only client (also returned: River UI reads through it).
func (a *App) Store() (*postgres.DB, *queue.Inserter, error) {
	ins, err := queue.NewInserter(a.Pool)
	if err != nil {
		return nil, nil, err
	}
	ins.ContinuationDelay = a.Config.Approval.HandoffDelay
	return postgres.New(a.Pool, ins, a.Log), ins, nil
}
