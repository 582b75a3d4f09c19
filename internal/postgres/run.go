package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// RunCreate stores a new active run for the user, as given
// (domain.RunCreate.Validate checks it).
func (s *Store) RunCreate(ctx context.Context, userID domain.ID, in domain.RunCreate) (*domain.Run, error) {
	r, err := s.q.RunInsert(ctx, dbsqlc.RunInsertParams{ID: domain.NewID(), UserID: userID, Name: in.Name,
		RequiresApproval: in.RequiresApproval, CoverLetterTemplate: in.CoverLetterTemplate, ApprovalTtlSeconds: ttlSeconds(in.ApprovalTTL),
		ResumeDocumentID: in.ResumeDocumentID, CoverLetterDocumentID: in.CoverLetterDocumentID})
	if err != nil {
		return nil, err
	}
	return runFromRow(r), nil
}

// GetRun returns one of the user's runs (ENOTFOUND for another user's).
func (s *Store) GetRun(ctx context.Context, userID, runID domain.ID) (*domain.Run, error) {
	r, err := s.q.RunGetByID(ctx, dbsqlc.RunGetByIDParams{ID: runID, UserID: userID})
	if err != nil {
		return nil, notFound(err, "run")
	}
	return runFromRow(r), nil
}

// RunSentTaskCount returns how many of the run's tasks are in submitting or
// submitted: applications that went out, or may have.
func (s *Store) RunSentTaskCount(ctx context.Context, runID domain.ID) (int, error) {
	return s.q.RunSentTaskCount(ctx, runID)
}

// RunDelete deletes a run and, by cascade, its tasks.
func (s *Store) RunDelete(ctx context.Context, runID domain.ID) error {
	return s.q.RunDelete(ctx, runID)
}

// runCounts fills StateCounts for runs (every state present, zero when
// none), reading on db.
func runCounts(ctx context.Context, db DBTX, runs []*domain.Run) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]domain.ID, len(runs))
	byID := make(map[domain.ID]*domain.Run, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
		r.StateCounts = make(map[domain.State]int, len(domain.AllStates))
		for _, s := range domain.AllStates {
			r.StateCounts[s] = 0
		}
		byID[r.ID] = r
	}
	rows, err := dbsqlc.New(db).RunTaskCountsByState(ctx, ids)
	if err != nil {
		return err
	}
	for _, r := range rows {
		byID[r.RunID].StateCounts[r.State] = r.Count
	}
	return nil
}

// GetRunWithCounts returns one of the user's runs with per-state task counts.
func (s *Store) GetRunWithCounts(ctx context.Context, userID, runID domain.ID) (*domain.Run, error) {
	run, err := s.GetRun(ctx, userID, runID)
	if err != nil {
		return nil, err
	}
	return run, runCounts(ctx, s.db, []*domain.Run{run})
}

// ListRuns returns a page of the user's runs, newest first, with per-state
// counts, and the cursor of the next page ("" on the last).
func (s *Store) ListRuns(ctx context.Context, userID domain.ID, cursor string, limit int) ([]*domain.Run, string, error) {
	q, err := newListQuery(runsNewest, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	q.Where("user_id = " + q.Arg(userID))
	sql, args := q.SQL(`SELECT ` + runColumns + ` FROM application_runs`)
	rows, _ := s.db.Query(ctx, sql, args...)
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, "", err
	}
	runs, next := nextPage(q, runs, func(r *domain.Run) domain.Cursor { return domain.Cursor{Time: r.CreatedAt, ID: r.ID} })
	return runs, next, runCounts(ctx, s.db, runs)
}

// runColumns and scanRun read the dynamic list: every column, in the
// table's order (sqlc's ApplicationRun).
const runColumns = `application_runs.*`

func scanRun(row pgx.CollectableRow) (*domain.Run, error) {
	r, err := pgx.RowToStructByPos[dbsqlc.ApplicationRun](row)
	if err != nil {
		return nil, err
	}
	return runFromRow(&r), nil
}

// ttlSeconds is a run's approval window as stored: null for the default.
func ttlSeconds(d time.Duration) *int {
	if d == 0 {
		return nil
	}
	n := int(d / time.Second)
	return &n
}
