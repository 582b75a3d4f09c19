package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
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

// TestMigration9_RekeysPastedLinksOfTheNewPlatforms: postings pasted before
// applyq knew SmartRecruiters, Recruitee, Workable and Personio links get
// the key it computes now, so the same posting pasted again or synced from
// its board is the same job (never applied to twice).
func TestMigration9_RekeysPastedLinksOfTheNewPlatforms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.MustPool(t)
	// Down to version 8, as before the upgrade, past any later migration.
	for {
		st, err := postgres.Status(ctx, pool)
		require.NoError(t, err)
		if st.AppVersion == 8 {
			break
		}
		require.Greater(t, st.AppVersion, int64(8))
		require.NoError(t, postgres.MigrateDown(ctx, pool, false))
	}

	user := domain.NewID()
	_, err := pool.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, 'old@example.com')`, user)
	require.NoError(t, err)
	generic := "https://example.com/careers/42"
	genericKey, err := domain.CanonicalJobKey(generic)
	require.NoError(t, err)
	rows := []struct{ url, key string }{
		{"https://acme.recruitee.com/o/backend-engineer", "url:acme.recruitee.com/o/backend-engineer"},
		{"https://apply.workable.com/acme/j/AB12CD/", "url:apply.workable.com/acme/j/ab12cd"},
		// The same Recruitee posting under a second old key: it keeps it.
		{"https://acme.recruitee.com/o/backend-engineer/c/new", "url:acme.recruitee.com/o/backend-engineer/c/new"},
		{generic, genericKey},
	}
	ids := make([]domain.ID, len(rows))
	for i, r := range rows {
		ids[i] = domain.NewID()
		_, err := pool.Exec(ctx, `INSERT INTO job_postings (id, user_id, url, canonical_key) VALUES ($1, $2, $3, $4)`, ids[i], user, r.url, r.key)
		require.NoError(t, err)
	}

	require.NoError(t, postgres.MigrateUp(ctx, pool))
	keyOf := func(id domain.ID) string {
		var k string
		require.NoError(t, pool.QueryRow(ctx, `SELECT canonical_key FROM job_postings WHERE id = $1`, id).Scan(&k))
		return k
	}
	require.Equal(t, domain.BoardPostingKey(domain.PlatformRecruitee, "acme", "backend-engineer"), keyOf(ids[0]))
	require.Equal(t, domain.BoardPostingKey(domain.PlatformWorkable, "", "AB12CD"), keyOf(ids[1]))
	require.Equal(t, rows[2].key, keyOf(ids[2]), "a key another posting of the user has is not taken twice")
	require.Equal(t, genericKey, keyOf(ids[3]))
}
