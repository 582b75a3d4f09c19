// Package tasks is applyq's application service: every change of a task's
// state, and of what decides it (runs, approvals, pacing), is one method
// here. Each method owns its transaction, its lock order, its River enqueue
// or completion, its NOTIFY and its retry on deadlock or serialization
// failure; the edges (River workers, HTTP and dashboard handlers, the
// sweeper) parse input, call one method and render the result. Below it,
// the store (internal/postgres) only runs queries; the rules of
// ../shared/design.md live here and in internal/domain.
//
// Lock order, everywhere: a run before its tasks; tasks in id order; a task
// before its approval request and its security-code request (task_codes);
// a task before the user's daily usage row.
package tasks

import (
	"context"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres"
)

// Options configure a Service.
type Options struct {
	Pool *pgxpool.Pool
	// River inserts and completes jobs in the service's transactions. An
	// insert-only client (never started) is enough.
	River *river.Client[pgx.Tx]
	Log   *zap.Logger

	// DigestDelay is how long after a notice (an approval waiting,
	// questions waiting, a task that needs its user, a run completed) its
	// user's digest mail goes out, with every notice added meanwhile.
	DigestDelay time.Duration
	// ApprovalTTL is how long an approval request stays open (default 20m).
	ApprovalTTL time.Duration
	// HandoffDelay delays the River job that continues an approved task, so
	// a listening worker normally continues it first.
	HandoffDelay time.Duration
	// MaxAttempts is a task's attempt budget: the attempt that reaches it
	// fails the task instead of retrying (default 5).
	MaxAttempts int
	// Now is the clock of pacing windows; time.Now when nil.
	Now func() time.Time
	// Boards read each platform's public job boards (sources); a platform
	// without one cannot be synced.
	Boards map[domain.Platform]domain.BoardClient
	// SourceSyncEvery is a new source's sync interval (default 6h).
	SourceSyncEvery time.Duration
	// Evidence keeps what appliers saw (screenshots) in the blob store;
	// without it, evidence is not kept (logged).
	Evidence EvidenceStore
	// ApplierFor names the applier that submits a posting of a platform,
	// recorded in its packet when it is prepared (nil: none named).
	ApplierFor func(domain.Platform) string
	// Forms reads the hosted form of a posting whose board does not
	// publish it, or publishes only part of it (form discovery): when a
	// task of a posting the browser applies to is prepared and the job's
	// form was never read, or was read over FormMaxAge ago, Prepare reads
	// it first. Nil: no form is read.
	Forms domain.FormReader
	// FormMaxAge is how long a form read stays good for the job's next
	// tasks (default 24h).
	FormMaxAge time.Duration
	// Pace returns the submission rates a packet counts against (its
	// platform's and its employer's, for the appliers that submit to a
	// platform directly; nil: none). Over one, the task waits in queued
	// (platform_pacing) until the window frees.
	Pace func(*domain.Packet) []domain.RateLimit
	// Quotas bound each user's answers per hour, sources added per day and
	// "sync now" per source per hour (zero: none); counted in Postgres.
	Quotas domain.Quotas
	// Hooks observe committed changes (metrics).
	Hooks Hooks
}

// EvidenceStore keeps bytes under a key (a *blob.Store).
type EvidenceStore interface {
	Put(ctx context.Context, key, contentType string, data []byte) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Hooks observe committed changes. Any may be nil; each runs after the
// commit of the change it describes, never for work rolled back.
type Hooks struct {
	// Transition is called once per committed task move ("" from for a new task).
	Transition func(from, to domain.State)
	// Decision is called once per committed approval decision with the
	// time the request waited.
	Decision func(d domain.Decision, waited time.Duration)
	// ApproveToSubmit is called when an approved task enters submitting,
	// with the time since the approval.
	ApproveToSubmit func(d time.Duration)
	// FormRead is called once per hosted form read (Options.Forms), with
	// its platform, what came of it (FormReadOutcomes) and how long it
	// took, whatever is then committed.
	FormRead func(p domain.Platform, outcome string, d time.Duration)
}

// Service is the application service.
type Service struct {
	tx    *postgres.Transactor
	store *postgres.Store
	river *river.Client[pgx.Tx]
	log   *zap.Logger
	o     Options
	// The hot path's batches: concurrent claims, and concurrent
	// "submitted" records, share transactions.
	claims  *batch[claimCall]
	records *batch[recordCall]
}

// New returns the service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.ApprovalTTL == 0 {
		o.ApprovalTTL = 20 * time.Minute
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 5
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SourceSyncEvery == 0 {
		o.SourceSyncEvery = 6 * time.Hour
	}
	if o.FormMaxAge == 0 {
		o.FormMaxAge = 24 * time.Hour
	}
	tx := postgres.NewTransactor(o.Pool, o.Log)
	s := &Service{tx: tx, store: tx.Store(), river: o.River, log: o.Log, o: o}
	s.claims = newBatch(maxBatch, s.runClaims, func(c *claimCall, err error) { c.next, c.err, c.alone = Next{}, err, false })
	s.records = newBatch(maxBatch, s.runRecords, func(c *recordCall, err error) { c.err, c.alone = err, false })
	return s
}

// Store returns the store on the service's pool, for reads.
func (s *Service) Store() *postgres.Store { return s.store }

// txn is one service transaction: the store inside it, the notifications
// to send with its commit, and what to do once it committed.
type txn struct {
	pgx.Tx
	st       *postgres.Store
	channels []string
	payloads []string
	notices  []domain.Notice
	after    []func()
}

// notice queues a notice for its user's digest, written last in the
// transaction (its digest job row is the last lock taken).
func (t *txn) notice(n domain.Notice) { t.notices = append(t.notices, n) }

// notify queues a NOTIFY sent with the commit; repeats are sent once.
func (t *txn) notify(channel, payload string) {
	t.channels = append(t.channels, channel)
	t.payloads = append(t.payloads, payload)
}

// afterCommit runs f once the transaction committed (never if it rolls back).
func (t *txn) afterCommit(f func()) { t.after = append(t.after, f) }

// inTx runs fn in a transaction and commits when fn returns nil, with the
// notifications fn queued; a deadlock or serialization failure runs fn
// again in a new one (postgres.Transactor). fn must therefore only assign
// its results (not accumulate them) and have no effect outside the
// transaction but through afterCommit, which runs once the commit
// succeeded.
func (s *Service) inTx(ctx context.Context, fn func(t *txn) error) error {
	var t *txn
	err := s.tx.InTx(ctx, func(st *postgres.Store) error {
		t = &txn{Tx: st.Tx(), st: st}
		if err := fn(t); err != nil {
			return err
		}
		if err := t.st.Notify(ctx, t.channels, t.payloads); err != nil {
			return err
		}
		if len(t.notices) == 0 {
			return nil
		}
		return notifications.AddMany(ctx, t.Tx, s.river, t.notices, s.o.DigestDelay)
	})
	if err != nil {
		return err
	}
	for _, f := range t.after {
		f()
	}
	return nil
}

// Lease identifies the worker process holding a task in in_progress or
// submitting; the token fences a stale worker out.
type Lease struct {
	Token domain.ID
	Owner string
}
