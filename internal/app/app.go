// Package app is the wiring the binaries share: Main (signal context,
// flags and config, logger, Postgres pool and schema check, close), the
// store, metrics and the admin listener, and the adapters' options from the
// configuration. Each cmd/*/main.go is its process's Run on top.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/logging"
	"github.com/applyq/applyq/internal/metrics"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
)

// Build metadata, set with -ldflags "-X github.com/applyq/applyq/internal/app.Version=…".
var (
	Version   = "dev"
	Commit    = "unknown"
	BuildTime = "unknown"
)

// errExit ends a command line that asked only for --help or --version:
// the process exits 0.
var errExit = errors.New("exit")

// Daemon is one binary, for Main.
type Daemon struct {
	// Process is "api", "worker", "sweeper" or "migrate": its flags and the
	// settings it validates (see package config).
	Process string
	// Usage writes --help (the default lists the flags).
	Usage func(fs *pflag.FlagSet)
	// NoSchemaCheck lets Run start on a database whose schema is not at
	// this binary's version (migrate changes it).
	NoSchemaCheck bool
	// Run does the process's work until ctx ends or the work is done.
	Run func(ctx context.Context, a *App) error
}

// App is one running process's shared resources.
type App struct {
	Process string
	Config  *config.Config
	// Args are the command-line arguments left after the flags.
	Args    []string
	Log     *zap.Logger
	Pool    *pgxpool.Pool
	Metrics *metrics.Metrics

	closers []func() // run by Close, last first
}

// Main is every binary's main: a signal context, the App built from the
// process's configuration, d.Run, and Close. It exits 0, or 1 with the
// error on stderr.
func Main(d Daemon) {
	err := run(d)
	if errors.Is(err, errExit) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(d Daemon) error {
	ctx, stop := SignalContext()
	defer stop()
	a, err := start(ctx, d, os.Args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	return d.Run(ctx, a)
}

// start loads the configuration of d's process from args, builds the
// logger, logs the effective configuration (without secrets), connects to
// Postgres and, unless d.NoSchemaCheck, refuses to run against a schema this
// binary does not match.
func start(ctx context.Context, d Daemon, args []string) (*App, error) {
	fs := config.Flags(d.Process)
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		if d.Usage != nil {
			d.Usage(fs)
			return
		}
		fmt.Fprintf(fs.Output(), "Usage of applyq-%s:\n%s", d.Process, fs.FlagUsages())
	}
	cfg, err := config.Load(d.Process, fs, args)
	if errors.Is(err, pflag.ErrHelp) {
		return nil, errExit
	}
	if *showVersion {
		fmt.Printf("applyq-%s %s (commit %s, built %s)\n", d.Process, Version, Commit, BuildTime)
		return nil, errExit
	}
	if err != nil {
		return nil, err
	}
	log, err := logging.New(d.Process, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return nil, err
	}
	log.Info("applyq-"+d.Process+" "+Version+" starting ("+cfg.Env+")", zap.String("version", Version), zap.String("commit", Commit))
	log.Debug("configuration", zap.Any("config", cfg.Redacted()))
	pool, err := postgres.Connect(ctx, cfg.Database.URL, cfg.Database.MaxConns)
	if err != nil {
		return nil, err
	}
	a := &App{Process: d.Process, Config: cfg, Args: fs.Args(), Log: log, Pool: pool, Metrics: metrics.New(d.Process, Version, Commit)}
	if !d.NoSchemaCheck {
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

// ShutdownContext returns a context for a graceful stop bounded by d.
func ShutdownContext(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Services are what a process's edges call: the store (reads), the
// application services (every change), and the insert-only River client
// they enqueue through (River UI reads through it too).
type Services struct {
	DB            *postgres.DB
	Tasks         *tasks.Service
	Accounts      *accounts.Service
	Notifications *notifications.Service
	River         *queue.Inserter
	// Documents keeps users' documents in Blobs, the blob store of
	// blob.url; both nil in a process without one (see openDocuments).
	Documents *documents.Service
	Blobs     *blob.Store
}

// Deps are what a process gives its services beyond the configuration:
// Mailer sends digests and sign-in links (nil in processes that mail
// none); Boards read job boards (nil in processes that sync none);
// ApplierFor names the applier of a platform's postings (the worker's
// router; nil elsewhere).
type Deps struct {
	Mailer     domain.Mailer
	Boards     map[domain.Platform]domain.BoardClient
	ApplierFor func(domain.Platform) string
	// Pace paces the platform appliers' submissions (the worker's; nil
	// elsewhere).
	Pace func(*domain.Packet) []domain.RateLimit
	// Forms reads the hosted forms of browser-applied postings when their
	// tasks are prepared (the worker's, when a browser platform is on).
	Forms domain.FormReader
}

// Services builds this process's services, the process's metrics observing
// committed changes. A process that does not read blob.url (see
// config.ReadBy) opens no blob store and has no documents service; Close
// closes the one it opened.
func (a *App) Services(deps Deps) (*Services, error) {
	cfg := a.Config
	if !slices.Contains(config.ReadBy("blob.url"), a.Process) {
		c := *cfg
		c.Blob.URL = "" // it neither checked blob.url nor reads documents: no blob store
		cfg = &c
	}
	s, err := NewServices(a.Pool, cfg, a.Log, a.Metrics, deps)
	if err == nil && s.Blobs != nil {
		a.onClose(func() { _ = s.Blobs.Close() })
	}
	return s, err
}

// NewServices builds the services of a process on pool from cfg, opening
// the blob store of blob.url for documents and evidence; m, when set,
// observes committed changes (tests pass nil).
func NewServices(pool *pgxpool.Pool, cfg *config.Config, log *zap.Logger, m *metrics.Metrics, deps Deps) (*Services, error) {
	ins, err := queue.NewInserter(pool)
	if err != nil {
		return nil, err
	}
	blobs, err := openBlobs(cfg)
	if err != nil {
		return nil, err
	}
	var evidence tasks.EvidenceStore
	if blobs != nil {
		evidence = blobs
	}
	var hooks tasks.Hooks
	if m != nil {
		hooks = tasks.Hooks{Transition: m.Transition, Decision: m.Decision,
			ApproveToSubmit: func(d time.Duration) { m.ApproveToSubmit.Observe(d.Seconds()) }, FormRead: m.ObserveFormRead}
	}
	s := &Services{
		DB: postgres.New(pool),
		Tasks: tasks.New(tasks.Options{Pool: pool, River: ins.Client(), Log: log, DigestDelay: cfg.Notifications.DigestDelay,
			ApprovalTTL: cfg.Approval.TTL, HandoffDelay: cfg.Approval.HandoffDelay, MaxAttempts: cfg.Worker.MaxAttempts, Hooks: hooks,
			Boards: deps.Boards, SourceSyncEvery: cfg.Sources.SyncInterval, Evidence: evidence, ApplierFor: deps.ApplierFor, Pace: deps.Pace,
			FormMaxAge: cfg.Appliers.Browser.FormMaxAge, Forms: deps.Forms, Quotas: Quotas(cfg.Quotas)}),
		Accounts: accounts.New(accounts.Options{Pool: pool, River: ins.Client(), Log: log,
			SessionMaxAge: cfg.Auth.SessionMaxAge, AdminEmails: cfg.Auth.AdminEmails}),
		Notifications: notifications.New(notifications.Options{Pool: pool, River: ins.Client(), Mailer: deps.Mailer,
			PublicBaseURL: cfg.HTTP.PublicBaseURL, DigestDelay: cfg.Notifications.DigestDelay, Log: log}),
		River: ins,
		Blobs: blobs,
	}
	openDocuments(s, cfg, log)
	return s, nil
}
