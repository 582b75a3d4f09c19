package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/applyq/applyq/migrations"
)

// migrateLockID serialises concurrent migrate commands (several replicas
// starting at once).
const migrateLockID = 7_101_975_001

// MigrationStatus describes the schema of one database.
type MigrationStatus struct {
	AppVersion      int64 // latest applied app migration
	AppLatest       int64 // latest app migration this binary knows
	RiverVersion    int   // latest applied River migration
	RiverLatest     int   // latest River migration this binary knows
	PendingAppFiles []string
}

// UpToDate reports whether both schemas are at this binary's latest version.
func (s *MigrationStatus) UpToDate() bool {
	return s.AppVersion == s.AppLatest && s.RiverVersion == s.RiverLatest
}

// MigrateUp applies River's migrations, then applyq's, under an advisory lock.
func MigrateUp(ctx context.Context, pool *pgxpool.Pool) error {
	return withMigrateLock(ctx, pool, func() error {
		rm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return err
		}
		if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		p, db, err := goosProvider(pool)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("applyq migrations: %w", err)
		}
		return nil
	})
}

// MigrateDown rolls back the latest applyq migration. With all, it rolls back
// every applyq migration and then River's tables too.
func MigrateDown(ctx context.Context, pool *pgxpool.Pool, all bool) error {
	return withMigrateLock(ctx, pool, func() error {
		p, db, err := goosProvider(pool)
		if err != nil {
			return err
		}
		defer db.Close()
		if !all {
			_, err := p.Down(ctx)
			return err
		}
		if _, err := p.DownTo(ctx, 0); err != nil {
			return fmt.Errorf("applyq migrations: %w", err)
		}
		rm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return err
		}
		if _, err := rm.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		return nil
	})
}

// MigrateDownTo rolls applyq's migrations back until version is the
// latest applied (River's tables stay).
func MigrateDownTo(ctx context.Context, pool *pgxpool.Pool, version int64) error {
	return withMigrateLock(ctx, pool, func() error {
		p, db, err := goosProvider(pool)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = p.DownTo(ctx, version)
		return err
	})
}

// Status reports applied and known versions of both schemas. /readyz uses it.
func Status(ctx context.Context, pool *pgxpool.Pool) (*MigrationStatus, error) {
	p, db, err := goosProvider(pool)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st := &MigrationStatus{}
	sources := p.ListSources()
	if n := len(sources); n > 0 {
		st.AppLatest = sources[n-1].Version
	}
	// goose's GetDBVersion creates its version table when missing; a status
	// check must not write, so look first.
	var hasTable bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&hasTable); err != nil {
		return nil, err
	}
	if hasTable {
		if st.AppVersion, err = p.GetDBVersion(ctx); err != nil {
			return nil, err
		}
	}
	for _, s := range sources {
		if s.Version > st.AppVersion {
			st.PendingAppFiles = append(st.PendingAppFiles, s.Path)
		}
	}
	rm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return nil, err
	}
	all := rm.AllVersions()
	st.RiverLatest = all[len(all)-1].Version
	var hasRiver bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('river_migration') IS NOT NULL`).Scan(&hasRiver); err != nil {
		return nil, err
	}
	if hasRiver {
		existing, err := rm.ExistingVersions(ctx)
		if err != nil {
			return nil, err
		}
		if n := len(existing); n > 0 {
			st.RiverVersion = existing[n-1].Version
		}
	}
	return st, nil
}

func goosProvider(pool *pgxpool.Pool) (*goose.Provider, *sql.DB, error) {
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithGoMigrations(migrations.GoMigrations()...))
	if err != nil {
		_ = db.Close() // the provider's error is the one to report
		return nil, nil, err
	}
	return p, db, nil
}

func withMigrateLock(ctx context.Context, pool *pgxpool.Pool, fn func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockID) //nolint:errcheck // released with the session anyway
	return fn()
}
