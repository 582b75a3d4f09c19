package queue

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/notify"
	"github.com/applyq/applyq/internal/tasks"
)

// ProcessOptions configure everything one worker process runs.
type ProcessOptions struct {
	Pool  *pgxpool.Pool
	DBURL string // for the dedicated LISTEN connection
	// Tasks is the application service the workers drive.
	Tasks *tasks.Service
	// Accounts serves the sign-in mail worker.
	Accounts *accounts.Service
	// Notifications serves the digest mail worker (none when nil).
	Notifications *notifications.Service

	Applier domain.Applier
	Mailer  domain.Mailer
	Owner   string
	Log     *zap.Logger

	// Codes, when set, is the security code relay of the pages this
	// process's browser applier holds open: it is subscribed to
	// domain.NotifyCodes on the process's listener.
	Codes *Codes

	Concurrency       int
	JobTimeout        time.Duration
	FetchCooldown     time.Duration
	FetchPollInterval time.Duration

	PublicBaseURL        string
	MagicLinkTTL         time.Duration
	ApprovalPollInterval time.Duration

	// HeartbeatInterval is how often held leases are refreshed.
	HeartbeatInterval time.Duration

	// SourceConcurrency is the job-board syncs this process runs at once;
	// SourceSyncTimeout bounds one.
	SourceConcurrency int
	SourceSyncTimeout time.Duration

	// Observers for metrics; any may be nil.
	OnApply func(applier string, outcome domain.ApplyOutcome, d time.Duration)
	OnJob   func(kind, outcome string)
}

// Process is a running worker process: the River client working the queues,
// the LISTEN connection and the approval waiter.
type Process struct {
	Client    *river.Client[pgx.Tx]
	Worker    *ApplyWorker
	Approvals *Approvals
	Listener  *notify.Listener
	tasks     *tasks.Service
	log       *zap.Logger
	// Codes is ProcessOptions.Codes (nil without one).
	Codes *Codes

	heartbeat time.Duration
	started   bool
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// NewProcess wires a worker process.
func NewProcess(o ProcessOptions) (*Process, error) {
	w := &ApplyWorker{Tasks: o.Tasks, Applier: o.Applier, Leases: &Leases{Owner: o.Owner}, JobTimeout: o.JobTimeout, OnApply: o.OnApply}
	approvals := &Approvals{Tasks: o.Tasks, Worker: w, PollInterval: o.ApprovalPollInterval, Concurrency: o.Concurrency, Log: o.Log}
	w.Approvals = approvals
	magic := &MagicLinkWorker{Accounts: o.Accounts, Mailer: o.Mailer, PublicBaseURL: o.PublicBaseURL, TTL: o.MagicLinkTTL}
	syncs := &SourceWorkers{Sync: &SyncSourceWorker{Tasks: o.Tasks, JobTimeout: o.SourceSyncTimeout},
		Schedule: &ScheduleSyncsWorker{Tasks: o.Tasks}, Details: &JobDetailsWorker{Tasks: o.Tasks, JobTimeout: o.SourceSyncTimeout},
		Concurrency: o.SourceConcurrency}
	var digest *DigestWorker
	if o.Notifications != nil {
		digest = &DigestWorker{Notifications: o.Notifications}
	}
	client, err := NewWorkerClient(o.Pool, Workers{Apply: w, MagicLink: magic, Digest: digest, Sources: syncs}, ClientOptions{
		Concurrency: o.Concurrency, FetchCooldown: o.FetchCooldown, FetchPollInterval: o.FetchPollInterval, ID: o.Owner, Log: o.Log,
		OnJob: o.OnJob,
	})
	if err != nil {
		return nil, err
	}
	listener := notify.New(o.DBURL, o.Log)
	listener.Subscribe(domain.NotifyApprovals, approvals)
	if o.Codes != nil {
		listener.Subscribe(domain.NotifyCodes, o.Codes)
	}
	hb := o.HeartbeatInterval
	if hb <= 0 {
		hb = 10 * time.Second
	}
	return &Process{Client: client, Worker: w, Approvals: approvals, Codes: o.Codes, Listener: listener, tasks: o.Tasks, log: o.Log, heartbeat: hb}, nil
}

// Start starts River, the listener and the approval poll.
func (p *Process) Start(ctx context.Context) error {
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	// River's work contexts derive from Start's: a signal must not cancel
	// in-flight work, only Stop does.
	if err := p.Client.Start(bg); err != nil {
		cancel()
		return err
	}
	p.started = true
	p.wg.Add(3)
	go func() {
		defer p.wg.Done()
		p.Worker.Leases.Run(bg, p.tasks, p.heartbeat, p.log)
	}()
	go func() {
		defer p.wg.Done()
		if err := p.Listener.Run(bg); err != nil {
			p.log.Error("listener stopped", zap.Error(err))
		}
	}()
	go func() {
		defer p.wg.Done()
		p.Approvals.Run(bg)
	}()
	return nil
}

// Ready reports whether River is started and the listener connected.
func (p *Process) Ready() error {
	if !p.started {
		return errors.New("river client not started")
	}
	if !p.Listener.Connected() {
		return errors.New("LISTEN connection down")
	}
	return nil
}

// Stop stops fetching and starting approval continuations, lets in-flight
// tasks and continuations finish until ctx ends (then cancels them; their
// outcomes are still recorded), and only then stops the heartbeats and the
// listener, which that last work needs. Pending approvals
// are not waited for: their River continuation jobs carry them.
func (p *Process) Stop(ctx context.Context) error {
	approvals := make(chan error, 1)
	go func() { approvals <- p.Approvals.Stop(ctx) }()
	err := p.Client.Stop(ctx)
	if err != nil {
		p.log.Warn("grace period over: cancelling in-flight tasks", zap.Error(err))
		hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = p.Client.StopAndCancel(hard)
	}
	if aerr := <-approvals; aerr != nil {
		p.log.Warn("grace period over", zap.Error(aerr))
	}
	p.cancel()
	p.wg.Wait()
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("in-flight tasks did not stop in time")
	}
	return err
}
