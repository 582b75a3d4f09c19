package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/metrics"
	"github.com/applyq/applyq/internal/postgres"
)

// NewMetrics returns the process's metrics.
func (a *App) NewMetrics() *metrics.Metrics {
	return metrics.New(a.Process, Version, Commit)
}

// SchemaReady is the readiness check every daemon shares: the database
// answers and its schema is at this binary's version.
func (a *App) SchemaReady(ctx context.Context) error {
	st, err := postgres.Status(ctx, a.Pool)
	if err != nil {
		return errors.New("database unreachable")
	}
	if !st.UpToDate() {
		return fmt.Errorf("schema at applyq %d / River %d, expected %d / %d", st.AppVersion, st.RiverVersion, st.AppLatest, st.RiverLatest)
	}
	return nil
}

// ServeAdmin serves the admin handler (/metrics, /healthz, /readyz) on addr
// until ctx ends. It returns once the listener is bound.
func (a *App) ServeAdmin(ctx context.Context, addr string, h http.Handler) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("admin listener stopped", zap.Error(err))
		}
	}()
	a.Log.Info("admin listening", zap.String("addr", ln.Addr().String()))
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}
