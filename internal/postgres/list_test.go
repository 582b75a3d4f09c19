package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// walk pages through a list with page size 2 and returns the ids in order.
func walk[T any](t *testing.T, list func(cursor string, limit int) ([]T, string, error), id func(T) domain.ID) []domain.ID {
	t.Helper()
	var ids []domain.ID
	cursor := ""
	for range 100 {
		page, next, err := list(cursor, 2)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 2)
		for _, x := range page {
			ids = append(ids, id(x))
		}
		if next == "" {
			return ids
		}
		cursor = next
	}
	t.Fatal("the pages never end")
	return nil
}

// TestLists_PagesWalkEveryRowOnce: paging through the lists built by
// listQuery, two rows at a time, yields every row once, in the order of a
// single page, rows with equal times included (the id breaks the tie); a
// cursor of one list is refused by another.
func TestLists_PagesWalkEveryRowOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// Five more runs created at the same instant: the id orders them.
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO application_runs (id, user_id, name, created_at)
		SELECT gen_random_uuid(), $1, 'tied ' || g, timestamptz '2030-01-01' FROM generate_series(1, 5) g`, b.user.ID)
	require.NoError(t, err)
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	pgtest.MustRun(t, b.db, other, pgtest.RunOpts{})

	all, next, err := b.db.ListRuns(ctx, b.user.ID, "", 0)
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, all, 6, "only the user's runs")
	want := make([]domain.ID, len(all))
	for i, r := range all {
		want[i] = r.ID
		require.Len(t, r.StateCounts, len(domain.AllStates))
	}
	got := walk(t, func(c string, n int) ([]*domain.Run, string, error) { return b.db.ListRuns(ctx, b.user.ID, c, n) },
		func(r *domain.Run) domain.ID { return r.ID })
	require.Equal(t, want, got)

	jobIDs := pgtest.MustJobs(t, b.db, b.user, 5)
	pgtest.MustJobs(t, b.db, other, 2)
	f := domain.JobFilter{Company: "company _"} // _ is literal: escaped, matches nothing
	jobs, _, err := b.db.JobPostingList(ctx, b.user.ID, f)
	require.NoError(t, err)
	require.Empty(t, jobs)
	f = domain.JobFilter{Text: "company", Source: "web"}
	jobs, _, err = b.db.JobPostingList(ctx, b.user.ID, f)
	require.NoError(t, err)
	require.Len(t, jobs, 5)
	got = walk(t, func(c string, n int) ([]*domain.JobPosting, string, error) {
		f.Cursor, f.Limit = c, n
		return b.db.JobPostingList(ctx, b.user.ID, f)
	}, func(j *domain.JobPosting) domain.ID { return j.ID })
	require.ElementsMatch(t, jobIDs, got)
	for i, j := range jobs {
		require.Equal(t, j.ID, got[i])
	}

	_, runCursor, err := b.db.ListRuns(ctx, b.user.ID, "", 1)
	require.NoError(t, err)
	_, _, err = b.db.JobPostingList(ctx, b.user.ID, domain.JobFilter{Cursor: runCursor})
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	_, _, err = b.db.ListTasks(ctx, b.user.ID, domain.TaskFilter{Cursor: runCursor})
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
}
