package notifications_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestSetPreferences: the kinds set change, the others stay, per user.
func TestSetPreferences(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	off := false
	p, err := b.svc.SetPreferences(ctx, user.ID, domain.NotificationPrefsUpdate{RunCompleted: &off})
	require.NoError(t, err)
	require.False(t, p.RunCompleted)
	p, err = b.svc.SetPreferences(ctx, user.ID, domain.NotificationPrefsUpdate{NeedsYou: &off})
	require.NoError(t, err)
	require.False(t, p.RunCompleted, "a kind not sent stays as it was")
	require.False(t, p.NeedsYou)
	require.True(t, p.ApprovalWaiting)
	theirs, err := b.db.NotificationPrefs(ctx, other.ID)
	require.NoError(t, err)
	require.True(t, theirs.RunCompleted && theirs.NeedsYou, "another user's are theirs")
}
