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

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
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
	db := postgres.New(pool, nil, a.Log)

	ready := a.Health()
	admin, err := a.ServeAdmin("127.0.0.1:0", ready)
	require.NoError(t, err)
	opts := app.APIOptions(cfg)
	opts.DB, opts.Log, opts.Health = db, a.Log, ready
	srv, err := httpapi.New(opts)
	require.NoError(t, err)
	public := httptest.NewServer(srv.Handler())
	t.Cleanup(public.Close)

	same := func(path string, wantCode int, wantBody string) {
		t.Helper()
		code, body := fetch(t, "http://"+admin.String()+path)
		require.Equal(t, wantCode, code, body)
		require.JSONEq(t, wantBody, body)
		code, body = fetch(t, public.URL+path)
		require.Equal(t, wantCode, code, body)
		require.JSONEq(t, wantBody, body)
	}
	same("/healthz", http.StatusOK, `{"status":"ok"}`)
	same("/readyz", http.StatusOK, `{"status":"ready"}`)

	st, err := postgres.Status(context.Background(), pool)
	require.NoError(t, err)
	require.NoError(t, postgres.MigrateDown(context.Background(), pool, false))
	same("/readyz", http.StatusServiceUnavailable, fmt.Sprintf(`{"status":"unavailable","reason":"schema not at expected version",
		"app_version":%d,"app_expected":%d,"river_version":%d,"river_expected":%d}`, st.AppLatest-1, st.AppLatest, st.RiverLatest, st.RiverLatest))

	code, _ := fetch(t, "http://"+admin.String()+"/metrics")
	require.Equal(t, http.StatusOK, code)
}
