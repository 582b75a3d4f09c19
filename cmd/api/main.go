// Command api serves applyq's HTTP API and dashboard. It is stateless: run as
// many replicas as you like behind a load balancer.
package main

import (
	"context"
	"net"
	"os"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/notify"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/queue"
)

func main() { app.Main(run) }

func run() error {
	ctx, stop := app.SignalContext()
	defer stop()
	a, err := app.Start(ctx, "api", os.Args[1:], nil, false)
	if err != nil {
		return err
	}
	defer a.Close()
	ins, err := queue.NewInserter(a.Pool)
	if err != nil {
		return err
	}
	ins.ContinuationDelay = a.Config.Approval.HandoffDelay
	db := postgres.New(a.Pool, ins, a.Log)
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
	pages, err := dashboard.New(dashboard.Options{DB: db, Log: a.Log, PublicBaseURL: a.Config.HTTP.PublicBaseURL, Auth: a.Config.Auth, Hub: hub})
	if err != nil {
		return err
	}
	srv, err := httpapi.New(httpapi.Options{
		DB: db, Log: a.Log, HTTP: a.Config.HTTP, Auth: a.Config.Auth, Pages: pages,
	})
	if err != nil {
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
