package sweeper_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestRepairDigests_LostDigestJob: a pass gives a user whose unsent notice
// lost its digest job (here: deleted outside applyq) a new one, once the
// notice is older than the grace plus the digest window, and counts it
// in the summary; the next pass finds nothing to repair.
func TestRepairDigests_LostDigestJob(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	rc := taskstest.MustRiver(t, b.db)
	b.sw.Notifications = notifications.New(notifications.Options{Pool: b.db.Pool, River: rc, DigestDelay: time.Minute})
	b.sw.OrphanGrace = time.Minute
	require.NoError(t, pgx.BeginFunc(ctx, b.db.Pool, func(tx pgx.Tx) error {
		return notifications.Add(ctx, tx, rc, domain.Notice{UserID: b.user.ID, Kind: domain.NoticeRunCompleted, RunID: &b.run.ID, Subject: b.run.Name}, time.Minute)
	}))
	_, err := b.db.Pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'notice_digest'`)
	require.NoError(t, err)
	jobs := func() int {
		return pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'notice_digest' AND args->>'user_id' = $1::text`, b.user.ID)
	}

	b.now = dbNow(t, b.db).Add(time.Minute) // within grace + window
	res, err := b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, res.DigestsRepaired)
	require.Zero(t, jobs())

	b.now = dbNow(t, b.db).Add(2*time.Minute + time.Second)
	res, err = b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, res.DigestsRepaired)
	require.Contains(t, res.String(), " digests_repaired=1 ")
	require.Equal(t, 1, jobs())

	res, err = b.sw.RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, res.DigestsRepaired, "its job lives now")
	require.True(t, strings.HasPrefix(res.String(), "requeued=0 "))
}
