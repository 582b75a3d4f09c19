// Package postgres is applyq's Postgres adapter: the only package with SQL.
// Every exported method owns its transaction; methods ending in Tx run inside
// the caller's. Database errors are translated to domain codes here, once.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// TaskJob is what the queue needs to enqueue the River job that works a task.
// The job is inserted in the transaction that set the task's queued_at to the
// transaction's now(), and River's scheduled_at defaults to the same now(), so
// River's claim order (priority, scheduled_at, id) is the task queue's order
// (priority DESC, queued_at ASC).
type TaskJob struct {
	TaskID   domain.ID
	Priority int
}

// JobInserter enqueues River jobs inside a transaction of this package. The
// queue adapter implements it; tests may too.
type JobInserter interface {
	// InsertTaskJobsTx inserts one River job per task and returns their ids in
	// the same order.
	InsertTaskJobsTx(ctx context.Context, tx pgx.Tx, jobs []TaskJob) ([]int64, error)
	// InsertMagicLinkJobTx enqueues the job that mails a sign-in link.
	InsertMagicLinkJobTx(ctx context.Context, tx pgx.Tx, email string) error
	// InsertContinuationJobTx enqueues the job that continues an approved
	// task and returns its id.
	InsertContinuationJobTx(ctx context.Context, tx pgx.Tx, taskID domain.ID) (int64, error)
	// CancelJobTx cancels a River job that has not run yet.
	CancelJobTx(ctx context.Context, tx pgx.Tx, jobID int64) error
}

// Hooks observe committed changes (for metrics). Any may be nil.
type Hooks struct {
	// Transition is called once per committed task transition ("" from for
	// a new task).
	Transition func(from, to domain.State)
	// Decision is called once per committed approval decision, with the time
	// the request waited.
	Decision func(d domain.Decision, waited time.Duration)
}

// DB is the Postgres store of Phase 1, being replaced by Store (typed
// queries, no policy, no River) and the application service; the queries
// already moved are reached through the embedded Store.
type DB struct {
	*Store
	Pool     *pgxpool.Pool
	log      *zap.Logger
	inserter JobInserter
	// Hooks may be set once, before the store is used.
	Hooks Hooks

	pending sync.Map // pgx.Tx begun by the store (or a savepoint of one) → *txHooks
}

// New returns a store on pool. inserter enqueues River jobs in the store's
// transactions; it may be nil only for processes that never enqueue.
func New(pool *pgxpool.Pool, inserter JobInserter, log *zap.Logger) *DB {
	if log == nil {
		log = zap.NewNop()
	}
	return &DB{Store: NewStore(pool), Pool: pool, log: log, inserter: inserter}
}

// Connect opens a pool and checks the database answers.
func Connect(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database.url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to Postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, connectError(&cfg.ConnConfig.Config, redactURL(url), err)
	}
	return pool, nil
}

// Postgres error codes of a failed connection, each with its own fix.
const (
	pgInvalidCatalogName    = "3D000" // the database does not exist
	pgInvalidPassword       = "28P01"
	pgInvalidAuthorization  = "28000" // no such role, or pg_hba.conf refuses it
	pgInsufficientPrivilege = "42501" // the role may not connect to the database
)

// connectError says which of three problems stopped a connection, and how
// to fix it: no server answering, no such database, or the user refused.
func connectError(cfg *pgconn.Config, where string, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return fmt.Errorf("cannot reach Postgres at %s: %w (is it running? `make db` starts a local one; otherwise check the host and port of database.url (APPLYQ_DATABASE_URL))", where, err)
	}
	switch pgErr.Code {
	case pgInvalidCatalogName:
		return fmt.Errorf("the Postgres server at %s:%d answers, but database %q does not exist: create it with `createdb -h %s -p %d -U %s %s` (with APPLYQ_DATABASE_URL unset, `make migrate` creates the local applyq database itself), then apply the schema with `make migrate` (applyq-migrate up); or point database.url (APPLYQ_DATABASE_URL) at another database: %w",
			cfg.Host, cfg.Port, cfg.Database, cfg.Host, cfg.Port, cfg.User, cfg.Database, err)
	case pgInvalidPassword, pgInvalidAuthorization, pgInsufficientPrivilege:
		return fmt.Errorf("the Postgres server at %s refused user %q: check the user and password in database.url (APPLYQ_DATABASE_URL), that the role exists (`createuser`) and may connect (the server's pg_hba.conf): %w", where, cfg.User, err)
	}
	return fmt.Errorf("connecting to Postgres at %s: %w", where, err)
}

// Transient failures are retried: a deadlock victim or a serialization
// failure left nothing behind (its transaction rolled back), so running the
// whole transaction again is safe and the caller never sees them.
const (
	maxTxAttempts  = 4
	txRetryBackoff = 10 * time.Millisecond
)

// inTx runs fn in a transaction and commits when fn returns nil. A deadlock
// or serialization failure runs fn again in a new transaction (up to
// maxTxAttempts), so fn must only assign its results, not accumulate them,
// and have no effect outside the transaction: effects that must follow the
// commit go through afterCommit.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.inTxOnce(ctx, fn)
		if err == nil || !IsTransient(err) || attempt == maxTxAttempts {
			return err
		}
		db.log.Info("transaction retried after a transient failure", zap.Int("attempt", attempt), zap.Error(err))
		wait := time.Duration(attempt) * txRetryBackoff
		wait += time.Duration(rand.Int64N(int64(wait))) // #nosec G404 -- jitter, not a secret
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

func (db *DB) inTxOnce(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	hooks := &txHooks{}
	db.pending.Store(tx, hooks)
	defer db.pending.Delete(tx)
	defer tx.Rollback(ctx) //nolint:errcheck // rollback after commit is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range hooks.fns {
		f()
	}
	return nil
}

// txHooks are the functions to run once a transaction's work is committed.
// A savepoint has its own list, handed to its parent when it is released and
// dropped when it rolls back, so hooks follow the fate of the work they
// describe.
type txHooks struct {
	fns []func()
}

// afterCommit runs f if and when the work done in tx commits: after the
// outermost commit, and never when tx (or a savepoint it is part of) rolls
// back. It is for effects outside the database (metrics, logs). Only
// transactions begun by this store (inTx, savepoint) carry hooks; f is
// dropped for any other.
func (db *DB) afterCommit(tx pgx.Tx, f func()) {
	if v, ok := db.pending.Load(tx); ok {
		h := v.(*txHooks) // a transaction is used by one goroutine at a time
		h.fns = append(h.fns, f)
	}
}

// savepoint runs fn inside a savepoint of tx. When fn returns nil the
// savepoint is released and its hooks join tx's; when fn fails, its writes
// and hooks are rolled back and fn's error is returned as fnErr. err reports
// a failure of the savepoint itself, which leaves tx unusable.
func (db *DB) savepoint(ctx context.Context, tx pgx.Tx, fn func(tx pgx.Tx) error) (fnErr, err error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	hooks := &txHooks{}
	db.pending.Store(sp, hooks)
	defer db.pending.Delete(sp)
	if fnErr = fn(sp); fnErr != nil {
		return fnErr, sp.Rollback(ctx)
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, err
	}
	for _, f := range hooks.fns {
		db.afterCommit(tx, f)
	}
	return nil, nil
}

// InTx runs fn in a new transaction, for adapters (the queue) that must add
// their own writes, such as River's JobCompleteTx, to a store transaction.
// Like every store transaction it is retried after a deadlock or
// serialization failure: fn must be safe to run again.
func (db *DB) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return db.inTx(ctx, fn)
}

// Postgres error codes translated here.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// IsTransient reports whether err is a deadlock or serialization failure:
// the transaction was rolled back and may simply run again.
func IsTransient(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == pgSerializationFailure || pgErr.Code == pgDeadlockDetected)
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgUniqueViolation && (constraint == "" || pgErr.ConstraintName == constraint)
}

// notFound translates pgx.ErrNoRows to a domain not-found error for what.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "%s not found", what)
	}
	return err
}

func redactURL(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "(unparseable database URL)"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}
