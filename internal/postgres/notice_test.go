package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

func (b *bundle) notice(t *testing.T, n domain.Notice) *domain.Notice {
	t.Helper()
	if n.UserID.IsZero() {
		n.UserID = b.user.ID
	}
	if n.Kind == "" {
		n.Kind, n.Subject = domain.NoticeQuestionsWaiting, "Acme — Engineer"
	}
	out, err := b.db.NoticeAdd(context.Background(), n)
	require.NoError(t, err)
	return out
}

// TestNoticeLockUnsent_OrderSkipLockedAndRefs: a digest takes the user's
// unsent notices oldest first, up to its limit, skipping those another
// digest holds and those already sent; refs_exist says whether the task
// and run a notice names are still there and the user's.
func TestNoticeLockUnsent_OrderSkipLockedAndRefs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	task := pgtest.MustTask(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)[0])
	othersRun := pgtest.MustRun(t, b.db, other, pgtest.RunOpts{})
	gone := domain.NewID()
	var ids []domain.ID
	for _, n := range []domain.Notice{
		{Kind: domain.NoticeNeedsYou, TaskID: &task.ID, RunID: &b.run.ID, Subject: "mine"},
		{Kind: domain.NoticeRunCompleted, RunID: &othersRun.ID, Subject: "another user's run"},
		{Kind: domain.NoticeNeedsYou, TaskID: &gone, Subject: "a deleted task"},
		{},
		{},
	} {
		ids = append(ids, b.notice(t, n).ID)
	}
	b.notice(t, domain.Notice{UserID: other.ID})
	_, err := b.db.NoticeMarkSent(ctx, ids[4:], nil)
	require.NoError(t, err)

	tx1, err := b.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx1.Rollback(ctx) //nolint:errcheck
	first, err := b.db.WithTx(tx1).NoticeLockUnsent(ctx, b.user.ID, 2)
	require.NoError(t, err)
	require.Len(t, first, 2)
	require.Equal(t, ids[0], first[0].ID)
	require.True(t, first[0].RefsExist)
	require.Equal(t, ids[1], first[1].ID)
	require.False(t, first[1].RefsExist, "another user's run")

	rest, err := b.db.NoticeLockUnsent(ctx, b.user.ID, 100)
	require.NoError(t, err)
	require.Len(t, rest, 2, "the held ones are skipped, the sent one is not unsent")
	require.Equal(t, ids[2], rest[0].ID)
	require.False(t, rest[0].RefsExist, "a deleted task")
	require.Equal(t, ids[3], rest[1].ID)
	require.True(t, rest[1].RefsExist, "no task or run to check")

	n, err := b.db.WithTx(tx1).NoticeMarkSent(ctx, []domain.ID{ids[0], ids[1]}, []domain.ID{ids[1]})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.NoError(t, tx1.Commit(ctx))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE id = $1 AND sent_at IS NOT NULL AND NOT skipped`, ids[0]))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE id = $1 AND sent_at IS NOT NULL AND skipped`, ids[1]))
	n, err = b.db.NoticeMarkSent(ctx, []domain.ID{ids[0]}, nil)
	require.NoError(t, err)
	require.Zero(t, n, "a sent notice is not sent again")
}

// TestApprovalRotateTokens_SkipsHeldAndDecided: a digest gives pending
// requests new link hashes, never waiting for one another transaction
// holds, and leaves decided ones alone.
func TestApprovalRotateTokens_SkipsHeldAndDecided(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	pending, old := pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{})
	held, _ := pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{})
	decided, _ := pgtest.MustApproval(t, b.db, b.user, pgtest.ApprovalOpts{})
	_, err := b.db.ApprovalDecide(ctx, decided.ID, domain.ApprovalRejected, "test")
	require.NoError(t, err)
	ids := []domain.ID{pending.ID, held.ID, decided.ID}

	expiries, err := b.db.ApprovalsPendingAmong(ctx, ids)
	require.NoError(t, err)
	require.Len(t, expiries, 2)
	require.WithinDuration(t, pending.ExpiresAt, expiries[pending.ID], time.Millisecond)

	holder, err := b.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer holder.Rollback(ctx) //nolint:errcheck
	_, err = b.db.WithTx(holder).ApprovalGetForUpdate(ctx, postgres.ApprovalKey{ID: held.ID, UserID: b.user.ID})
	require.NoError(t, err)

	tokens, hashes := make([]string, 3), make([][]byte, 3)
	for i := range ids {
		tokens[i], hashes[i] = domain.NewToken(domain.PrefixApproval)
	}
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	changed, err := b.db.ApprovalRotateTokens(quick, ids, hashes)
	require.NoError(t, err, "never waits for the held request")
	require.Len(t, changed, 1)
	require.Contains(t, changed, pending.ID)
	a, err := b.db.ApprovalGet(ctx, postgres.ApprovalKey{TokenHash: domain.HashToken(tokens[0])})
	require.NoError(t, err)
	require.Equal(t, pending.ID, a.ID)
	_, err = b.db.ApprovalGet(ctx, postgres.ApprovalKey{TokenHash: domain.HashToken(old)})
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	for _, tok := range tokens[1:] {
		_, err = b.db.ApprovalGet(ctx, postgres.ApprovalKey{TokenHash: domain.HashToken(tok)})
		require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	}
}

// TestNoticeUsersWithoutDigest: users with an old unsent notice and no
// digest job that will run; a waiting or running job counts, a finished
// or discarded one does not.
func TestNoticeUsersWithoutDigest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	rc := taskstest.MustRiver(t, b.db)
	users := map[string]*domain.User{}
	for _, name := range []string{"no job", "scheduled", "running", "discarded", "sent", "recent"} {
		users[name] = pgtest.MustUser(t, b.db, pgtest.UserOpts{})
		b.notice(t, domain.Notice{UserID: users[name].ID})
	}
	for name, state := range map[string]string{"scheduled": "scheduled", "running": "running", "discarded": "discarded"} {
		require.NoError(t, pgx.BeginFunc(ctx, b.db.Pool, func(tx pgx.Tx) error {
			res, err := rc.InsertTx(ctx, tx, notifications.DigestArgs{UserID: users[name].ID}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE river_job SET state = $2::text::river_job_state,
				finalized_at = CASE WHEN $2::text IN ('completed', 'cancelled', 'discarded') THEN now() END WHERE id = $1`, res.Job.ID, state)
			return err
		}))
	}
	_, err := b.db.Pool.Exec(ctx, `UPDATE notices SET sent_at = now() WHERE user_id = $1`, users["sent"].ID)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `UPDATE notices SET created_at = now() - interval '1 hour' WHERE user_id <> $1`, users["recent"].ID)
	require.NoError(t, err)

	got, err := b.db.NoticeUsersWithoutDigest(ctx, time.Now().Add(-time.Minute), 100)
	require.NoError(t, err)
	require.ElementsMatch(t, []domain.ID{users["no job"].ID, users["discarded"].ID}, got)
	got, err = b.db.NoticeUsersWithoutDigest(ctx, time.Now().Add(-time.Minute), 1)
	require.NoError(t, err)
	require.Len(t, got, 1, "at most max")
}

// TestNotificationPrefs_DefaultsAndPartialUpdates: every kind is on for a
// user without a row; an update changes only what it gives; an unknown
// user is not found.
func TestNotificationPrefs_DefaultsAndPartialUpdates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	p, err := b.db.NotificationPrefs(ctx, b.user.ID)
	require.NoError(t, err)
	require.Equal(t, domain.DefaultNotificationPrefs(), p)
	off, on := false, true
	p, err = b.db.NotificationPrefsUpdate(ctx, b.user.ID, domain.NotificationPrefsUpdate{QuestionsWaiting: &off})
	require.NoError(t, err)
	require.Equal(t, domain.NotificationPrefs{ApprovalWaiting: true, NeedsYou: true, RunCompleted: true}, p)
	p, err = b.db.NotificationPrefsUpdate(ctx, b.user.ID, domain.NotificationPrefsUpdate{RunCompleted: &off, QuestionsWaiting: &on})
	require.NoError(t, err)
	require.Equal(t, domain.NotificationPrefs{ApprovalWaiting: true, QuestionsWaiting: true, NeedsYou: true}, p)
	got, err := b.db.NotificationPrefs(ctx, b.user.ID)
	require.NoError(t, err)
	require.Equal(t, p, got)
	_, err = b.db.NotificationPrefs(ctx, domain.NewID())
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
}
