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
