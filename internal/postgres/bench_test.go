package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// BenchmarkTransitionTx measures one guarded transition (UPDATE, transition
// row, NOTIFY) in its own transaction: queued → cancelled for b.N tasks.
func BenchmarkTransitionTx(b *testing.B) {
	db := pgtest.MustDB(b)
	user := pgtest.MustUser(b, db, pgtest.UserOpts{})
	run := pgtest.MustRun(b, db, user, pgtest.RunOpts{})
	n := b.N
	res := pgtest.MustAdd(b, db, user, run, pgtest.MustJobs(b, db, user, min(n, postgres.MaxJobsPerAdd)))
	ids := make([]domain.ID, 0, n)
	for _, q := range res.Queued {
		ids = append(ids, q.TaskID)
	}
	for len(ids) < n {
		more := pgtest.MustAdd(b, db, user, pgtest.MustRun(b, db, user, pgtest.RunOpts{}), pgtest.MustJobs(b, db, user, min(n-len(ids), postgres.MaxJobsPerAdd)))
		for _, q := range more.Queued {
			ids = append(ids, q.TaskID)
		}
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		err := db.InTx(ctx, func(tx pgx.Tx) error {
			_, err := db.TransitionTx(ctx, tx, postgres.TransitionParams{TaskID: ids[i], From: domain.StateQueued, To: domain.StateCancelled, Actor: "bench"})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
