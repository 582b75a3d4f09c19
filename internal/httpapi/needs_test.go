package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// forceWaiting puts a task in st with reason, as a worker leaves it.
func forceWaiting(t *testing.T, b *apiBundle, id domain.ID, st domain.State, reason domain.Reason) {
	t.Helper()
	pgtest.MustForceState(t, b.db, id, st)
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state_reason = $2 WHERE id = $1`, id, string(reason))
	require.NoError(t, err)
}

func TestMarkApplied_API(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	email := uniqueEmail()
	token := pgtest.MustSession(t, b.db, email)
	user, err := b.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	job := pgtest.MustJobs(t, b.db, user, 1)
	first := taskstest.MustAdd(t, b.db, user, pgtest.MustRun(t, b.db, user, pgtest.RunOpts{}), job).Queued[0].TaskID
	second := taskstest.MustAdd(t, b.db, user, pgtest.MustRun(t, b.db, user, pgtest.RunOpts{}), job).Queued[0].TaskID
	path := func(id domain.ID) string { return "/api/v1/tasks/" + id.String() + "/applied" }

	// A queued task cannot be marked: 409 illegal_transition with its state.
	r := b.do(t, req{Method: "POST", Path: path(first), Token: token})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	e := r.Error(t)
	require.Equal(t, domain.EILLEGALTRANSITION, e.Code)
	require.Equal(t, "queued", e.Details["current_state"])

	// Paused, needs you: 200, submitted by hand.
	forceWaiting(t, b, first, domain.StatePaused, domain.ReasonNeedsUser)
	r = b.do(t, req{Method: "POST", Path: path(first), Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got struct{ State, StateReason string }
	r.JSON(t, &struct {
		State       *string `json:"state"`
		StateReason *string `json:"state_reason"`
	}{&got.State, &got.StateReason})
	require.Equal(t, "submitted", got.State)
	require.Equal(t, "applied_by_hand", got.StateReason)

	// The same job in another run: 409 already_applied naming the first.
	forceWaiting(t, b, second, domain.StateFailed, domain.ReasonSubmissionOutcomeUnknown)
	r = b.do(t, req{Method: "POST", Path: path(second), Token: token})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	e = r.Error(t)
	require.Equal(t, domain.EALREADYAPPLIED, e.Code)
	require.Equal(t, first.String(), e.Details["submitted_task_id"])
	require.Equal(t, domain.StateFailed, pgtest.MustTaskState(t, b.db, second))

	// Another user's task: 404.
	other := pgtest.MustSession(t, b.db, uniqueEmail())
	r = b.do(t, req{Method: "POST", Path: path(second), Token: other})
	require.Equal(t, http.StatusNotFound, r.Status)
}

func TestResume_API_NeedsConfirmationAtTheSameWall(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	email := uniqueEmail()
	token := pgtest.MustSession(t, b.db, email)
	user, err := b.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	res := taskstest.MustAdd(t, b.db, user, pgtest.MustRun(t, b.db, user, pgtest.RunOpts{}), pgtest.MustJobs(t, b.db, user, 2))
	wall, plain := res.Queued[0].TaskID, res.Queued[1].TaskID
	forceWaiting(t, b, wall, domain.StatePaused, domain.ReasonNeedsUser)
	forceWaiting(t, b, plain, domain.StatePaused, domain.ReasonApprovalExpired)
	path := func(id domain.ID) string { return "/api/v1/tasks/" + id.String() + "/resume" }

	// No body, no confirmation: 409 saying why; nothing changes.
	r := b.do(t, req{Method: "POST", Path: path(wall), Token: token})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	e := r.Error(t)
	require.Equal(t, domain.ECONFIRMRESUME, e.Code)
	require.Contains(t, e.Message, "same place")
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, b.db, wall))
	// Explicitly not confirmed: the same.
	r = b.do(t, req{Method: "POST", Path: path(wall), Token: token, Body: map[string]any{"confirm": false}})
	require.Equal(t, domain.ECONFIRMRESUME, r.ErrorCode(t))
	// A bad body is 400.
	r = b.do(t, req{Method: "POST", Path: path(wall), Token: token, Body: map[string]any{"confirm": "yes"}})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	// Confirmed: resumed, boosted.
	r = b.do(t, req{Method: "POST", Path: path(wall), Token: token, Body: map[string]any{"confirm": true}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, wall))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND priority = 100`, wall))

	// Nothing suggests it stops again: resumed without a question, no body.
	r = b.do(t, req{Method: "POST", Path: path(plain), Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, plain))
}
