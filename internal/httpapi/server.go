// Package httpapi is applyq's HTTP adapter: the versioned JSON API under
// /api/v1 served with Echo, plus health endpoints. Error codes become HTTP
// statuses in exactly one place (error.go).
package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/postgres"
)

// Options configure the server.
type Options struct {
	DB              *postgres.DB
	Log             *zap.Logger
	Addr            string
	ShutdownTimeout time.Duration
}

// Server is the API server.
type Server struct {
	echo *echo.Echo
	http *http.Server
	db   *postgres.DB
	log  *zap.Logger
	opts Options
}

// New builds the server and registers every route.
func New(opts Options) *Server {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{echo: e, db: opts.DB, log: opts.Log, opts: opts}
	e.HTTPErrorHandler = s.httpErrorHandler
	e.Use(middleware.RequestID())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableErrorHandler: false, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic", zap.Error(err), zap.ByteString("stack", stack))
		return err
	}}))
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	s.http = &http.Server{
		Addr:              opts.Addr,
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(opts.Log.Named("http")),
	}
	return s
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
