package app

import (
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/web"
)

// The adapters take plain options with only the settings they use: config
// stops here. These turn the configuration into them; the caller adds the
// store, the logger and the hooks.

// SignIn is the sign-in behaviour of auth.*, the same for the API and the
// dashboard.
func SignIn(c config.AuthConfig) web.SignIn {
	return web.SignIn{
		Limits: domain.SignInLimits{PerAddressAndIP: c.EmailIPLimit, PerAddress: c.EmailLimit, PerIP: c.IPLimit,
			Global: c.GlobalLimit, PublicPerIP: c.PublicIPLimit, Window: c.LimitWindow},
		SessionIdleTimeout: c.SessionIdleTimeout, SessionMaxAge: c.SessionMaxAge, AdminEmails: c.AdminEmails,
	}
}

// Quotas are each user's quotas (quotas.*), counted by the services.
func Quotas(c config.QuotasConfig) domain.Quotas {
	return domain.Quotas{UploadsPerDay: c.UploadsPerDay, StoredBytes: c.StoredBytes, AnswersPerHour: c.AnswersPerHour,
		SourcesPerDay: c.SourcesPerDay, SyncsPerSourcePerHour: c.SyncsPerSourcePerHour}
}

// APIOptions are the API server's settings (http.*, auth.*) and, with s,
// the services it calls.
func APIOptions(cfg *config.Config, s *Services) httpapi.Options {
	h := cfg.HTTP
	o := httpapi.Options{PublicBaseURL: h.PublicBaseURL, RequestTimeout: h.RequestTimeout, ShutdownTimeout: h.ShutdownTimeout,
		BodyLimit: h.BodyLimit, CORSOrigins: h.CORSOrigins, TrustedProxies: h.TrustedProxies, DevEndpoints: h.DevEndpoints,
		QuietRequests: cfg.Env == config.Development,
		SignIn:        SignIn(cfg.Auth)}
	if s != nil {
		o.DB, o.Tasks, o.Accounts, o.Documents, o.Notifications = s.DB, s.Tasks, s.Accounts, s.Documents, s.Notifications
	}
	return o
}

// ConsoleMailHint is what the "check your email" page says when no SMTP
// server is configured: where the sign-in link is printed instead.
const ConsoleMailHint = "No SMTP server is configured, so the worker prints each email instead of sending it: " +
	"your sign-in link is in the terminal where make run runs (or in the worker's log), " +
	"in a block headed \"email (development: not sent)\". Open the link on its own line there."

// DashboardOptions are the dashboard's settings (http.public_base_url,
// auth.*, approval.ttl) and, with s, the services it calls.
func DashboardOptions(cfg *config.Config, s *Services) dashboard.Options {
	o := dashboard.Options{PublicBaseURL: cfg.HTTP.PublicBaseURL, SignIn: SignIn(cfg.Auth), ApprovalTTL: cfg.Approval.TTL}
	if cfg.Mail.SMTPAddr == "" { // the worker prints mail (mail.Console) instead of sending it
		o.MailHint = ConsoleMailHint
	}
	if s != nil {
		o.DB, o.Tasks, o.Accounts, o.Documents, o.Notifications = s.DB, s.Tasks, s.Accounts, s.Documents, s.Notifications
	}
	return o
}
