package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/health"
)

// Health is the process's readiness, the same on every listener it has:
// the database answers and its schema is at this binary's version, then
// extra (the worker's River client and LISTEN connection).
func (a *App) Health(extra ...health.Check) *health.Checker {
	return health.New(append([]health.Check{health.Schema(a.Pool)}, extra...)...)
}

// ServeAdmin serves the admin listener on addr until the App closes:
// /metrics (a.Metrics), /healthz and /readyz (ready), and profiles under
// /debug/pprof/ (the admin address is loopback by default). It returns once
// the listener is bound, with its address.
func (a *App) ServeAdmin(addr string, ready *health.Checker) (net.Addr, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	ready.Register(mux)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("admin listener stopped", zap.Error(err))
		}
	}()
	a.Log.Info("admin listening", zap.String("addr", ln.Addr().String()))
	a.onClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return ln.Addr(), nil
}
