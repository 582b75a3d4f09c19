package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

func TestMigrations_DownAndUpAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MustPool(t)

	st, err := postgres.Status(ctx, pool)
	require.NoError(t, err)
	require.True(t, st.UpToDate())
	require.Positive(t, st.AppLatest)

	require.NoError(t, postgres.MigrateDown(ctx, pool, true))
	st, err = postgres.Status(ctx, pool)
	require.NoError(t, err)
	require.Zero(t, st.AppVersion)
	require.Zero(t, st.RiverVersion)
	require.False(t, st.UpToDate())
	var tables int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
		AND tablename NOT IN ('goose_db_version')`).Scan(&tables))
	require.Zero(t, tables, "down-all removes every table it created")

	require.NoError(t, postgres.MigrateUp(ctx, pool))
	require.NoError(t, postgres.MigrateUp(ctx, pool), "up is idempotent")
	st, err = postgres.Status(ctx, pool)
	require.NoError(t, err)
	require.True(t, st.UpToDate())
}
