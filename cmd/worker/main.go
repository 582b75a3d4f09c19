// Command worker runs applyq's River workers: it claims tasks, drives them
// through the state machine, waits for approvals on LISTEN and submits
// through the configured applier. Run as many as you like.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/mail"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/queue"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "probe" {
		os.Exit(probeCmd(os.Args[2:], os.Stdout, os.Stderr))
	}
	app.Main(app.Daemon{Process: "worker", Run: run})
}

// run works tasks until ctx ends, then finishes those in flight.
func run(ctx context.Context, a *app.App) error {
	cfg := a.Config

	owner := cfg.Worker.ID
	if owner == "" {
		host, _ := os.Hostname()
		owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	var submitter domain.Applier = applier.NewDryRun(a.Log)
	if cfg.Worker.Applier == "webhook" {
		submitter = &applier.Webhook{URL: cfg.Webhook.URL, Secret: []byte(cfg.Webhook.Secret), Timeout: cfg.Webhook.Timeout,
			Idempotent: cfg.Webhook.Idempotent, Client: &http.Client{}}
	}
	var mailer domain.Mailer = mail.Console{Log: a.Log}
	if m := cfg.Mail; m.SMTPAddr != "" {
		mailer = mail.SMTP{Addr: m.SMTPAddr, From: m.From, Username: m.SMTPUsername, Password: m.SMTPPassword}
	}
	m := a.Metrics
	boards, err := app.BoardClients(cfg.Sources, postgres.New(a.Pool).Store)
	if err != nil {
		return err
	}
	deps := app.Deps{Mailer: mailer, Boards: boards, ApplierFor: app.ApplierFor(cfg), Pace: app.Pace(cfg)}
	var forms *app.FormReaderSlot // the browser reads hosted forms when tasks are prepared
	if cfg.Appliers.UsesBrowser() {
		forms = &app.FormReaderSlot{}
		deps.Forms = forms
	}
	s, err := a.Services(deps)
	if err != nil {
		return err
	}
	var files domain.DocumentFiles // the documents applications upload
	if s.Documents != nil {
		files = s.Documents
	}
	// browserCodes relays the security codes hosted forms mail to
	// applicants (domain.Codes) from their users to the pages this
	// process's browser applier holds open (browser.Options.Codes).
	browserCodes := queue.NewCodes(s.Tasks, a.Log.Named("codes"))
	router, browserApplier := app.Appliers(cfg, submitter, files, browserCodes, a.Log)
	if forms != nil && browserApplier != nil {
		forms.Set(browserApplier)
	}
	if browserApplier != nil {
		defer browserApplier.Close() // after the tasks in flight finished
	} else {
		browserCodes = nil // no page of this process can ask for one
	}
	proc, err := queue.NewProcess(queue.ProcessOptions{
		OnApply: m.ObserveApplier,
		OnJob:   func(kind, outcome string) { m.RiverJobs.WithLabelValues(kind, outcome).Inc() },
		Pool:    a.Pool, DBURL: cfg.Database.URL, Tasks: s.Tasks, Accounts: s.Accounts, Notifications: s.Notifications, Applier: router, Mailer: mailer, Owner: owner, Log: a.Log,
		Concurrency: cfg.Worker.Concurrency, JobTimeout: cfg.Worker.JobTimeout,
		FetchCooldown: cfg.Worker.FetchCooldown, FetchPollInterval: cfg.Worker.FetchPollInterval,
		PublicBaseURL: cfg.HTTP.PublicBaseURL, MagicLinkTTL: cfg.Auth.MagicLinkTTL,
		ApprovalPollInterval: cfg.Approval.PollInterval, HeartbeatInterval: cfg.Worker.HeartbeatInterval,
		SourceConcurrency: cfg.Sources.Concurrency, SourceSyncTimeout: cfg.Sources.SyncTimeout,
		Codes: browserCodes,
	})
	if err != nil {
		return err
	}
	proc.Listener.OnReconnect = m.ListenReconnects.Inc
	m.RegisterGauge("applyq_approvals_waiting", "Approvals this worker process waits for.", func() float64 { return float64(proc.Approvals.Waiting()) })
	if browserCodes != nil {
		m.RegisterGauge("applyq_security_codes_waiting", "Pages this worker process holds open waiting for the security code mailed to their applicant.",
			func() float64 { return float64(browserCodes.Waiting()) })
	}
	if browserApplier != nil {
		m.RegisterGauge("applyq_browsers_running", "Chromium processes this worker process runs to fill hosted forms.",
			func() float64 { return float64(len(browserApplier.BrowserPIDs())) })
	}
	if err := proc.Start(ctx); err != nil {
		return err
	}
	ready := func(context.Context) error {
		if err := proc.Ready(); err != nil {
			return err
		}
		if browserApplier != nil {
			if err := browserApplier.Ready(); err != nil {
				return fmt.Errorf("browser: %w", err)
			}
		}
		return nil
	}
	if _, err := a.ServeAdmin(cfg.Worker.AdminAddr, a.Health(ready)); err != nil {
		return err
	}
	a.Log.Info("worker started", zap.String("owner", owner), zap.Int("concurrency", cfg.Worker.Concurrency), zap.String("applier", submitter.Name()),
		zap.Strings("direct_platforms", cfg.Appliers.Platforms))

	<-ctx.Done()
	a.Log.Info("shutting down: finishing in-flight tasks", zap.Duration("grace", cfg.Worker.ShutdownTimeout),
		zap.Int("approvals_waiting", proc.Approvals.Waiting()))
	stopCtx, cancel := app.ShutdownContext(cfg.Worker.ShutdownTimeout)
	defer cancel()
	if err := proc.Stop(stopCtx); err != nil {
		return err
	}
	a.Log.Info("worker stopped")
	return nil
}
