package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

// ReasonDailyLimit is the state_reason of a task held back by the user's
// daily submission limit.
const ReasonDailyLimit = "daily_limit_reached"

// DailyWindow returns the UTC day that now falls in.
func DailyWindow(now time.Time) (start, end time.Time) {
	start = now.UTC().Truncate(24 * time.Hour)
	return start, start.Add(24 * time.Hour)
}

// DailyUsageTx reads, without locking, how many submissions the user made in
// the window around now and the user's limit (the cheap check at claim time).
func (db *DB) DailyUsageTx(ctx context.Context, tx pgx.Tx, userID domain.ID, now time.Time) (used, limit int, err error) {
	start, _ := DailyWindow(now)
	err = tx.QueryRow(ctx, `SELECT u.daily_submission_limit, coalesce(d.used, 0) FROM users u
		LEFT JOIN daily_usage d ON d.user_id = u.id AND d.day = $2::date WHERE u.id = $1`, userID, start).Scan(&limit, &used)
	return used, limit, notFound(err, "user")
}

// ConsumeDailySlotTx counts one submission for the user in the window around
// now, inside the transaction that moves the task to submitting. It reports
// false, changing nothing, when the limit is reached. The usage row stays
// locked until tx ends, so concurrent submissions of one user are counted
// one at a time, and only for the length of a commit.
func (db *DB) ConsumeDailySlotTx(ctx context.Context, tx pgx.Tx, userID domain.ID, now time.Time) (ok bool, limit int, err error) {
	start, _ := DailyWindow(now)
	var used int
	err = tx.QueryRow(ctx, `WITH lim AS (SELECT daily_submission_limit AS n FROM users WHERE id = $1)
		INSERT INTO daily_usage AS d (user_id, day, used) SELECT $1, $2::date, 1 FROM lim WHERE lim.n > 0
		ON CONFLICT (user_id, day) DO UPDATE SET used = d.used + 1 WHERE d.used < (SELECT n FROM lim)
		RETURNING used`, userID, start).Scan(&used)
	if errors.Is(err, pgx.ErrNoRows) {
		_, limit, err = db.DailyUsageTx(ctx, tx, userID, now)
		return false, limit, err
	}
	return err == nil, 0, err
}

// HoldForDailyLimitTx records on a waiting task why it waits.
func (db *DB) HoldForDailyLimitTx(ctx context.Context, tx pgx.Tx, taskID domain.ID, limit int, until time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE application_tasks SET state_reason = $2, last_error = $3, updated_at = now()
		WHERE id = $1 AND state IN ('queued', 'approved')`,
		taskID, ReasonDailyLimit, fmt.Sprintf("daily submission limit of %d reached; continues after %s", limit, until.UTC().Format(time.RFC3339)))
	return err
}
