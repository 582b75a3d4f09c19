// Command api serves applyq's HTTP API and dashboard. It is stateless: run as
// many replicas as you like behind a load balancer.
package main

import (
	"context"
	"log/slog"
	"net"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"riverqueue.com/riverui"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/notify"
)

func main() { app.Main(app.Daemon{Process: "api", Run: run}) }

// run serves the API and the dashboard until ctx ends.
func run(ctx context.Context, a *app.App) error {
	s, err := a.Services(app.Deps{})
	if err != nil {
		return err
	}
	m := a.Metrics
	riverUI, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(s.River.Client(), nil), Logger: slog.New(zapslog.NewHandler(a.Log.Core())), Prefix: "/ops/riverui",
	})
	if err != nil {
		return err
	}
	if err := riverUI.Start(ctx); err != nil {
		return err
	}
	// Live dashboard views: one LISTEN connection fans task changes out to
	// the server-sent-event streams of this replica.
	hub := dashboard.NewHub()
	listener := notify.New(a.Config.Database.URL, a.Log)
	listener.Subscribe(domain.NotifyTasks, hub)
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListening()
	go func() {
		if err := listener.Run(listenCtx); err != nil {
			a.Log.Error("listener stopped", zap.Error(err))
		}
	}()
	pageOpts := app.DashboardOptions(a.Config, s)
	pageOpts.Log, pageOpts.Hub = a.Log, hub
	pages, err := dashboard.New(pageOpts)
	if err != nil {
		return err
	}
	listener.OnReconnect = m.ListenReconnects.Inc
	apiOpts := app.APIOptions(a.Config, s)
	// One readiness for both listeners: the load balancer's and the operators'.
	ready := a.Health()
	apiOpts.Log, apiOpts.Health, apiOpts.Pages, apiOpts.OnRequest = a.Log, ready, pages, m.ObserveHTTP
	apiOpts.Ops = func(e *echo.Echo, requireAdmin echo.MiddlewareFunc) {
		e.Any("/ops/riverui*", echo.WrapHandler(riverUI), requireAdmin)
	}
	srv, err := httpapi.New(apiOpts)
	if err != nil {
		return err
	}
	// Metrics are for operators: on the admin listener, not the public port.
	if _, err := a.ServeAdmin(a.Config.HTTP.AdminAddr, ready); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		return err
	}
	a.Log.Info("api listening", zap.String("addr", ln.Addr().String()), zap.String("public_base_url", a.Config.HTTP.PublicBaseURL))
	if err := srv.Run(ctx, ln); err != nil {
		return err
	}
	a.Log.Info("api stopped")
	return nil
}
