package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// ticked returns which notification checkboxes a profile page has ticked.
func ticked(t *testing.T, page string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	re := regexp.MustCompile(`<input type="checkbox" name="([a-z_]+)" value="on" (checked)?>`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2] == "checked"
	}
	require.Len(t, out, 4, "four kinds of notice")
	return out
}

// TestProfile_Notifications: the profile page's Notifications form shows
// every kind ticked until the user unticks some; saving it stores exactly
// the ticked kinds for that user alone, and the profile form leaves them.
func TestProfile_Notifications(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ada, session := b.user(t)
	bob, _ := b.user(t)
	ctx := context.Background()

	res, page := b.get(t, "/profile", session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, `<h2 id="notifications">Notifications</h2>`)
	require.Equal(t, map[string]bool{"approval_waiting": true, "questions_waiting": true, "needs_you": true, "run_completed": true}, ticked(t, page))

	res, _ = b.post(t, "/profile", url.Values{"section": {"notifications"}, "approval_waiting": {"on"}, "needs_you": {"on"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/profile?msg=profile_saved", res.Header.Get("Location"))
	want := domain.NotificationPrefs{ApprovalWaiting: true, NeedsYou: true}
	got, err := b.db.NotificationPrefs(ctx, ada.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, page = b.get(t, "/profile", session)
	require.Equal(t, map[string]bool{"approval_waiting": true, "questions_waiting": false, "needs_you": true, "run_completed": false}, ticked(t, page))
	other, err := b.db.NotificationPrefs(ctx, bob.ID)
	require.NoError(t, err)
	require.Equal(t, domain.DefaultNotificationPrefs(), other, "another user's preferences are untouched")

	// The profile form (valid or not) leaves the notifications as they are.
	res, page = b.post(t, "/profile", url.Values{"name": {"Ada"}, "daily_submission_limit": {"many"}}, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Equal(t, map[string]bool{"approval_waiting": true, "questions_waiting": false, "needs_you": true, "run_completed": false}, ticked(t, page))
	res, _ = b.post(t, "/profile", url.Values{"name": {"Ada"}, "daily_submission_limit": {"10"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	got, err = b.db.NotificationPrefs(ctx, ada.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
}
