package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// DailyUsageConsume counts one submission for the user on day unless the
// user's limit is reached; it reports whether it counted. The usage row
// stays locked until the transaction ends.
func (s *Store) DailyUsageConsume(ctx context.Context, userID domain.ID, day time.Time) (bool, error) {
	_, err := s.q.DailyUsageConsume(ctx, dbsqlc.DailyUsageConsumeParams{UserID: userID, Day: day})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// DailyUsage returns the user's submissions on day and the user's limit.
func (s *Store) DailyUsage(ctx context.Context, userID domain.ID, day time.Time) (used, limit int, err error) {
	r, err := s.q.DailyUsageGet(ctx, dbsqlc.DailyUsageGetParams{UserID: userID, Day: day})
	if err != nil {
		return 0, 0, notFound(err, "user")
	}
	return r.Used, r.DailySubmissionLimit, nil
}

// Notify sends each (channels[i], payloads[i]) once, delivered when the
// transaction commits.
func (s *Store) Notify(ctx context.Context, channels, payloads []string) error {
	if len(channels) == 0 {
		return nil
	}
	return s.q.Notify(ctx, dbsqlc.NotifyParams{Channels: channels, Payloads: payloads})
}

// DailyUsageConsumeMany counts up to wants[userID] submissions for each
// user on day, as many as each user's limit allows, and returns how many
// each got. Counter rows are created if needed and locked in user id order.
func (s *Store) DailyUsageConsumeMany(ctx context.Context, wants map[domain.ID]int, day time.Time) (map[domain.ID]int, error) {
	users := make([]domain.ID, 0, len(wants))
	for u := range wants {
		users = append(users, u)
	}
	slices.SortFunc(users, domain.ID.Compare)
	counts := make([]int, len(users))
	for i, u := range users {
		counts[i] = wants[u]
	}
	if err := s.q.DailyUsageEnsure(ctx, dbsqlc.DailyUsageEnsureParams{UserIds: users, Day: day}); err != nil {
		return nil, err
	}
	rows, err := s.q.DailyUsageConsumeMany(ctx, dbsqlc.DailyUsageConsumeManyParams{UserIds: users, Wants: counts, Day: day})
	if err != nil {
		return nil, err
	}
	out := make(map[domain.ID]int, len(rows))
	for _, r := range rows {
		out[r.UserID] = r.Granted
	}
	return out, nil
}
