package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestTaskActions_IllegalAnswer409WithCurrentState: resume and cancel on a
// task in a state where the action is illegal answer 409 illegal_transition
// whose details carry the task's current state (README and OpenAPI promise
// it), and change nothing.
func TestTaskActions_IllegalAnswer409WithCurrentState(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	f := createFixtures(t, b, token)
	id, err := domain.ParseID(f.Task)
	require.NoError(t, err)

	for _, action := range []string{"resume", "cancel"} {
		to := domain.StateQueued
		if action == "cancel" {
			to = domain.StateCancelled
		}
		for _, st := range domain.AllStates {
			if domain.CanTransition(st, to) {
				continue
			}
			pgtest.MustForceState(t, b.db, id, st)
			before := pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1`, id)
			r := b.do(t, req{Method: "POST", Path: "/api/v1/tasks/" + f.Task + "/" + action, Token: token})
			require.Equal(t, http.StatusConflict, r.Status, "%s from %s: %s", action, st, r.Body)
			e := r.Error(t)
			require.Equal(t, domain.EILLEGALTRANSITION, e.Code, "%s from %s", action, st)
			require.Equal(t, string(st), e.Details["current_state"], "%s from %s: %s", action, st, r.Body)
			require.Equal(t, f.Task, e.Details["task_id"])
			require.Contains(t, e.Message, string(st))
			require.Equal(t, st, pgtest.MustTaskState(t, b.db, id), "nothing changed")
			require.Equal(t, before, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1`, id))
		}
	}
}
