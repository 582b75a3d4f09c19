package httpapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestUpdateMe_ConcurrentEditsKeepEachOthersFields: two PATCH /me of
// different fields, both waiting on the user's row at once (a transaction
// of the test holds it), both land: each changes its own field on the row
// as it is when it gets it, never on the copy read when the request was
// authenticated.
func TestUpdateMe_ConcurrentEditsKeepEachOthersFields(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	ctx := context.Background()
	email := "ada@example.test"
	token := pgtest.MustSession(t, b.db, email)
	user, err := b.db.UserByEmail(ctx, email)
	require.NoError(t, err)

	tx, err := b.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, user.ID)
	require.NoError(t, err)

	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, body := range []map[string]any{{"phone": "+44 20 7946 0000"}, {"location": "London"}} {
		wg.Go(func() {
			statuses[i] = b.do(t, req{Method: http.MethodPatch, Path: "/api/v1/me", Token: token, Body: body}).Status
		})
	}
	require.Eventually(t, func() bool { // both wait for the row
		return pgtest.MustCount(t, b.db, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 2
	}, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, tx.Rollback(ctx))
	wg.Wait()
	require.Equal(t, []int{http.StatusOK, http.StatusOK}, statuses)
	got, err := b.db.GetUser(ctx, user.ID)
	require.NoError(t, err)
	require.Equal(t, "+44 20 7946 0000", got.Profile.Phone)
	require.Equal(t, "London", got.Profile.Location, "neither edit undid the other")
}
