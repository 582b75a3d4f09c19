// Command worker runs applyq's River workers: it claims tasks and drives them
// through the state machine to submission. Run as many as you like.
package main

import (
	"context"
	"fmt"
	"os"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/mail"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/queue"
)

func main() { app.Main(run) }

func run() error {
	ctx, stop := app.SignalContext()
	defer stop()
	a, err := app.Start(ctx, "worker", os.Args[1:], nil, false)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg := a.Config.Worker

	owner := cfg.ID
	if owner == "" {
		host, _ := os.Hostname()
		owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	ins, err := queue.NewInserter(a.Pool)
	if err != nil {
		return err
	}
	db := postgres.New(a.Pool, ins, a.Log)
	worker := &queue.ApplyWorker{
		DB: db, Applier: applier.NewDryRun(a.Log), Owner: owner,
		JobTimeout: cfg.JobTimeout, MaxAttempts: cfg.MaxAttempts, Log: a.Log,
	}
	var mailer domain.Mailer = mail.Console{Log: a.Log}
	if m := a.Config.Mail; m.SMTPAddr != "" {
		mailer = mail.SMTP{Addr: m.SMTPAddr, From: m.From, Username: m.SMTPUsername, Password: m.SMTPPassword}
	}
	magicLinks := &queue.MagicLinkWorker{DB: db, Mailer: mailer, PublicBaseURL: a.Config.HTTP.PublicBaseURL, TTL: a.Config.Auth.MagicLinkTTL, Log: a.Log}
	client, err := queue.NewWorkerClient(a.Pool, queue.Workers{Apply: worker, MagicLink: magicLinks}, queue.ClientOptions{
		Concurrency: cfg.Concurrency, FetchCooldown: cfg.FetchCooldown,
		FetchPollInterval: cfg.FetchPollInterval, ID: owner, Log: a.Log,
	})
	if err != nil {
		return err
	}
	// River's work contexts derive from Start's: a signal must not cancel
	// in-flight work, only stop fetching (below).
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	a.Log.Info("worker started", zap.String("owner", owner), zap.Int("concurrency", cfg.Concurrency))

	<-ctx.Done()
	a.Log.Info("shutting down: finishing in-flight tasks", zap.Duration("grace", cfg.ShutdownTimeout))
	stopCtx, cancel := app.ShutdownContext(cfg.ShutdownTimeout)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		a.Log.Warn("grace period over: cancelling in-flight tasks", zap.Error(err))
		hardCtx, cancelHard := app.ShutdownContext(cfg.ShutdownTimeout)
		defer cancelHard()
		if err := client.StopAndCancel(hardCtx); err != nil {
			return fmt.Errorf("stopping River: %w", err)
		}
	}
	a.Log.Info("worker stopped")
	return nil
}
