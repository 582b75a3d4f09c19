package postgres

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

const userColumns = `id, email, profile, daily_submission_limit, role, created_at`

func scanUser(row pgx.Row) (*domain.User, error) {
	var u domain.User
	var profile []byte
	if err := row.Scan(&u.ID, &u.Email, &profile, &u.DailySubmissionLimit, &u.Role, &u.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(profile, &u.Profile); err != nil {
		return nil, err
	}
	return &u, nil
}

// UserByEmail returns the user with this email (case-insensitive), creating it
// on first sign-in.
func (db *DB) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	email = strings.TrimSpace(email)
	return scanUser(db.Pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING `+userColumns+`)
		SELECT * FROM ins UNION ALL SELECT `+userColumns+` FROM users WHERE email = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
		domain.NewID(), email))
}

// GetUser returns a user by id.
func (db *DB) GetUser(ctx context.Context, id domain.ID) (*domain.User, error) {
	u, err := scanUser(db.Pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, notFound(err, "user")
}

// UpdateProfile replaces the user's profile and daily limit.
func (db *DB) UpdateProfile(ctx context.Context, id domain.ID, p domain.Profile, dailyLimit int) (*domain.User, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	u, err := scanUser(db.Pool.QueryRow(ctx, `UPDATE users SET profile = $2, daily_submission_limit = $3, updated_at = now()
		WHERE id = $1 RETURNING `+userColumns, id, b, dailyLimit))
	return u, notFound(err, "user")
}
