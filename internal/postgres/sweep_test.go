package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestSweepQueries_UseIndexesNotTheTable fills the table with settled tasks
// and checks that no sweep query scans application_tasks (or
// approval_requests) sequentially: their cost follows the rows to fix.
func TestSweepQueries_UseIndexesNotTheTable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const settled = 100_000
	old := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	_, err := b.db.Pool.Exec(ctx, `
		INSERT INTO job_postings (id, user_id, canonical_key)
		SELECT gen_random_uuid(), $1, 'bulk:' || g FROM generate_series(1, $2) g;
		`, b.user.ID, settled)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `
		INSERT INTO application_tasks (id, user_id, run_id, job_id, state, submitting_at, submitted_at)
		SELECT gen_random_uuid(), $1, $2, id, 'submitted', now(), now() FROM job_postings WHERE user_id = $1`, b.user.ID, old.ID)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `
		INSERT INTO approval_requests (id, task_id, user_id, token_hash, status, packet, created_at, expires_at, decided_at)
		SELECT gen_random_uuid(), id, user_id, sha256(id::text::bytea), 'approved', '{}', now() - interval '1 day', now() - interval '23 hours', now() - interval '23 hours'
		FROM application_tasks`)
	require.NoError(t, err)
	// The settled tasks belong to finished runs, as they would; the active
	// run has a few of its own.
	_, err = b.db.Pool.Exec(ctx, `UPDATE application_runs SET status = 'completed' WHERE id = $1`, old.ID)
	require.NoError(t, err)
	pgtest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 5))
	_, err = b.db.Pool.Exec(ctx, `ANALYZE application_tasks; ANALYZE job_postings; ANALYZE approval_requests; ANALYZE river_job; ANALYZE application_runs`)
	require.NoError(t, err)

	args := map[string][]any{
		"stuck":                 {time.Now(), 500},
		"expired_approvals":     {500},
		"orphans":               {time.Now(), 500},
		"jobs_of_settled_tasks": {500},
		"complete_runs":         {500},
	}
	for name, query := range postgres.SweepSQL {
		var plan []string
		err := b.db.InTx(ctx, func(tx pgx.Tx) error {
			rows, _ := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query, args[name]...)
			var err error
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		require.NoError(t, err, name)
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", name, text)
		require.NotContains(t, text, "Seq Scan on application_tasks", name)
		require.NotContains(t, text, "Seq Scan on approval_requests", name)
	}
}
