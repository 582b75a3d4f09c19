package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// discovered is a hosted form as the browser reads it.
func discovered(readAt time.Time) *domain.DiscoveredForm {
	qs := []domain.Question{
		{Field: "name", Label: "Full name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "name"},
		{Field: "comments", Label: "Additional information", Kind: domain.QuestionTextarea, Section: domain.SectionStandard, Fills: "cover_letter"},
		{Field: "cards[0][field0]", Label: "Are you legally authorized to work in the US?", Kind: domain.QuestionSingleSelect, Required: true,
			Section: domain.SectionCustom, Options: []domain.QuestionOption{{Label: "Yes", Value: "Yes"}, {Label: "No", Value: "No"}}},
	}
	return &domain.DiscoveredForm{Questions: qs, Hash: domain.FormHash(qs), URL: "https://jobs.lever.co/acme/123/apply", ReadAt: readAt}
}

// TestJobPostingSetForm_RoundTrip: the form the browser read is stored
// on the user's job and comes back, as it was, wherever a job is read (by
// id, in the list, with a task, when the same posting is pasted again);
// another user's job is not found and keeps nothing; a later read
// replaces it.
func TestJobPostingSetForm_RoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	jobID := pgtest.MustJobs(t, b.db, b.user, 1)[0]
	job, err := b.db.GetJob(ctx, b.user.ID, jobID)
	require.NoError(t, err)
	require.Nil(t, job.Form, "never read")

	form := discovered(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	require.NoError(t, b.db.JobPostingSetForm(ctx, b.user.ID, jobID, form))

	job, err = b.db.GetJob(ctx, b.user.ID, jobID)
	require.NoError(t, err)
	require.Equal(t, form, withUTC(job.Form))
	require.Equal(t, "cover_letter", job.Form.Questions[1].Fills)
	require.Nil(t, job.Questions, "the board's own questions stay unknown")
	require.Equal(t, form.Questions, job.FormQuestions())

	list, _, err := b.db.JobPostingList(ctx, b.user.ID, domain.JobFilter{Limit: 10})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, form, withUTC(list[0].Form))

	again, inserted, err := b.db.JobPostingInsertOrGet(ctx, postgres.JobPostingInsert{UserID: b.user.ID, CanonicalKey: job.CanonicalKey,
		URL: job.URL, Raw: []byte(`{}`)})
	require.NoError(t, err)
	require.False(t, inserted)
	require.Equal(t, form, withUTC(again.Form))

	var taskID domain.ID
	require.NoError(t, b.db.Pool.QueryRow(ctx, `INSERT INTO application_tasks (id, user_id, run_id, job_id) VALUES ($1, $2, $3, $4) RETURNING id`,
		domain.NewID(), b.user.ID, b.run.ID, jobID).Scan(&taskID))
	app, err := b.db.TaskApplicationForUpdate(ctx, taskID, time.Now())
	require.NoError(t, err)
	require.Equal(t, form, withUTC(app.Job.Form))
	detail, err := b.db.GetTaskDetail(ctx, b.user.ID, taskID)
	require.NoError(t, err)
	require.Equal(t, form, withUTC(detail.Job.Form))

	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	err = b.db.JobPostingSetForm(ctx, other.ID, jobID, discovered(time.Now()))
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "another user's job")
	job, err = b.db.GetJob(ctx, b.user.ID, jobID)
	require.NoError(t, err)
	require.Equal(t, form, withUTC(job.Form), "unchanged")

	later := discovered(form.ReadAt.Add(48 * time.Hour))
	later.Questions = later.Questions[:1]
	later.Hash = domain.FormHash(later.Questions)
	require.NoError(t, b.db.JobPostingSetForm(ctx, b.user.ID, jobID, later))
	job, err = b.db.GetJob(ctx, b.user.ID, jobID)
	require.NoError(t, err)
	require.Equal(t, later, withUTC(job.Form), "a later read replaces it")
}

// withUTC gives a form read back its read time in UTC (JSON keeps the
// instant, not the location), for comparisons.
func withUTC(f *domain.DiscoveredForm) *domain.DiscoveredForm {
	if f == nil {
		return nil
	}
	out := *f
	out.ReadAt = out.ReadAt.UTC()
	return &out
}

// TestMigration14_DiscoveredFormDownAndUp: migration 14 adds
// job_postings.discovered_form (null for the postings there were) and
// its Down removes it, keeping the postings.
func TestMigration14_DiscoveredFormDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.MustDB(t)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	jobID := pgtest.MustJobs(t, db, user, 1)[0]
	require.NoError(t, db.JobPostingSetForm(ctx, user.ID, jobID, discovered(time.Now())))
	hasColumn := func() bool {
		var n int
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
			WHERE table_name = 'job_postings' AND column_name = 'discovered_form'`).Scan(&n))
		return n == 1
	}
	require.True(t, hasColumn())

	require.NoError(t, postgres.MigrateDownTo(ctx, db.Pool, 13))
	require.False(t, hasColumn(), "down drops the column")
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM job_postings WHERE id = $1`, jobID), "and keeps the posting")

	require.NoError(t, postgres.MigrateUp(ctx, db.Pool))
	require.True(t, hasColumn())
	job, err := db.GetJob(ctx, user.ID, jobID)
	require.NoError(t, err)
	require.Nil(t, job.Form, "a posting from before was never read")
}

// TestTaskListOpenForJobs_UsesAnIndexOnJobID: the sync's lookup of the
// open tasks of closed postings (job_id = ANY(…)) goes through an index
// led by job_id instead of reading every task. (Sequential scans are
// turned off so the tiny test table does not make the planner prefer one
// anyway: with no usable index it would still scan.)
func TestTaskListOpenForJobs_UsesAnIndexOnJobID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	jobs := pgtest.MustJobs(t, b.db, b.user, 3)
	for _, j := range jobs {
		pgtest.MustTask(t, b.db, b.user, b.run, j)
	}
	tx, err := b.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, `SET LOCAL enable_seqscan = off`)
	require.NoError(t, err)
	rows, err := tx.Query(ctx, `EXPLAIN SELECT * FROM application_tasks
		WHERE job_id = ANY($1::uuid[])
		  AND (state IN ('queued', 'in_progress', 'awaiting_approval', 'approved', 'failed')
		       OR (state = 'paused' AND state_reason <> 'submission_outcome_unknown'))
		ORDER BY id FOR UPDATE`, jobs[:2])
	require.NoError(t, err)
	var lines []string
	for rows.Next() {
		var l string
		require.NoError(t, rows.Scan(&l))
		lines = append(lines, l)
	}
	require.NoError(t, rows.Err())
	full := strings.Join(lines, "\n")
	require.Contains(t, full, "application_tasks_job_idx", full)
	require.Contains(t, full, "Index Cond: (job_id = ANY", full)

	// The query the store runs is this one.
	open, err := b.db.TaskListOpenForJobs(ctx, jobs[:2])
	require.NoError(t, err)
	require.Len(t, open, 2)
}
