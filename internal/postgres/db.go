// Package postgres is applyq's Postgres adapter: the only package with SQL.
// Every exported method owns its transaction; methods ending in Tx run inside
// the caller's. Database errors are translated to domain codes here, once.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// JobInserter enqueues the sign-in mail job inside a transaction of this
// package (Phase-1 code on its way to the accounts service).
type JobInserter interface {
	// InsertMagicLinkJobTx enqueues the job that mails a sign-in link.
	InsertMagicLinkJobTx(ctx context.Context, tx pgx.Tx, email string) error
}

// DB is the Postgres store of Phase 1, being replaced by Store (typed
// queries, no policy, no River) and the application service; the queries
// already moved are reached through the embedded Store.
type DB struct {
	*Store
	Pool     *pgxpool.Pool
	inserter JobInserter
}

// New returns a store on pool. inserter may be nil for processes that never
// request sign-in links.
func New(pool *pgxpool.Pool, inserter JobInserter) *DB {
	return &DB{Store: NewStore(pool), Pool: pool, inserter: inserter}
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

// inTx runs fn in a transaction and commits when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.Pool, fn)
}

// InTx runs fn in a new transaction (tests and fixtures).
func (db *DB) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return db.inTx(ctx, fn)
}

func redactURL(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "(unparseable database URL)"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}
