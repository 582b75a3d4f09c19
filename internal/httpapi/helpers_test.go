package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/health"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/mail"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/queue"
)

type apiBundle struct {
	srv    *httptest.Server
	db     *postgres.DB
	mailer *mail.Recorder
	cfg    *config.Config
}

type apiOpts struct {
	DevEndpoints   bool
	BodyLimit      string
	EmailLimit     int
	EmailIPLimit   int
	IPLimit        int
	GlobalLimit    int
	PublicIPLimit  int
	TrustedProxies []string
	// Quotas replace the default quotas when set.
	Quotas *config.QuotasConfig
}

// setupAPI serves the API on a loopback test server against a fresh
// database, with a River client working the mail queue into a recorder.
func setupAPI(t *testing.T, opts apiOpts) *apiBundle {
	t.Helper()
	db := pgtest.MustDB(t)
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	cfg.HTTP.DevEndpoints = opts.DevEndpoints
	cfg.HTTP.TrustedProxies = opts.TrustedProxies
	if opts.BodyLimit != "" {
		cfg.HTTP.BodyLimit = opts.BodyLimit
	}
	if opts.EmailLimit != 0 {
		cfg.Auth.EmailLimit = opts.EmailLimit
	}
	if opts.IPLimit != 0 {
		cfg.Auth.IPLimit = opts.IPLimit
	}
	if opts.EmailIPLimit != 0 {
		cfg.Auth.EmailIPLimit = opts.EmailIPLimit
	}
	if opts.GlobalLimit != 0 {
		cfg.Auth.GlobalLimit = opts.GlobalLimit
	}
	if opts.PublicIPLimit != 0 {
		cfg.Auth.PublicIPLimit = opts.PublicIPLimit
	}
	if opts.Quotas != nil {
		cfg.Quotas = *opts.Quotas
	}
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	srv, err := httpapi.New(apiOptions(t, cfg, db, log))
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	rec := &mail.Recorder{}
	svcs, err := app.NewServices(db.Pool, cfg, log, nil, app.Deps{})
	require.NoError(t, err)
	ml := &queue.MagicLinkWorker{Accounts: svcs.Accounts, Mailer: rec, PublicBaseURL: cfg.HTTP.PublicBaseURL, TTL: cfg.Auth.MagicLinkTTL}
	client, err := queue.NewWorkerClient(db.Pool, queue.Workers{MagicLink: ml}, queue.ClientOptions{
		Concurrency: 1, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 20 * time.Millisecond, Log: log})
	require.NoError(t, err)
	require.NoError(t, client.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, client.Stop(ctx))
	})
	return &apiBundle{srv: ts, db: db, mailer: rec, cfg: cfg}
}

// apiOptions are the API's options from cfg, serving db (ready when its
// schema is; without one, always) and logging to log.
func apiOptions(t testing.TB, cfg *config.Config, db *postgres.DB, log *zap.Logger) httpapi.Options {
	t.Helper()
	o := app.APIOptions(cfg, nil)
	o.Log, o.Health = log, health.New()
	if db != nil {
		svcs, err := app.NewServices(db.Pool, cfg, log, nil, app.Deps{})
		require.NoError(t, err)
		o = app.APIOptions(cfg, svcs)
		o.Log, o.Health = log, health.New(health.Schema(db.Pool))
	}
	return o
}

type req struct {
	Method  string
	Path    string
	Token   string            // bearer
	Body    any               // marshalled as JSON unless a string/[]byte
	Type    string            // Content-Type; default application/json when Body is set
	Headers map[string]string // extra headers
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) JSON(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), string(r.Body))
}

// apiError is the one error shape, as a client reads it.
type apiError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// Error decodes an error answer; every error has a message.
func (r resp) Error(t *testing.T) apiError {
	t.Helper()
	var e errorView
	r.JSON(t, &e)
	require.NotEmpty(t, e.Error.Message, "every error has a message")
	return e.Error
}

// ErrorCode returns the machine-readable error code of an error answer.
func (r resp) ErrorCode(t *testing.T) string {
	t.Helper()
	return r.Error(t).Code
}

func (b *apiBundle) do(t *testing.T, r req) resp {
	t.Helper()
	var body io.Reader
	switch v := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(v)
	case []byte:
		body = bytes.NewReader(v)
	default:
		js, err := json.Marshal(v)
		require.NoError(t, err)
		body = bytes.NewReader(js)
	}
	hr, err := http.NewRequest(r.Method, b.srv.URL+r.Path, body)
	require.NoError(t, err)
	if r.Body != nil {
		ct := r.Type
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Headers {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{Status: res.StatusCode, Header: res.Header, Body: out}
}

// waitForLink waits for the n-th mailed sign-in link to address and returns its token.
func (b *apiBundle) waitForLink(t *testing.T, address string, n int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		links := b.mailer.Links(address, "/auth/confirm?token=")
		if len(links) >= n {
			u, err := url.Parse(links[n-1])
			require.NoError(t, err)
			require.Equal(t, b.cfg.HTTP.PublicBaseURL, u.Scheme+"://"+u.Host, "links come from the configured base URL")
			return u.Query().Get("token")
		}
		require.True(t, time.Now().Before(deadline), "no sign-in link mailed to %s", address)
		time.Sleep(10 * time.Millisecond)
	}
}

// signIn signs address in through the magic-link flow and returns a bearer token.
func (b *apiBundle) signIn(t *testing.T, address string) string {
	t.Helper()
	before := 0
	for _, m := range b.mailer.Sent() {
		if m.To == address {
			before++
		}
	}
	r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": address}})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	token := b.waitForLink(t, address, before+1)
	r = b.do(t, req{Method: "POST", Path: "/api/v1/auth/verify", Body: map[string]string{"token": token}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var v struct {
		Token string `json:"token"`
	}
	r.JSON(t, &v)
	require.True(t, strings.HasPrefix(v.Token, domain.PrefixSession))
	return v.Token
}

func uniqueEmail() string { return "u-" + domain.NewID().String()[24:] + "@example.test" }
