package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// codeBundle serves the API with every log line (debug included) captured,
// for a user whose task is in submitting.
type codeBundle struct {
	*apiBundle
	logs  *observer.ObservedLogs
	svc   *tasks.Service // the worker's side: asks and takes codes
	token string
	user  *domain.User
	task  domain.ID
}

func setupCodes(t *testing.T) *codeBundle {
	t.Helper()
	db := pgtest.MustDB(t)
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	core, logs := observer.New(zapcore.DebugLevel)
	srv, err := httpapi.New(apiOptions(t, cfg, db, zap.New(core)))
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	email := uniqueEmail()
	token := pgtest.MustSession(t, db, email)
	user, err := db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	res := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1))
	task := res.Queued[0].TaskID
	pgtest.MustForceState(t, db, task, domain.StateSubmitting)
	return &codeBundle{apiBundle: &apiBundle{srv: ts, db: db, cfg: cfg}, logs: logs, svc: taskstest.MustService(t, db, tasks.Options{}),
		token: token, user: user, task: task}
}

func (b *codeBundle) ask(t *testing.T) time.Time {
	t.Helper()
	until := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Millisecond)
	require.NoError(t, b.svc.AskCode(context.Background(), domain.CodeRequest{TaskID: b.task, Platform: domain.PlatformGreenhouse,
		Address: "ada.lovelace@example.com", Attempt: 1, Until: until}))
	return until
}

func (b *codeBundle) give(t *testing.T, token, task, code string) resp {
	t.Helper()
	return b.do(t, req{Method: "POST", Path: "/api/v1/tasks/" + task + "/code", Token: token, Body: map[string]string{"code": code}})
}

// noCodeInLogs fails when a code appears in any captured log line.
func (b *codeBundle) noCodeInLogs(t *testing.T, codes ...string) {
	t.Helper()
	require.NotZero(t, b.logs.Len(), "requests were logged")
	for _, e := range b.logs.All() {
		line := fmt.Sprintf("%s %v", e.Message, e.ContextMap())
		for _, code := range codes {
			require.NotContains(t, line, code, "a log line holds the code")
		}
	}
}

// TestGiveCode_API: POST /api/v1/tasks/{id}/code answers 202 given while
// the form waits (GET shows code_request, in the list too), 400 for what is
// not a code, 404 for another user's task, 409 when nothing waits, 410
// once the page stopped waiting; the code never reaches a log line or an
// answer.
func TestGiveCode_API(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	id := b.task.String()

	r := b.give(t, b.token, id, "AB12CD34")
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Equal(t, "conflict", r.ErrorCode(t))

	var got struct {
		StateReason string `json:"state_reason"`
		CodeRequest *struct {
			Address   string     `json:"address"`
			ExpiresAt time.Time  `json:"expires_at"`
			Attempt   int        `json:"attempt"`
			Refused   string     `json:"refused"`
			GivenAt   *time.Time `json:"given_at"`
		} `json:"code_request"`
	}
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks/" + id, Token: b.token})
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &got)
	require.Nil(t, got.CodeRequest, "nothing waits yet")
	require.Contains(t, string(r.Body), `"code_request":null`)

	until := b.ask(t)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks/" + id, Token: b.token})
	r.JSON(t, &got)
	require.Equal(t, "needs_code", got.StateReason)
	require.NotNil(t, got.CodeRequest)
	require.Equal(t, "a…@example.com", got.CodeRequest.Address)
	require.True(t, until.Equal(got.CodeRequest.ExpiresAt))
	require.Equal(t, 1, got.CodeRequest.Attempt)
	require.Nil(t, got.CodeRequest.GivenAt)
	var list struct {
		Items []struct {
			ID          string          `json:"id"`
			CodeRequest *map[string]any `json:"code_request"`
		} `json:"items"`
	}
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks?state=submitting", Token: b.token})
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &list)
	require.Len(t, list.Items, 1)
	require.NotNil(t, list.Items[0].CodeRequest, "the list shows it too")

	r = b.give(t, b.token, id, "AB!2")
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	require.NotContains(t, string(r.Body), "AB!2")

	other := pgtest.MustSession(t, b.db, uniqueEmail())
	r = b.give(t, other, id, "AB12CD34")
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))

	r = b.give(t, b.token, id, "AB12-CD34")
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.JSONEq(t, `{"status":"given"}`, string(r.Body))
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks/" + id, Token: b.token})
	r.JSON(t, &got)
	require.NotNil(t, got.CodeRequest.GivenAt, "a code waits to be typed")
	require.NotContains(t, string(r.Body), "AB12CD34")

	code, ok, err := b.svc.TakeCode(context.Background(), b.task)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "AB12CD34", code)

	_, err = b.db.Pool.Exec(context.Background(), `UPDATE task_codes SET taken_at = NULL, expires_at = now() - interval '1 second' WHERE task_id = $1`, b.task)
	require.NoError(t, err)
	r = b.give(t, b.token, id, "ZZ99ZZ99")
	require.Equal(t, http.StatusGone, r.Status, string(r.Body))
	require.Equal(t, "gone", r.ErrorCode(t))

	b.noCodeInLogs(t, "AB12CD34", "AB12-CD34", "ZZ99ZZ99", "AB!2")
}

// TestGiveCode_APIRefusesReadOnlyTokensAndCrossSiteCookies: a code changes
// a task, so it needs what every task action needs.
func TestGiveCode_APIRefusesReadOnlyTokensAndCrossSiteCookies(t *testing.T) {
	t.Parallel()
	b := setupCodes(t)
	b.ask(t)
	id := b.task.String()
	r := b.do(t, req{Method: "POST", Path: "/api/v1/tokens", Token: b.token, Body: map[string]any{"name": "ro", "scope": "read"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var tok struct {
		Token string `json:"token"`
	}
	r.JSON(t, &tok)
	r = b.give(t, tok.Token, id, "AB12CD34")
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))

	r = b.do(t, req{Method: "POST", Path: "/api/v1/tasks/" + id + "/code", Body: map[string]string{"code": "AB12CD34"},
		Headers: map[string]string{"Cookie": httpapi.SessionCookie + "=" + b.token, "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}})
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	r = b.give(t, "", id, "AB12CD34")
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_codes WHERE code IS NOT NULL`))
}
