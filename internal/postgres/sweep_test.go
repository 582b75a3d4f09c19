package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
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
	taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 5))
	_, err = b.db.Pool.Exec(ctx, `ANALYZE application_tasks; ANALYZE job_postings; ANALYZE approval_requests; ANALYZE river_job; ANALYZE application_runs`)
	require.NoError(t, err)

	// Run every sweep selection through the store on a traced connection,
	// then EXPLAIN exactly the statements it sent, with their arguments.
	var sent []pgx.TraceQueryStartData
	cfg := b.db.Pool.Config()
	cfg.ConnConfig.Tracer = queryRecorder(func(d pgx.TraceQueryStartData) { sent = append(sent, d) })
	traced, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	defer traced.Close()
	st := postgres.NewStore(traced)
	_, err = st.SweepStuckTasks(ctx, time.Now(), 500)
	require.NoError(t, err)
	_, err = st.SweepExpiredApprovalTasks(ctx, 500)
	require.NoError(t, err)
	_, err = st.SweepOrphanTasks(ctx, time.Now(), 500)
	require.NoError(t, err)
	_, err = st.SweepJobsOfSettledTasks(ctx, 500)
	require.NoError(t, err)
	_, err = st.SweepRunsToComplete(ctx, 500)
	require.NoError(t, err)
	require.Len(t, sent, 5)
	for _, q := range sent {
		name := strings.TrimPrefix(strings.SplitN(q.SQL, "\n", 2)[0], "-- name: ")
		var plan []string
		err := pgx.BeginFunc(ctx, b.db.Pool, func(tx pgx.Tx) error {
			rows, _ := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.SQL, q.Args...)
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

// queryRecorder is a pgx tracer that hands every statement to record.
type queryRecorder func(pgx.TraceQueryStartData)

func (r queryRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r(d)
	return ctx
}

func (queryRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
