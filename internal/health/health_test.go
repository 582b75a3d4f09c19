package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/health"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// get serves path from c's handlers and decodes the answer.
func get(t *testing.T, c *health.Checker, path string) (int, map[string]any) {
	t.Helper()
	mux := http.NewServeMux()
	c.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	return rec.Code, body
}

// TestChecker: /healthz answers ok without running a check; /readyz runs
// every check within the timeout and answers the first failure's reason and
// details.
func TestChecker(t *testing.T) {
	t.Parallel()
	ran := 0
	pass := func(ctx context.Context) error {
		ran++
		deadline, ok := ctx.Deadline()
		require.True(t, ok)
		require.LessOrEqual(t, time.Until(deadline), health.Timeout)
		return nil
	}
	down := func(context.Context) error { return errors.New("LISTEN connection down") }
	behind := func(context.Context) error {
		return &health.NotReady{Reason: "schema not at expected version", Details: map[string]any{"app_version": 6}}
	}

	code, body := get(t, health.New(pass, down), "/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, map[string]any{"status": "ok"}, body)
	require.Zero(t, ran, "liveness checks nothing")

	code, body = get(t, health.New(pass, pass), "/readyz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, map[string]any{"status": "ready"}, body)
	require.Equal(t, 2, ran)

	code, body = get(t, health.New(pass, down, behind), "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, map[string]any{"status": "unavailable", "reason": "LISTEN connection down"}, body)

	code, body = get(t, health.New(behind), "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, map[string]any{"status": "unavailable", "reason": "schema not at expected version", "app_version": 6.0}, body)
}

// TestSchema: ready on a migrated database; on one a migration behind, not
// ready with the versions; unreachable, not ready without leaking why.
func TestSchema(t *testing.T) {
	t.Parallel()
	pool := pgtest.MustPoolFor(t, pgtest.MustDatabaseURL(t))
	st, err := postgres.Status(context.Background(), pool)
	require.NoError(t, err)
	c := health.New(health.Schema(pool))

	code, _ := get(t, c, "/readyz")
	require.Equal(t, http.StatusOK, code)

	require.NoError(t, postgres.MigrateDown(context.Background(), pool, false))
	down, err := postgres.Status(context.Background(), pool)
	require.NoError(t, err)
	require.Less(t, down.AppVersion, st.AppLatest)
	code, body := get(t, c, "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, map[string]any{"status": "unavailable", "reason": "schema not at expected version",
		"app_version": float64(down.AppVersion), "app_expected": float64(st.AppLatest),
		"river_version": float64(st.RiverLatest), "river_expected": float64(st.RiverLatest)}, body)

	pool.Close()
	code, body = get(t, c, "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, map[string]any{"status": "unavailable", "reason": "database unreachable"}, body)
}
