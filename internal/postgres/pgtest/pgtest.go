// Package pgtest gives each test its own real Postgres database, cloned from a
// template that is migrated once per migration set, so test packages (and
// tests) run in parallel without seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/migrations"
)

// EnvURL names the environment variable with the server to test against. It
// must point at a database the user can create databases from.
const EnvURL = "APPLYQ_TEST_DATABASE_URL"

// DefaultURL is the machine's local server with trust auth.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const templateLockID = 7_101_975_002

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// BaseURL returns the server under test.
func BaseURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// MustDatabaseURL creates a fresh, fully migrated database for tb and returns
// its URL. The database is dropped when the test ends.
func MustDatabaseURL(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx) })
	if templateErr != nil {
		tb.Fatalf("pgtest: preparing the template database on %s: %v\n(set %s to a server you can create databases on; `make db` starts a local one)", redact(BaseURL()), templateErr, EnvURL)
	}
	admin, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		tb.Fatalf("pgtest: connecting to %s: %v", redact(BaseURL()), err)
	}
	defer admin.Close(ctx)
	name := "applyq_t_" + strings.ReplaceAll(domain.NewID().String(), "-", "")
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateName)); err != nil {
		tb.Fatalf("pgtest: creating database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, BaseURL())
		if err != nil {
			tb.Errorf("pgtest: dropping %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			tb.Errorf("pgtest: dropping %s: %v", name, err)
		}
	})
	return withDatabase(BaseURL(), name)
}

// MustPool returns a pool on a fresh database, closed when the test ends.
func MustPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return MustPoolFor(tb, MustDatabaseURL(tb))
}

// MustPoolFor returns a pool on dbURL, closed when the test ends.
func MustPoolFor(tb testing.TB, dbURL string) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		tb.Fatalf("pgtest: pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// ensureTemplate builds (once per migration set, across concurrent test
// processes) a migrated template database and returns its name.
func ensureTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "applyq_tmpl_" + sum
	admin, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		return "", err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock($1)`, templateLockID); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, `SELECT pg_advisory_unlock($1)`, templateLockID) //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building)); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	pool, err := pgxpool.New(ctx, withDatabase(BaseURL(), building))
	if err != nil {
		return "", err
	}
	err = postgres.MigrateUp(ctx, pool)
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrating template: %w", err)
	}
	// Renaming last makes a half-built template invisible after a crash.
	if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// migrationsHash names the template after the migrations' sources and the River
// version, so a changed migration builds a new template.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.Sources, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.Sources, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	h.Write([]byte(riverVersion()))
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(s string) string { return postgres.DescribeURL(s) }

// MustDB returns a store on a fresh database.
func MustDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	return postgres.New(MustPool(tb))
}
