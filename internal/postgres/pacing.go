package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

// ReasonDailyLimit is the state_reason of a queued task held back by the
// user's daily submission limit.
const ReasonDailyLimit = "daily_limit_reached"

// DailyWindow returns the UTC day that now falls in.
func DailyWindow(now time.Time) (start, end time.Time) {
	start = now.UTC().Truncate(24 * time.Hour)
	return start, start.Add(24 * time.Hour)
}

// ReserveDailySlotTx decides, inside the claim transaction, whether the user
// may start one more submission in the window around now. It locks the user
// row, so concurrent claims for one user are counted one at a time. Tasks
// submitted in the window and tasks already on their way to submission
// (in_progress, awaiting_approval, approved, submitting) count.
func (db *DB) ReserveDailySlotTx(ctx context.Context, tx pgx.Tx, userID domain.ID, now time.Time) (ok bool, limit int, err error) {
	if err := tx.QueryRow(ctx, `SELECT daily_submission_limit FROM users WHERE id = $1 FOR NO KEY UPDATE`, userID).Scan(&limit); err != nil {
		return false, 0, notFound(err, "user")
	}
	start, _ := DailyWindow(now)
	var used int
	err = tx.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM application_tasks WHERE user_id = $1 AND submitting_at >= $2 AND state <> 'submitting')
		+ (SELECT count(*) FROM application_tasks WHERE user_id = $1 AND state IN ('in_progress', 'awaiting_approval', 'approved', 'submitting'))`,
		userID, start).Scan(&used)
	if err != nil {
		return false, 0, err
	}
	return used < limit, limit, nil
}

// HoldForDailyLimitTx records on a queued task why it waits.
func (db *DB) HoldForDailyLimitTx(ctx context.Context, tx pgx.Tx, taskID domain.ID, limit int, until time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE application_tasks SET state_reason = $2, last_error = $3, updated_at = now() WHERE id = $1 AND state = 'queued'`,
		taskID, ReasonDailyLimit, fmt.Sprintf("daily submission limit of %d reached; continues after %s", limit, until.UTC().Format(time.RFC3339)))
	return err
}
