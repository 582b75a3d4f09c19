// Package httpapi is applyq's HTTP adapter: the versioned JSON API under
// /api/v1 served with Echo, plus health endpoints. Error codes become HTTP
// statuses in exactly one place (error.go).
package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/health"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/web"
)

// Options configure the server.
type Options struct {
	DB *postgres.DB
	// Tasks and Accounts are the application services: every state change
	// goes through them; reads go to the store (DB).
	Tasks    *tasks.Service
	Accounts *accounts.Service
	// Documents keeps users' documents; its MaxFormBytes bounds an
	// upload's body instead of BodyLimit.
	Documents *documents.Service
	// Notifications keeps which notices users get mailed.
	Notifications *notifications.Service
	Log           *zap.Logger
	// PublicBaseURL is the URL users reach the API at: links and the
	// origin that state-changing browser requests must come from.
	PublicBaseURL string
	// RequestTimeout bounds a request (reading it; writing the answer may
	// take twice as long); streams are exempt. ShutdownTimeout is the grace
	// in-flight requests get when Run stops.
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	// BodyLimit is the largest request body, such as "2M" (413 beyond).
	BodyLimit string
	// CORSOrigins may call the API from a browser; none: no CORS.
	CORSOrigins []string
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string
	// DevEndpoints registers the development-only routes.
	DevEndpoints bool
	// QuietRequests logs the request lines at debug, not info (development:
	// a terminal shows what happens, not every request).
	QuietRequests bool
	SignIn        web.SignIn
	// Health answers /healthz and /readyz on the API's port, for load
	// balancers, as on the admin listener. Required.
	Health *health.Checker
	// Pages, when set, registers the dashboard's routes on the same server
	// and answers a browser's errors outside /api/ with its error page.
	// Its StreamRoutes (server-sent events) are long-lived: the request
	// timeout does not apply to them, and shutdown ends them. Its
	// UploadRoutes take documents: POSTs to them have the upload limit.
	Pages interface {
		Register(e *echo.Echo)
		StreamRoutes() []string
		UploadRoutes() []string
		// ErrorPage writes an error as a page, for a browser's request
		// outside /api/ (an unknown path, an operator's page).
		ErrorPage(c echo.Context, err error) error
	}
	// OnRequest observes each request (metrics); nil ignores them.
	OnRequest func(method, route string, status int, d time.Duration)
	// Ops, when set, registers operator routes (River UI; metrics are on
	// the admin listener).
	Ops func(e *echo.Echo, requireAdmin echo.MiddlewareFunc)
}

// Server is the API server.
type Server struct {
	echo         *echo.Echo
	http         *http.Server
	streams      map[string]bool // route paths of long-lived streams
	uploads      map[string]bool // route paths whose POSTs upload a document → refuse an oversized declared length unread (the API's)
	maxDocument  int64           // the largest document (documents.max_bytes)
	maxUpload    int64           // the largest upload body
	shutdown     context.Context // done once shutdown begins
	startClosing context.CancelFunc
	db           *postgres.DB
	tasks        *tasks.Service
	accounts     *accounts.Service
	documents    *documents.Service
	log          *zap.Logger
	opts         Options
	publicOrigin string // scheme://host[:port] of http.public_base_url
	secure       bool   // the public base URL is https
}

// New builds the server and registers every route.
func New(opts Options) (*Server, error) {
	base, err := url.Parse(opts.PublicBaseURL)
	if err != nil {
		return nil, err
	}
	if opts.Health == nil {
		return nil, errors.New("httpapi: Options.Health is required")
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{echo: e, db: opts.DB, tasks: opts.Tasks, accounts: opts.Accounts, documents: opts.Documents, log: opts.Log, opts: opts,
		streams: map[string]bool{}, uploads: map[string]bool{"/api/v1/documents": true},
		maxDocument: domain.DefaultMaxDocumentBytes, maxUpload: domain.DefaultMaxDocumentBytes + documents.FormOverhead,
		publicOrigin: base.Scheme + "://" + base.Host, secure: base.Scheme == "https"}
	if opts.Documents != nil {
		s.maxDocument, s.maxUpload = opts.Documents.MaxBytes(), opts.Documents.MaxFormBytes()
	}
	s.shutdown, s.startClosing = context.WithCancel(context.Background()) // #nosec G118 -- startClosing is called by Run when the server shuts down
	if opts.Pages != nil {
		for _, r := range opts.Pages.StreamRoutes() {
			s.streams[r] = true
		}
		for _, r := range opts.Pages.UploadRoutes() {
			s.uploads[r] = false
		}
	}
	e.HTTPErrorHandler = s.httpErrorHandler
	e.IPExtractor = ipExtractor(opts.TrustedProxies)

	e.Use(middleware.RequestID())
	e.Use(s.requestLogger())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic", zap.Error(err), zap.ByteString("stack", stack))
		return err
	}}))
	e.Use(s.securityHeaders)
	if len(opts.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins: opts.CORSOrigins,
			AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
			AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType},
		}))
	}
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: opts.BodyLimit, Skipper: s.isUpload}))
	e.Use(s.uploadBodyLimit)
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: opts.RequestTimeout, Skipper: s.isStream}))
	e.Use(s.endStreamsOnShutdown)

	s.routes()
	if opts.Pages != nil {
		opts.Pages.Register(e)
	}
	if opts.Ops != nil {
		opts.Ops(e, s.requireAdmin)
	}
	// Reading a request may take the request timeout, writing the answer
	// twice that; a stream moves its write deadline itself (see package
	// dashboard).
	s.http = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       opts.RequestTimeout,
		WriteTimeout:      2 * opts.RequestTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(opts.Log.Named("http")),
	}
	s.http.RegisterOnShutdown(s.startClosing)
	return s, nil
}

// isStream reports whether the request is for a long-lived stream.
func (s *Server) isStream(c echo.Context) bool { return s.streams[c.Path()] }

// isUpload reports whether the request uploads a document.
func (s *Server) isUpload(c echo.Context) bool {
	_, ok := s.uploads[c.Path()]
	return ok && c.Request().Method == http.MethodPost
}

// uploadBodyLimit bounds an upload's body at documents.max_bytes plus the
// form's overhead (http.body_limit does not apply): a longer body fails
// when it gets there (*http.MaxBytesError, which the handlers answer 413);
// the API refuses a larger declared length at once, while a page reads up
// to the limit so that it can answer with itself, saying why.
func (s *Server) uploadBodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.isUpload(c) {
			return next(c)
		}
		if s.uploads[c.Path()] && c.Request().ContentLength > s.maxUpload {
			return domain.DocumentTooLarge(s.maxDocument)
		}
		c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, s.maxUpload)
		return next(c)
	}
}

// endStreamsOnShutdown cancels a stream's context when shutdown begins: a
// stream never becomes idle by itself, and shutdown waits for idle
// connections. The browser reconnects, to another replica.
func (s *Server) endStreamsOnShutdown(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.isStream(c) {
			return next(c)
		}
		ctx, cancel := context.WithCancel(c.Request().Context())
		defer cancel()
		defer context.AfterFunc(s.shutdown, cancel)()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// routes registers every route. The OpenAPI test checks this list against
// openapi.json in both directions.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", echo.WrapHandler(http.HandlerFunc(s.opts.Health.Healthz)))
	e.GET("/readyz", echo.WrapHandler(http.HandlerFunc(s.opts.Health.Readyz)))

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.json", s.handleOpenAPI)
	v1.POST("/auth/magic-link", s.handleMagicLink)
	v1.POST("/auth/verify", s.handleVerify, s.throttlePublic)

	// Approval decisions: by link token (the token is the credential) or by
	// id for the signed-in owner; the handler tells them apart.
	v1.GET("/approvals/:key", s.handleGetApproval, s.throttlePublic)
	v1.POST("/approvals/:key/approve", s.handleApprove, s.throttlePublic)
	v1.POST("/approvals/:key/reject", s.handleReject, s.throttlePublic)

	u := v1.Group("", s.requireUser)
	u.GET("/approvals", s.handleListApprovals)
	u.POST("/auth/logout", s.handleLogout)
	u.GET("/me", s.handleMe)
	u.PATCH("/me", s.handleUpdateMe)
	u.GET("/me/notifications", s.handleGetNotifications)
	u.PATCH("/me/notifications", s.handleUpdateNotifications)

	u.POST("/tokens", s.handleCreateToken)
	u.GET("/tokens", s.handleListTokens)
	u.DELETE("/tokens/:id", s.handleRevokeToken)

	u.POST("/runs", s.handleCreateRun)
	u.GET("/runs", s.handleListRuns)
	u.GET("/runs/:id", s.handleGetRun)
	u.PATCH("/runs/:id", s.handleUpdateRun)
	u.POST("/runs/:id/cancel", s.handleCancelRun)
	u.DELETE("/runs/:id", s.handleDeleteRun)
	u.POST("/runs/:id/tasks", s.handleAddTasks)

	u.POST("/jobs", s.handleIngestJobs)
	u.GET("/jobs", s.handleListJobs)
	u.GET("/jobs/:id", s.handleGetJob)
	u.PATCH("/jobs/:id", s.handleUpdateJob)

	u.POST("/documents", s.handleUploadDocument)
	u.GET("/documents", s.handleListDocuments)
	u.GET("/documents/:id", s.handleGetDocument)
	u.GET("/documents/:id/content", s.handleDocumentContent)
	u.POST("/documents/:id/default", s.handleSetDefaultDocument)
	u.DELETE("/documents/:id", s.handleDeleteDocument)

	u.POST("/sources", s.handleCreateSource)
	u.GET("/sources", s.handleListSources)
	u.GET("/sources/:id", s.handleGetSource)
	u.PATCH("/sources/:id", s.handleUpdateSource)
	u.DELETE("/sources/:id", s.handleDeleteSource)
	u.POST("/sources/:id/sync", s.handleSyncSource)

	u.GET("/questions", s.handleListQuestions)
	u.POST("/questions/answer", s.handleAnswerQuestion)
	u.GET("/answers", s.handleListAnswers)
	u.POST("/answers", s.handlePutAnswer)
	u.PATCH("/answers/:id", s.handleEditAnswer)
	u.DELETE("/answers/:id", s.handleDeleteAnswer)

	u.GET("/tasks", s.handleListTasks)
	u.GET("/tasks/:id", s.handleGetTask)
	u.GET("/tasks/:id/evidence/:evidence", s.handleGetEvidence)
	u.POST("/tasks/:id/resume", s.handleResumeTask)
	u.POST("/tasks/:id/cancel", s.handleCancelTask)
	u.POST("/tasks/:id/applied", s.handleMarkApplied)
	u.POST("/tasks/:id/code", s.handleGiveCode)
	u.POST("/tasks/bulk-resume", s.handleBulkResume)
	u.POST("/tasks/bulk-cancel", s.handleBulkCancel)

	if s.opts.DevEndpoints {
		u.GET("/dev/runs/:id/next-task", s.handleDevNextTask)
	}
}

// Handler returns the HTTP handler (tests serve it with httptest).
func (s *Server) Handler() http.Handler { return s.echo }

// Run serves on ln until ctx is cancelled, then shuts down gracefully:
// in-flight requests get ShutdownTimeout to finish.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down HTTP server", zap.Duration("grace", s.opts.ShutdownTimeout))
	shutCtx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ipExtractor takes the client IP from the connection, or from
// X-Forwarded-For only when the connection comes from a configured proxy.
// Echo trusts private ranges by default; we trust nothing unless told.
func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, cidr := range trusted {
		_, n, err := net.ParseCIDR(cidr)
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Routes lists the registered routes (method and path), for the OpenAPI check.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }
