package tasks_test

import (
	"context"
	"testing"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// BenchmarkMove measures one guarded move (UPDATE and timeline row in one
// statement, NOTIFY) in its own transaction: queued → cancelled for b.N
// tasks.
func BenchmarkMove(b *testing.B) {
	db := pgtest.MustDB(b)
	svc := taskstest.MustService(b, db, tasks.Options{})
	user := pgtest.MustUser(b, db, pgtest.UserOpts{})
	run := pgtest.MustRun(b, db, user, pgtest.RunOpts{})
	n := b.N
	res := taskstest.MustAdd(b, db, user, run, pgtest.MustJobs(b, db, user, min(n, domain.MaxJobsPerAdd)))
	ids := make([]domain.ID, 0, n)
	for _, q := range res.Queued {
		ids = append(ids, q.TaskID)
	}
	for len(ids) < n {
		more := taskstest.MustAdd(b, db, user, pgtest.MustRun(b, db, user, pgtest.RunOpts{}), pgtest.MustJobs(b, db, user, min(n-len(ids), domain.MaxJobsPerAdd)))
		for _, q := range more.Queued {
			ids = append(ids, q.TaskID)
		}
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		_, err := svc.MoveOnce(ctx, postgres.Move{TaskID: ids[i], From: domain.StateQueued, To: domain.StateCancelled, Actor: "bench"})
		if err != nil {
			b.Fatal(err)
		}
	}
}
