package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/metrics"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

type observedBundle struct {
	url     string
	db      *postgres.DB
	logs    *observer.ObservedLogs
	metrics *metrics.Metrics
}

// setupObserved serves the API and the dashboard with their request log
// and request metrics captured.
func setupObserved(t *testing.T) *observedBundle {
	t.Helper()
	db := pgtest.MustDB(t)
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)
	m := metrics.New("api", "test", "test")
	svcs, err := app.NewServices(db.Pool, cfg, log, nil, app.Deps{})
	require.NoError(t, err)
	pageOpts := app.DashboardOptions(cfg, svcs)
	pageOpts.Log = log
	pages, err := dashboard.New(pageOpts)
	require.NoError(t, err)
	opts := apiOptions(t, cfg, db, log)
	opts.Pages, opts.OnRequest = pages, m.ObserveHTTP
	srv, err := httpapi.New(opts)
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &observedBundle{url: ts.URL, db: db, logs: logs, metrics: m}
}

func (b *observedBundle) get(t *testing.T, path, bearer string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.url+path, nil)
	require.NoError(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	_, err = io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode
}

// requestLine returns the access-log line of the only request to path.
func (b *observedBundle) requestLine(t *testing.T, path string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, e := range b.logs.FilterMessage("request").All() {
		if e.ContextMap()["path"] == path {
			found = append(found, e.ContextMap())
		}
	}
	require.Len(t, found, 1, "one access-log line for %s", path)
	return found[0]
}

func (b *observedBundle) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	b.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// TestRequestLog_ErrorsCarryTheirRealStatus: 404 and 401 answers are
// logged and measured with the status sent, not 200.
func TestRequestLog_ErrorsCarryTheirRealStatus(t *testing.T) {
	t.Parallel()
	b := setupObserved(t)
	user := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	session := pgtest.MustSession(t, b.db, user.Email)

	missing := "/api/v1/tasks/" + domain.NewID().String()
	require.Equal(t, http.StatusNotFound, b.get(t, missing, session))
	require.Equal(t, http.StatusUnauthorized, b.get(t, "/api/v1/me", ""))
	require.Equal(t, http.StatusOK, b.get(t, "/api/v1/me", session))

	require.EqualValues(t, http.StatusNotFound, b.requestLine(t, missing)["status"])
	require.Equal(t, "/api/v1/tasks/:id", b.requestLine(t, missing)["route"])
	var me []int64
	for _, e := range b.logs.FilterMessage("request").All() {
		if e.ContextMap()["path"] == "/api/v1/me" {
			me = append(me, e.ContextMap()["status"].(int64))
		}
	}
	require.Equal(t, []int64{http.StatusUnauthorized, http.StatusOK}, me)
	for _, e := range b.logs.FilterMessage("request").All() {
		require.Equal(t, zapcore.DebugLevel, e.Level, "in development a request line is at debug: the terminal shows what happens, not every request")
	}

	page := b.scrape(t)
	for _, sample := range []string{
		`applyq_http_request_duration_seconds_count{method="GET",route="/api/v1/tasks/:id",status="404"} 1`,
		`applyq_http_request_duration_seconds_count{method="GET",route="/api/v1/me",status="401"} 1`,
		`applyq_http_request_duration_seconds_count{method="GET",route="/api/v1/me",status="200"} 1`,
	} {
		require.Contains(t, page, sample+"\n")
	}
	require.NotContains(t, page, `route="/api/v1/tasks/:id",status="200"`)
}

// TestRequestLog_RedactsTokens: approval link tokens in API paths (and the
// dashboard's confirm links) never reach the access log.
func TestRequestLog_RedactsTokens(t *testing.T) {
	t.Parallel()
	b := setupObserved(t)
	owner := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, token := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{})
	unknown, _ := domain.NewToken(domain.PrefixApproval)
	magic, _ := domain.NewToken(domain.PrefixMagicLink)

	require.Equal(t, http.StatusOK, b.get(t, "/api/v1/approvals/"+token, ""))
	require.Equal(t, http.StatusNotFound, b.get(t, "/api/v1/approvals/"+unknown, ""))
	require.Equal(t, http.StatusOK, b.get(t, "/approvals/confirm?token="+token, ""))
	require.Equal(t, http.StatusOK, b.get(t, "/auth/confirm?token="+magic, ""))

	entries := b.logs.All()
	require.NotEmpty(t, entries)
	for _, e := range entries {
		line := e.Message + " " + strings.Join(fieldStrings(e.ContextMap()), " ")
		for _, secret := range []string{token, unknown, magic} {
			require.NotContains(t, line, secret[len("aqa_"):], "a logged line carries a token")
		}
	}
	redacted := 0
	for _, e := range b.logs.FilterMessage("request").All() {
		if e.ContextMap()["path"] == "/api/v1/approvals/aqa_REDACTED" {
			redacted++
		}
	}
	require.Equal(t, 2, redacted, "the API paths are logged, redacted")
}

func fieldStrings(m map[string]any) []string {
	var out []string
	for k, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, k+"="+s)
		}
	}
	return out
}
