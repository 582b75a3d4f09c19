package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

const runColumns = `id, user_id, name, status, requires_approval, cover_letter_template, created_at, updated_at`

func scanRun(row pgx.Row) (*domain.Run, error) {
	var r domain.Run
	if err := row.Scan(&r.ID, &r.UserID, &r.Name, &r.Status, &r.RequiresApproval, &r.CoverLetterTemplate, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	return &r, nil
}

// CreateRun creates an active run for the user.
func (db *DB) CreateRun(ctx context.Context, userID domain.ID, in domain.RunCreate) (*domain.Run, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	run, err := scanRun(db.Pool.QueryRow(ctx, `INSERT INTO application_runs (id, user_id, name, requires_approval, cover_letter_template)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+runColumns, domain.NewID(), userID, in.Name, in.RequiresApproval, in.CoverLetterTemplate))
	return run, notFound(err, "user")
}

// GetRun returns one of the user's runs.
func (db *DB) GetRun(ctx context.Context, userID, runID domain.ID) (*domain.Run, error) {
	run, err := scanRun(db.Pool.QueryRow(ctx, `SELECT `+runColumns+` FROM application_runs WHERE id = $1 AND user_id = $2`, runID, userID))
	return run, notFound(err, "run")
}

// runCountsTx fills StateCounts for runs.
func runCounts(ctx context.Context, q querier, runs []*domain.Run) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]domain.ID, len(runs))
	byID := make(map[domain.ID]*domain.Run, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
		r.StateCounts = map[domain.State]int{}
		for _, s := range domain.AllStates {
			r.StateCounts[s] = 0
		}
		byID[r.ID] = r
	}
	rows, err := q.Query(ctx, `SELECT run_id, state, count(*) FROM application_tasks WHERE run_id = ANY($1) GROUP BY run_id, state`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id domain.ID
		var s domain.State
		var n int
		if err := rows.Scan(&id, &s, &n); err != nil {
			return err
		}
		byID[id].StateCounts[s] = n
	}
	return rows.Err()
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// GetRunWithCounts returns one of the user's runs with per-state task counts.
func (db *DB) GetRunWithCounts(ctx context.Context, userID, runID domain.ID) (*domain.Run, error) {
	run, err := db.GetRun(ctx, userID, runID)
	if err != nil {
		return nil, err
	}
	return run, runCounts(ctx, db.Pool, []*domain.Run{run})
}

// ListRuns returns the user's runs, newest first, with per-state counts.
func (db *DB) ListRuns(ctx context.Context, userID domain.ID, cursor string, limit int) ([]*domain.Run, string, error) {
	c, err := domain.DecodeCursor(cursor, "runs")
	if err != nil {
		return nil, "", err
	}
	limit = pageSize(limit)
	args := []any{userID, limit + 1}
	where := "user_id = $1"
	if c != nil {
		where += " AND (created_at, id) < ($3, $4)"
		args = append(args, c.Time, c.ID)
	}
	rows, _ := db.Pool.Query(ctx, `SELECT `+runColumns+` FROM application_runs WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT $2`, args...)
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(runs) > limit {
		runs = runs[:limit]
		last := runs[limit-1]
		next = domain.Cursor{Kind: "runs", Time: last.CreatedAt, ID: last.ID}.Encode()
	}
	return runs, next, runCounts(ctx, db.Pool, runs)
}

// DeleteRun deletes a run and its tasks, only when none of them was
// submitted or is submitting (ECONFLICT otherwise: that history stays).
func (db *DB) DeleteRun(ctx context.Context, userID, runID domain.ID) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var id domain.ID
		if err := tx.QueryRow(ctx, `SELECT id FROM application_runs WHERE id = $1 AND user_id = $2 FOR UPDATE`, runID, userID).Scan(&id); err != nil {
			return notFound(err, "run")
		}
		var sent int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state IN ('submitting', 'submitted')`, runID).Scan(&sent); err != nil {
			return err
		}
		if sent > 0 {
			return domain.Errorf(domain.ECONFLICT, "run has %d submitted application(s): cancel it instead of deleting it", sent).
				WithDetails(map[string]any{"submitted": sent})
		}
		_, err := tx.Exec(ctx, `DELETE FROM application_runs WHERE id = $1`, runID)
		return err
	})
}

func pageSize(limit int) int {
	if limit <= 0 {
		return domain.DefaultPageSize
	}
	return min(limit, domain.MaxPageSize)
}
