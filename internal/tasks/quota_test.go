package tasks_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// requireLimited checks err is ERATELIMITED naming setting, with a wait
// of at most window seconds.
func requireLimited(t *testing.T, err error, setting string, window int) {
	t.Helper()
	require.Equal(t, domain.ERATELIMITED, domain.ErrorCode(err), "%v", err)
	d := domain.ErrorDetails(err)
	require.Equal(t, setting, d["limit"])
	require.Positive(t, d["retry_after"])
	require.LessOrEqual(t, d["retry_after"], window)
}

// TestQuotas_AnswersSourcesAndSyncsNow: a user's answers per hour,
// sources added per day and "sync now" per source per hour are counted in
// Postgres (shared by every service on the database); beyond each, the
// request is ERATELIMITED and changes nothing; another user, or another
// source, is not affected.
func TestQuotas_AnswersSourcesAndSyncsNow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	q := domain.Quotas{AnswersPerHour: 3, SourcesPerDay: 2, SyncsPerSourcePerHour: 2}
	board := &fakeBoard{snap: listing()}
	boards := map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: board}
	svc := taskstest.MustService(t, b.db, tasks.Options{Quotas: q, Boards: boards})
	replica := taskstest.MustService(t, b.db, tasks.Options{Quotas: q, Boards: boards}) // another API process

	for i := range 3 {
		_, err := []*tasks.Service{svc, replica}[i%2].Answer(ctx, b.user.ID, tasks.AnswerInput{Label: fmt.Sprintf("Question %d?", i), Value: "Yes"}, "test")
		require.NoError(t, err)
	}
	_, err := replica.Answer(ctx, b.user.ID, tasks.AnswerInput{Label: "One more?", Value: "Yes"}, "test")
	requireLimited(t, err, "quotas.answers_per_hour", 3600)
	require.Equal(t, 3, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`))
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err = svc.Answer(ctx, other.ID, tasks.AnswerInput{Label: "Question 0?", Value: "Yes"}, "test")
	require.NoError(t, err, "another user's answers are theirs")

	var srcs []*domain.Source
	for _, board := range []string{"acme", "globex"} {
		src, err := svc.AddSource(ctx, b.user.ID, domain.SourceCreate{Platform: domain.PlatformGreenhouse, Board: board})
		require.NoError(t, err)
		srcs = append(srcs, src)
	}
	_, err = replica.AddSource(ctx, b.user.ID, domain.SourceCreate{Platform: domain.PlatformGreenhouse, Board: "initech"})
	requireLimited(t, err, "quotas.sources_per_day", 24*3600)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sources`))

	for range 2 {
		_, err := svc.SyncSourceNow(ctx, b.user.ID, srcs[0].ID)
		require.NoError(t, err)
	}
	_, err = replica.SyncSourceNow(ctx, b.user.ID, srcs[0].ID)
	requireLimited(t, err, "quotas.syncs_per_source_per_hour", 3600)
	_, err = svc.SyncSourceNow(ctx, b.user.ID, srcs[1].ID)
	require.NoError(t, err, "each source has its own")
}
