// Package taskstest gives tests the application service on a test database
// (internal/postgres/pgtest), and the fixtures that go through it.
package taskstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
)

// MustRiver returns an insert-only River client on db's pool.
func MustRiver(tb testing.TB, db *postgres.DB) *river.Client[pgx.Tx] {
	tb.Helper()
	c, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{MaxAttempts: tasks.JobMaxAttempts, FetchCooldown: time.Millisecond})
	if err != nil {
		tb.Fatalf("taskstest: River client: %v", err)
	}
	return c
}

// MustService returns the application service on db's pool (o's Pool and
// River, when unset, are db's pool and an insert-only client on it).
func MustService(tb testing.TB, db *postgres.DB, o tasks.Options) *tasks.Service {
	tb.Helper()
	if o.Pool == nil {
		o.Pool = db.Pool
	}
	if o.River == nil {
		o.River = MustRiver(tb, db)
	}
	return tasks.New(o)
}

// defaults holds one service per store for MustAdd.
var defaults sync.Map // *postgres.DB → *tasks.Service

// MustAdd adds jobs to a run through the service (tasks and their River
// jobs, as the API does) and returns the result.
func MustAdd(tb testing.TB, db *postgres.DB, user *domain.User, run *domain.Run, jobIDs []domain.ID) *domain.AddJobsResult {
	tb.Helper()
	svc, ok := defaults.Load(db)
	if !ok {
		svc, _ = defaults.LoadOrStore(db, MustService(tb, db, tasks.Options{}))
		tb.Cleanup(func() { defaults.Delete(db) })
	}
	res, err := svc.(*tasks.Service).AddJobs(context.Background(), user.ID, run.ID, jobIDs, domain.UserActor(user.ID))
	if err != nil {
		tb.Fatalf("MustAdd: %v", err)
	}
	return res
}
