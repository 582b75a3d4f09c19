package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestNotificationPrefs_GetPatchAndTenancy: every kind is mailed until the
// user turns it off; PATCH changes only the kinds given; one user's
// preferences are theirs alone; bad bodies answer 400, no session 401.
func TestNotificationPrefs_GetPatchAndTenancy(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	ada := pgtest.MustSession(t, b.db, uniqueEmail())
	bob := pgtest.MustSession(t, b.db, uniqueEmail())
	get := func(token string) domain.NotificationPrefs {
		t.Helper()
		r := b.do(t, req{Method: "GET", Path: "/api/v1/me/notifications", Token: token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p domain.NotificationPrefs
		r.JSON(t, &p)
		return p
	}
	all := domain.DefaultNotificationPrefs()
	require.Equal(t, all, get(ada))

	r := b.do(t, req{Method: "PATCH", Path: "/api/v1/me/notifications", Token: ada, Body: map[string]any{"run_completed": false, "needs_you": nil}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	want := domain.NotificationPrefs{ApprovalWaiting: true, QuestionsWaiting: true, NeedsYou: true}
	var got domain.NotificationPrefs
	r.JSON(t, &got)
	require.Equal(t, want, got)
	require.Equal(t, want, get(ada))
	require.Equal(t, all, get(bob), "another user's preferences are untouched")

	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/me/notifications", Token: bob, Body: map[string]any{"approval_waiting": false}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, want, get(ada), "and the other way round")
	require.False(t, get(bob).ApprovalWaiting)
	require.True(t, get(bob).RunCompleted)

	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/me/notifications", Token: ada, Body: map[string]any{"run_completed": true}})
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, all, get(ada), "turned on again")

	for _, body := range []string{`{"birthdays": false}`, `{"run_completed": "no"}`, `[]`} {
		r = b.do(t, req{Method: "PATCH", Path: "/api/v1/me/notifications", Token: ada, Body: body})
		require.Equal(t, http.StatusBadRequest, r.Status, body)
		require.Equal(t, domain.EINVALID, r.ErrorCode(t))
	}
	require.Equal(t, all, get(ada), "a refused PATCH changes nothing")
	for _, m := range []string{"GET", "PATCH"} {
		r = b.do(t, req{Method: m, Path: "/api/v1/me/notifications", Body: map[string]any{}})
		require.Equal(t, http.StatusUnauthorized, r.Status, m)
	}
}
