package postgres

import (
	"context"
	"errors"
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
