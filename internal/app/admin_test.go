package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/metrics"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// requireSameAnswer GETs path from each base URL and requires the same
// status and JSON body from all.
func requireSameAnswer(t *testing.T, bases []string, path string, wantCode int, wantBody string) {
	t.Helper()
	for _, base := range bases {
		res, err := http.Get(base + path)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		require.NoError(t, err)
		require.Equal(t, wantCode, res.StatusCode, "%s%s: %s", base, path, body)
		require.JSONEq(t, wantBody, string(body), base)
	}
}

// TestReadiness_SameOnEveryListener: the API's public port and its admin
// listener answer /healthz and /readyz alike, also when not ready (a
// schema behind the binary: the answer names the versions).
func TestReadiness_SameOnEveryListener(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.MustDatabaseURL(t)
	pool := pgtest.MustPoolFor(t, dbURL)
	a := &app.App{Process: "api", Log: zaptest.NewLogger(t), Pool: pool, Metrics: metrics.New("api", "test", "test")}
	t.Cleanup(a.Close)
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	db := postgres.New(pool)

	ready := a.Health()
	admin, err := a.ServeAdmin("127.0.0.1:0", ready)
	require.NoError(t, err)
	opts := app.APIOptions(cfg, nil)
	opts.DB, opts.Log, opts.Health = db, a.Log, ready
	srv, err := httpapi.New(opts)
	require.NoError(t, err)
	public := httptest.NewServer(srv.Handler())
	t.Cleanup(public.Close)

	same := func(path string, wantCode int, wantBody string) {
		t.Helper()
		requireSameAnswer(t, []string{"http://" + admin.String(), public.URL}, path, wantCode, wantBody)
	}
	same("/healthz", http.StatusOK, `{"status":"ok"}`)
	same("/readyz", http.StatusOK, `{"status":"ready"}`)

	require.NoError(t, postgres.MigrateDown(context.Background(), pool, false))
	st, err := postgres.Status(context.Background(), pool)
	require.NoError(t, err)
	require.Less(t, st.AppVersion, st.AppLatest)
	same("/readyz", http.StatusServiceUnavailable, fmt.Sprintf(`{"status":"unavailable","reason":"schema not at expected version",
		"app_version":%d,"app_expected":%d,"river_version":%d,"river_expected":%d}`, st.AppVersion, st.AppLatest, st.RiverLatest, st.RiverLatest))

	res, err := http.Get("http://" + admin.String() + "/metrics")
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "the admin listener serves the metrics too")
}
