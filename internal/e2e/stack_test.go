package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/health"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/mail"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/notify"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestMain keeps the blobs of the daemons these tests start (they inherit
// the environment and run in this directory) in a temporary directory, not
// in ./var/blobs of the source tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "applyq-e2e-blobs-")
	if err != nil {
		panic(err)
	}
	if err := os.Setenv("APPLYQ_BLOB_URL", documentstest.FileURL(dir)); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// clock is a controllable clock for expiry and pacing.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type stack struct {
	dbURL    string
	db       *postgres.DB
	svc      *tasks.Service
	accounts *accounts.Service
	api      *httptest.Server
	cfg      *config.Config
	mail     *mail.Recorder
	dry      *applier.DryRun
	clock    *clock
	notices  *notifications.Service // the workers' digests; nil: none
	router   *applier.Router        // the workers' appliers, with Direct
	codes    *queue.Codes           // the security code relay of the workers' pages
	procMu   sync.Mutex
	procs    []*queue.Process
}

type stackOpts struct {
	HandoffDelay time.Duration // continuation job delay; default 1 minute (listener path first)
	PollInterval time.Duration // approval slow poll; default 1 hour (never within a test)
	NoWorker     bool          // start no worker process
	JobTimeout   time.Duration // the workers' job timeout; default 30s
	Applier      domain.Applier
	Concurrency  int
	// Boards are the job-board clients the workers sync sources with
	// (point them at an httptest server).
	Boards map[domain.Platform]domain.BoardClient
	// Digests has the workers mail notice digests (at once: no digest
	// window). Without, notices wait unmailed and tests take approval links
	// from approvalRun, which mints them as a digest does.
	Digests bool
	// DigestDelay is the digest window (default none: mailed at once).
	DigestDelay time.Duration
	// Direct are platform appliers (for the workers' router, named in
	// the packets of their platform's postings), given the documents
	// service and the security code relay; one that reads hosted forms
	// (domain.FormReader: the browser) reads them for the tasks service.
	Direct func(files domain.DocumentFiles, codes domain.Codes) map[domain.Platform]domain.Applier
}

// startStack runs the API (httptest, loopback) and, unless NoWorker, one
// worker process, all in this test process against a fresh database.
func startStack(t testing.TB, o stackOpts) *stack {
	t.Helper()
	if o.HandoffDelay == 0 {
		o.HandoffDelay = time.Minute
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Hour
	}
	dbURL := pgtest.MustDatabaseURL(t)
	pool := pgtest.MustPoolFor(t, dbURL)
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	db := postgres.New(pool)
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	cfg.Approval.PollInterval = o.PollInterval
	// Every client of the stack is one loopback address, and benchmarks
	// open hundreds of approval links: the per-IP limit of the routes
	// without sign-in is tested in internal/httpapi.
	cfg.Auth.PublicIPLimit = 1 << 30
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg.HTTP.PublicBaseURL = "http://" + ln.Addr().String()
	cfg.Blob.URL = documentstest.FileURL(t.TempDir()) // documents' bytes
	s := &stack{dbURL: dbURL, db: db, cfg: cfg, mail: &mail.Recorder{}, dry: applier.NewDryRun(nil), clock: &clock{}}
	cfg.Notifications.DigestDelay = o.DigestDelay
	hub := dashboard.NewHub()
	listener := notify.New(dbURL, log)
	listener.Subscribe(domain.NotifyTasks, hub)
	lctx, stopListening := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = listener.Run(lctx) }()
	svcs, err := app.NewServices(pool, cfg, log, nil, app.Deps{Mailer: s.mail})
	require.NoError(t, err)
	var (
		applierFor func(domain.Platform) string
		forms      domain.FormReader
		slot       = &app.FormReaderSlot{}
	)
	if o.Direct != nil {
		applierFor = func(p domain.Platform) string { return s.router.NameFor(p) }
		forms = slot
	}
	s.svc = taskstest.MustService(t, db, tasks.Options{Log: log, HandoffDelay: o.HandoffDelay, MaxAttempts: 3, Now: s.clock.Now, Boards: o.Boards,
		DigestDelay: o.DigestDelay, Evidence: svcs.Blobs, ApplierFor: applierFor, Forms: forms})
	s.codes = queue.NewCodes(s.svc, log)
	if o.Direct != nil {
		s.router = &applier.Router{Default: s.dry, ByPlatform: o.Direct(svcs.Documents, s.codes)}
		for _, a := range s.router.ByPlatform {
			if r, ok := a.(domain.FormReader); ok {
				slot.Set(r)
			}
		}
	}
	svcs.Tasks, s.accounts = s.svc, svcs.Accounts // the stack's clock paces the tasks
	if o.Digests {
		s.notices = svcs.Notifications
	}
	pageOpts := app.DashboardOptions(cfg, svcs)
	pageOpts.Log, pageOpts.Hub = log, hub
	pages, err := dashboard.New(pageOpts)
	require.NoError(t, err)
	apiOpts := app.APIOptions(cfg, svcs)
	apiOpts.Log, apiOpts.Health, apiOpts.Pages = log, health.New(health.Schema(pool)), pages
	srv, err := httpapi.New(apiOpts)
	require.NoError(t, err)
	s.api = httptest.NewUnstartedServer(srv.Handler())
	s.api.Listener.Close()
	s.api.Listener = ln
	s.api.Start()
	t.Cleanup(func() {
		s.api.CloseClientConnections()
		s.api.Close()
		stopListening()
		<-done
	})
	if !o.NoWorker {
		s.startWorker(t, o)
	}
	return s
}

func (s *stack) startWorker(t testing.TB, o stackOpts) *queue.Process {
	t.Helper()
	if o.Applier == nil {
		o.Applier = s.dry
		if s.router != nil {
			o.Applier = s.router
		}
	}
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.JobTimeout == 0 {
		o.JobTimeout = 30 * time.Second
	}
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	p, err := queue.NewProcess(queue.ProcessOptions{
		Pool: s.db.Pool, DBURL: s.dbURL, Tasks: s.svc, Accounts: s.accounts, Notifications: s.notices,
		Applier: o.Applier, Mailer: s.mail, Owner: "w-" + domain.NewID().String()[24:], Log: log,
		Concurrency: o.Concurrency, JobTimeout: o.JobTimeout, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		PublicBaseURL: s.cfg.HTTP.PublicBaseURL, MagicLinkTTL: time.Minute, ApprovalPollInterval: s.cfg.Approval.PollInterval,
		SourceConcurrency: 2, SourceSyncTimeout: 30 * time.Second, Codes: s.codes,
	})
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, p.Stop(ctx))
	})
	s.procMu.Lock()
	s.procs = append(s.procs, p)
	s.procMu.Unlock()
	return p
}

// waitFor polls cond every 10ms for up to d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out after %s waiting for %s", d, what)
		time.Sleep(10 * time.Millisecond)
	}
}

// approvalLinks mints a link token for the pending approval of each task,
// as the digest that mails them does, and returns them in task order.
func (s *stack) approvalLinks(t testing.TB, taskIDs []domain.ID) []string {
	t.Helper()
	ctx := context.Background()
	ids, hashes, tokens := make([]domain.ID, len(taskIDs)), make([][]byte, len(taskIDs)), make([]string, len(taskIDs))
	for i, id := range taskIDs {
		a, err := s.db.ApprovalLatestForTask(ctx, id)
		require.NoError(t, err)
		require.NotNil(t, a, "task %s has an approval request", id)
		ids[i] = a.ID
		tokens[i], hashes[i] = domain.NewToken(domain.PrefixApproval)
	}
	changed, err := s.db.ApprovalRotateTokens(ctx, ids, hashes)
	require.NoError(t, err)
	require.Len(t, changed, len(ids), "every request is pending")
	return tokens
}

func (s *stack) post(t testing.TB, path string, body any, headers map[string]string) (int, []byte) {
	t.Helper()
	code, _, out := s.request(t, http.MethodPost, path, body, headers)
	return code, out
}

func (s *stack) get(t testing.TB, path string) (int, http.Header, []byte) {
	t.Helper()
	return s.request(t, http.MethodGet, path, nil, nil)
}

// request sends body (nil: none) as JSON with headers and returns the
// answer's status, headers and body.
func (s *stack) request(t testing.TB, method, path string, body any, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	contentType := ""
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd, contentType = bytes.NewReader(b), "application/json"
	}
	return s.send(t, method, path, rd, contentType, headers)
}

// upload posts one file as multipart/form-data, with fields, and returns
// the answer's status and body.
func (s *stack) upload(t testing.TB, path string, fields map[string]string, filename string, data []byte, headers map[string]string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	fw, err := w.CreateFormFile("file", filename)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	code, _, out := s.send(t, http.MethodPost, path, &buf, w.FormDataContentType(), headers)
	return code, out
}

// send makes one request to the API and reads the whole answer.
func (s *stack) send(t testing.TB, method, path string, body io.Reader, contentType string, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, out
}

// session signs user in without mail and returns a bearer token.
func (s *stack) session(t testing.TB, user *domain.User) string {
	t.Helper()
	return pgtest.MustSession(t, s.db, user.Email)
}

// approvalRun adds n jobs to a new approval-requiring run of a new user,
// waits until each awaits approval, and returns the user, the task ids and
// each task's approval link token (approvalLinks).
func (s *stack) approvalRun(t testing.TB, n int) (*domain.User, []domain.ID, []string) {
	t.Helper()
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{RequiresApproval: true, Template: "Hello {{.company}}"})
	res := taskstest.MustAdd(t, s.db, user, run, pgtest.MustJobs(t, s.db, user, n))
	ids := make([]domain.ID, len(res.Queued))
	for i, q := range res.Queued {
		ids[i] = q.TaskID
	}
	waitFor(t, 2*time.Minute, "approval requests", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'awaiting_approval'`, run.ID) == n
	})
	return user, ids, s.approvalLinks(t, ids)
}

func approvalKeyFor(t testing.TB, token string) postgres.ApprovalKey {
	t.Helper()
	return postgres.ApprovalKey{TokenHash: domain.HashToken(token)}
}

// startMailer works only the mail queue (sign-in links), for tests that
// start their task workers later.
func (s *stack) startMailer(t testing.TB) {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	ml := &queue.MagicLinkWorker{Accounts: s.accounts, Mailer: s.mail, PublicBaseURL: s.cfg.HTTP.PublicBaseURL, TTL: time.Minute}
	client, err := queue.NewWorkerClient(s.db.Pool, queue.Workers{MagicLink: ml}, queue.ClientOptions{
		Concurrency: 1, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond, Log: log})
	require.NoError(t, err)
	require.NoError(t, client.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, client.Stop(ctx))
	})
}

// sessionFor signs user in directly through the store and returns a bearer token.
func sessionFor(t testing.TB, db *postgres.DB, user *domain.User) string {
	t.Helper()
	return pgtest.MustSession(t, db, user.Email)
}
