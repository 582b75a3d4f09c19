// Package config loads applyq's configuration, shared by every daemon, from
// defaults, an optional config file, APPLYQ_* environment variables and
// flags (in increasing precedence). Viper stops here: the rest of the code
// sees plain structs, validated, with defaults that run locally. Each
// process validates only the settings it reads (see ReadBy), so that, say,
// the API does not demand the worker's webhook secret.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

// Modes.
const (
	Development = "development"
	Production  = "production"
)

// The processes, one a binary.
const (
	API     = "api"
	Worker  = "worker"
	Sweeper = "sweeper"
	Migrate = "migrate"
)

// Processes lists every process.
var Processes = []string{API, Worker, Sweeper, Migrate}

// readers are the processes that read a setting, by key or by section
// ("http."); a key's own entry wins over its section's.
var readers = map[string][]string{
	"env":       Processes,
	"database.": Processes,
	"log.":      Processes,
	"http.":     {API},
	// The worker builds the links it mails from it.
	"http.public_base_url": {API, Worker},
	"auth.":                {API},
	// The worker mails sign-in links and creates their tokens.
	"auth.magic_link_ttl": {Worker},
	"mail.":               {Worker},
	"worker.":             {Worker},
	// The sweeper fails tasks out of attempts.
	"worker.max_attempts": {Worker, Sweeper},
	// A worker heartbeats; the sweeper presumes it dead after
	// sweeper.stuck_after without one: both check they agree.
	"worker.heartbeat_interval": {Worker, Sweeper},
	"sweeper.stuck_after":       {Worker, Sweeper},
	"sweeper.":                  {Sweeper},
	"approval.":                 {Worker},
	// Whoever inserts an approved task's continuation job delays it.
	"approval.handoff_delay": {API, Worker, Sweeper},
	"webhook.":               {Worker},
	// The worker syncs job boards; the API gives a new source its interval.
	"sources.":              {Worker},
	"sources.sync_interval": {API, Worker},
	// The API stores uploads and serves downloads; the worker reads the
	// documents an application carries.
	"blob.":      {API, Worker},
	"documents.": {API, Worker},
	// The API's services count each user's quotas.
	"quotas.": {API},
	// Whoever adds a notice schedules its digest; the sweeper repairs
	// digests that are overdue by it.
	"notifications.": {API, Worker, Sweeper},
	// The worker submits.
	"appliers.": {Worker},
}

// ReadBy returns the processes that read the setting key, in the order of
// Processes.
func ReadBy(key string) []string {
	if r, ok := readers[key]; ok {
		return r
	}
	section, _, _ := strings.Cut(key, ".")
	return readers[section+"."]
}

// Config is the whole configuration. Every field is documented in the
// configuration reference (docs/configuration.md), under the key in its
// mapstructure tag.
type Config struct {
	Env       string          `mapstructure:"env"`
	Database  DatabaseConfig  `mapstructure:"database"`
	Log       LogConfig       `mapstructure:"log"`
	HTTP      HTTPConfig      `mapstructure:"http"`
	Worker    WorkerConfig    `mapstructure:"worker"`
	Sweeper   SweeperConfig   `mapstructure:"sweeper"`
	Approval  ApprovalConfig  `mapstructure:"approval"`
	Auth      AuthConfig      `mapstructure:"auth"`
	Mail      MailConfig      `mapstructure:"mail"`
	Webhook   WebhookConfig   `mapstructure:"webhook"`
	Sources   SourcesConfig   `mapstructure:"sources"`
	Blob      BlobConfig      `mapstructure:"blob"`
	Documents DocumentsConfig `mapstructure:"documents"`
	Quotas    QuotasConfig    `mapstructure:"quotas"`

	Notifications NotificationsConfig `mapstructure:"notifications"`
	Appliers      AppliersConfig      `mapstructure:"appliers"`
}

// AppliersConfig is how the worker submits to job platforms directly,
// instead of through worker.applier.
type AppliersConfig struct {
	// Platforms lists the platforms applyq submits to directly: recruitee
	// (its API), greenhouse, lever, ashby (their hosted forms, in a
	// browser). Postings of other platforms go through worker.applier.
	Platforms []string `mapstructure:"platforms"`
	// PerPlatformPerMinute and PerEmployerPerHour pace the submissions to
	// each platform and each employer (board), across every worker.
	PerPlatformPerMinute int                    `mapstructure:"per_platform_per_minute"`
	PerEmployerPerHour   int                    `mapstructure:"per_employer_per_hour"`
	Recruitee            RecruiteeApplierConfig `mapstructure:"recruitee"`
	Browser              BrowserApplierConfig   `mapstructure:"browser"`
	// Greenhouse, Lever and Ashby say where their hosted forms live.
	Greenhouse FormApplierConfig `mapstructure:"greenhouse"`
	Lever      FormApplierConfig `mapstructure:"lever"`
	Ashby      FormApplierConfig `mapstructure:"ashby"`
}

// BrowserApplierConfig is the browser that fills hosted forms.
type BrowserApplierConfig struct {
	Chromium    string        `mapstructure:"chromium"`
	MaxBrowsers int           `mapstructure:"max_browsers"`
	Deadline    time.Duration `mapstructure:"deadline"`
	NoSandbox   bool          `mapstructure:"no_sandbox"`
	// FormMaxAge is how long the browser's read of a hosted form (form
	// discovery) serves the posting's next tasks before it is read again.
	FormMaxAge time.Duration `mapstructure:"form_max_age"`
	// CodeWindow is how long a page that asks for the security code its
	// platform mailed to the applicant waits for the user to give it.
	CodeWindow time.Duration `mapstructure:"code_window"`
}

// FormApplierConfig is a platform's hosted forms: where they are (a proxy
// or a replica may put them under a path), and the platform's own hosts,
// the only ones the browser fills and submits on (besides the base URL's;
// empty: the platform's real hosts).
type FormApplierConfig struct {
	BaseURL string   `mapstructure:"base_url"`
	Hosts   []string `mapstructure:"hosts"`
}

// UsesBrowser reports whether a platform whose forms the browser fills is
// turned on.
func (c AppliersConfig) UsesBrowser() bool {
	return slices.ContainsFunc(c.Platforms, func(p string) bool { return p != "recruitee" })
}

// FormBaseURLs are the hosted forms' addresses by platform.
func (c AppliersConfig) FormBaseURLs() map[domain.Platform]string {
	return map[domain.Platform]string{domain.PlatformGreenhouse: c.Greenhouse.BaseURL, domain.PlatformLever: c.Lever.BaseURL, domain.PlatformAshby: c.Ashby.BaseURL}
}

// FormHosts are the platforms' own hosts as configured (a platform left
// out: its real hosts).
func (c AppliersConfig) FormHosts() map[domain.Platform][]string {
	out := map[domain.Platform][]string{}
	for p, f := range map[domain.Platform]FormApplierConfig{domain.PlatformGreenhouse: c.Greenhouse, domain.PlatformLever: c.Lever, domain.PlatformAshby: c.Ashby} {
		if len(f.Hosts) > 0 {
			out[p] = f.Hosts
		}
	}
	return out
}

// RecruiteeApplierConfig is Recruitee's candidate API.
type RecruiteeApplierConfig struct {
	BaseURL string        `mapstructure:"base_url"`
	Timeout time.Duration `mapstructure:"timeout"`
}

// DirectPlatforms are the platforms appliers.platforms may list.
var DirectPlatforms = []string{"recruitee", "greenhouse", "lever", "ashby"}

// NotificationsConfig is the mail applyq sends on its own (digests).
type NotificationsConfig struct {
	// DigestDelay is the digest window: a notice is mailed this long after
	// it is added, with every notice its user gets meanwhile.
	DigestDelay time.Duration `mapstructure:"digest_delay"`
}

// BlobConfig is where bytes are kept: documents (and later evidence).
type BlobConfig struct {
	// URL is file:///abs/dir?create_dir=true&no_tmp_dir=true, or
	// s3://bucket?region=…[&endpoint=…&use_path_style=true] (see package
	// blob); development defaults to ./var/blobs.
	URL string `mapstructure:"url"`
}

// DocumentsConfig is users' uploaded documents.
type DocumentsConfig struct {
	MaxBytes int64 `mapstructure:"max_bytes"`
}

// QuotasConfig is what one user may do, counted in Postgres by the
// services (domain.Quotas); 0 turns a quota off.
type QuotasConfig struct {
	UploadsPerDay         int   `mapstructure:"uploads_per_day"`
	StoredBytes           int64 `mapstructure:"stored_bytes"`
	AnswersPerHour        int   `mapstructure:"answers_per_hour"`
	SourcesPerDay         int   `mapstructure:"sources_per_day"`
	SyncsPerSourcePerHour int   `mapstructure:"syncs_per_source_per_hour"`
}

// SourcesConfig is the job boards users follow: how often and how hard
// applyq reads them, and where each platform's public API is.
type SourcesConfig struct {
	SyncInterval    time.Duration `mapstructure:"sync_interval"`
	Concurrency     int           `mapstructure:"concurrency"`
	RequestTimeout  time.Duration `mapstructure:"request_timeout"`
	SyncTimeout     time.Duration `mapstructure:"sync_timeout"`
	Greenhouse      BoardConfig   `mapstructure:"greenhouse"`
	Lever           LeverConfig   `mapstructure:"lever"`
	Ashby           BoardConfig   `mapstructure:"ashby"`
	SmartRecruiters BoardConfig   `mapstructure:"smartrecruiters"`
	Recruitee       BoardConfig   `mapstructure:"recruitee"`
	Workable        BoardConfig   `mapstructure:"workable"`
	Personio        BoardConfig   `mapstructure:"personio"`
}

// BoardConfig is one platform's public API: its address and the requests
// per second all workers together send it.
type BoardConfig struct {
	BaseURL           string `mapstructure:"base_url"`
	RequestsPerSecond int    `mapstructure:"requests_per_second"`
}

// LeverConfig is Lever's: its boards live on a global and an EU instance.
type LeverConfig struct {
	BaseURL           string `mapstructure:"base_url"`
	EUBaseURL         string `mapstructure:"eu_base_url"`
	RequestsPerSecond int    `mapstructure:"requests_per_second"`
}

// Platforms returns each platform's settings, by platform.
func (c SourcesConfig) Platforms() map[domain.Platform]LeverConfig {
	out := map[domain.Platform]LeverConfig{domain.PlatformLever: c.Lever}
	for p, b := range map[domain.Platform]BoardConfig{domain.PlatformGreenhouse: c.Greenhouse, domain.PlatformAshby: c.Ashby,
		domain.PlatformSmartRecruiters: c.SmartRecruiters, domain.PlatformRecruitee: c.Recruitee, domain.PlatformWorkable: c.Workable,
		domain.PlatformPersonio: c.Personio} {
		out[p] = LeverConfig{BaseURL: b.BaseURL, RequestsPerSecond: b.RequestsPerSecond}
	}
	return out
}

// AuthConfig is sign-in: magic links, sessions and their limits.
type AuthConfig struct {
	MagicLinkTTL       time.Duration `mapstructure:"magic_link_ttl"`
	SessionIdleTimeout time.Duration `mapstructure:"session_idle_timeout"`
	SessionMaxAge      time.Duration `mapstructure:"session_max_age"`
	EmailIPLimit       int           `mapstructure:"email_ip_limit"`
	EmailLimit         int           `mapstructure:"email_limit"`
	IPLimit            int           `mapstructure:"ip_limit"`
	GlobalLimit        int           `mapstructure:"global_limit"`
	PublicIPLimit      int           `mapstructure:"public_ip_limit"`
	LimitWindow        time.Duration `mapstructure:"limit_window"`
	AdminEmails        []string      `mapstructure:"admin_emails"`
}

// MailConfig is outgoing email. With no SMTP address, mail is logged to the
// console (development only).
type MailConfig struct {
	SMTPAddr     string `mapstructure:"smtp_addr"`
	From         string `mapstructure:"from"`
	SMTPUsername string `mapstructure:"smtp_username"`
	SMTPPassword string `mapstructure:"smtp_password"`
}

// DatabaseConfig is the Postgres connection.
type DatabaseConfig struct {
	URL      string `mapstructure:"url"`
	MaxConns int32  `mapstructure:"max_conns"`
}

// LogConfig shapes the zap logger.
type LogConfig struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json or console; empty: json in production, console in development
}

// HTTPConfig is the API server.
type HTTPConfig struct {
	Addr            string        `mapstructure:"addr"`
	PublicBaseURL   string        `mapstructure:"public_base_url"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	RequestTimeout  time.Duration `mapstructure:"request_timeout"`
	BodyLimit       string        `mapstructure:"body_limit"`
	CORSOrigins     []string      `mapstructure:"cors_origins"`
	TrustedProxies  []string      `mapstructure:"trusted_proxies"`
	DevEndpoints    bool          `mapstructure:"dev_endpoints"`
	AdminAddr       string        `mapstructure:"admin_addr"`
}

// WorkerConfig is the River worker process.
type WorkerConfig struct {
	Concurrency       int           `mapstructure:"concurrency"`
	MaxAttempts       int           `mapstructure:"max_attempts"`
	JobTimeout        time.Duration `mapstructure:"job_timeout"`
	FetchCooldown     time.Duration `mapstructure:"fetch_cooldown"`
	FetchPollInterval time.Duration `mapstructure:"fetch_poll_interval"`
	ShutdownTimeout   time.Duration `mapstructure:"shutdown_timeout"`
	HeartbeatInterval time.Duration `mapstructure:"heartbeat_interval"`
	AdminAddr         string        `mapstructure:"admin_addr"`
	Applier           string        `mapstructure:"applier"`
	ID                string        `mapstructure:"id"`
}

// SweeperConfig is the sweeper process.
type SweeperConfig struct {
	Interval    time.Duration `mapstructure:"interval"`
	StuckAfter  time.Duration `mapstructure:"stuck_after"`
	OrphanGrace time.Duration `mapstructure:"orphan_grace"`
	BatchSize   int           `mapstructure:"batch_size"`
	MaxBatches  int           `mapstructure:"max_batches"`
	AdminAddr   string        `mapstructure:"admin_addr"`
	Once        bool          `mapstructure:"once"`
}

// ApprovalConfig is the approval flow.
type ApprovalConfig struct {
	TTL          time.Duration `mapstructure:"ttl"`
	HandoffDelay time.Duration `mapstructure:"handoff_delay"`
	PollInterval time.Duration `mapstructure:"poll_interval"`
}

// WebhookConfig is the webhook applier.
type WebhookConfig struct {
	URL        string        `mapstructure:"url"`
	Secret     string        `mapstructure:"secret"`
	Timeout    time.Duration `mapstructure:"timeout"`
	Idempotent bool          `mapstructure:"idempotent"`
}

var bodyLimitRE = regexp.MustCompile(`^[1-9][0-9]*[KMG]?$`)

// DefaultDatabaseURL is the local development database.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/applyq?sslmode=disable"

func setDefaults(v *viper.Viper) {
	v.SetDefault("env", Development)
	v.SetDefault("database.url", DefaultDatabaseURL)
	v.SetDefault("database.max_conns", 0) // 0: pgx's default, max(4, CPUs)
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "")
	v.SetDefault("http.addr", "127.0.0.1:8080")
	v.SetDefault("http.public_base_url", "") // development: derived from http.addr
	v.SetDefault("http.shutdown_timeout", 15*time.Second)
	v.SetDefault("http.request_timeout", 30*time.Second)
	v.SetDefault("http.body_limit", "2M")
	v.SetDefault("http.cors_origins", []string{})
	v.SetDefault("http.trusted_proxies", []string{})
	v.SetDefault("http.dev_endpoints", false)
	v.SetDefault("http.admin_addr", "127.0.0.1:8081")
	v.SetDefault("auth.magic_link_ttl", 15*time.Minute)
	v.SetDefault("auth.session_idle_timeout", 7*24*time.Hour)
	v.SetDefault("auth.session_max_age", 30*24*time.Hour)
	v.SetDefault("auth.email_ip_limit", 5)
	v.SetDefault("auth.email_limit", 20)
	v.SetDefault("auth.ip_limit", 30)
	v.SetDefault("auth.global_limit", 1000)
	v.SetDefault("auth.public_ip_limit", 60)
	v.SetDefault("auth.limit_window", 15*time.Minute)
	v.SetDefault("mail.smtp_addr", "")
	v.SetDefault("mail.from", "applyq <no-reply@localhost>")
	v.SetDefault("mail.smtp_username", "")
	v.SetDefault("mail.smtp_password", "")
	v.SetDefault("worker.concurrency", 10)
	v.SetDefault("worker.max_attempts", 5)
	// Above appliers.browser.deadline plus appliers.browser.code_window
	// (13m by default): a page waiting for a security code holds its job.
	v.SetDefault("worker.job_timeout", 20*time.Minute)
	v.SetDefault("worker.fetch_cooldown", 100*time.Millisecond)
	v.SetDefault("worker.fetch_poll_interval", time.Second)
	v.SetDefault("worker.shutdown_timeout", 30*time.Second)
	v.SetDefault("worker.applier", "dry_run")
	v.SetDefault("worker.id", "")
	v.SetDefault("sweeper.interval", 30*time.Second)
	v.SetDefault("sweeper.stuck_after", 5*time.Minute)
	v.SetDefault("sweeper.once", false)
	v.SetDefault("sweeper.orphan_grace", time.Minute)
	v.SetDefault("sweeper.batch_size", 500)
	v.SetDefault("sweeper.max_batches", 20)
	v.SetDefault("worker.heartbeat_interval", 10*time.Second)
	v.SetDefault("worker.admin_addr", "127.0.0.1:8082")
	v.SetDefault("sweeper.admin_addr", "127.0.0.1:8083")
	v.SetDefault("auth.admin_emails", []string{})
	v.SetDefault("approval.ttl", 20*time.Minute)
	v.SetDefault("approval.handoff_delay", 5*time.Second)
	v.SetDefault("approval.poll_interval", 30*time.Second)
	v.SetDefault("webhook.url", "")
	v.SetDefault("webhook.secret", "")
	v.SetDefault("webhook.timeout", 30*time.Second)
	v.SetDefault("webhook.idempotent", false)
	v.SetDefault("sources.sync_interval", 6*time.Hour)
	v.SetDefault("sources.concurrency", 4)
	v.SetDefault("sources.request_timeout", 30*time.Second)
	v.SetDefault("sources.sync_timeout", 10*time.Minute)
	for _, p := range domain.Platforms {
		v.SetDefault("sources."+string(p)+".base_url", sources.DefaultBaseURL(p))
		v.SetDefault("sources."+string(p)+".requests_per_second", 5)
	}
	v.SetDefault("sources.lever.eu_base_url", sources.DefaultLeverEUBaseURL)
	v.SetDefault("blob.url", "") // development: derived, see DefaultBlobURL
	v.SetDefault("documents.max_bytes", domain.DefaultMaxDocumentBytes)
	v.SetDefault("quotas.uploads_per_day", 20)
	v.SetDefault("quotas.stored_bytes", 100<<20)
	v.SetDefault("quotas.answers_per_hour", 50)
	v.SetDefault("quotas.sources_per_day", 20)
	v.SetDefault("quotas.syncs_per_source_per_hour", 4)
	v.SetDefault("notifications.digest_delay", time.Minute)
	v.SetDefault("appliers.platforms", []string{})
	v.SetDefault("appliers.per_platform_per_minute", 10)
	v.SetDefault("appliers.per_employer_per_hour", 10)
	v.SetDefault("appliers.recruitee.base_url", "https://{board}.recruitee.com")
	v.SetDefault("appliers.recruitee.timeout", time.Minute)
	v.SetDefault("appliers.browser.chromium", "chromium")
	v.SetDefault("appliers.browser.max_browsers", 2)
	v.SetDefault("appliers.browser.deadline", 3*time.Minute)
	v.SetDefault("appliers.browser.no_sandbox", false)
	v.SetDefault("appliers.browser.form_max_age", 24*time.Hour)
	v.SetDefault("appliers.browser.code_window", 10*time.Minute)
	v.SetDefault("appliers.greenhouse.base_url", "https://job-boards.greenhouse.io")
	v.SetDefault("appliers.lever.base_url", "https://jobs.lever.co")
	v.SetDefault("appliers.ashby.base_url", "https://jobs.ashbyhq.com")
	for _, p := range browser.Platforms() {
		v.SetDefault("appliers."+string(p)+".hosts", browser.Hosts(p))
	}
}

// DefaultBlobDir is the development blob store, relative to the working
// directory (make run's is the repository).
const DefaultBlobDir = "var/blobs"

// DefaultBlobURL is blob.url in development when none is set: the absolute
// path of ./var/blobs, created at start-up, each blob's temporary file
// written beside it (so the final rename stays on one file system).
func DefaultBlobURL() (string, error) {
	dir, err := filepath.Abs(DefaultBlobDir)
	if err != nil {
		return "", fmt.Errorf("blob.url: the default directory: %w", err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir), RawQuery: "create_dir=true&no_tmp_dir=true"}).String(), nil
}

// Load parses args with fs (from Flags(process)) and returns the
// configuration, with the settings process reads validated.
func Load(process string, fs *pflag.FlagSet, args []string) (*Config, error) {
	if !slices.Contains(Processes, process) {
		return nil, fmt.Errorf("config: unknown process %q", process)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	v := viper.New()
	setDefaults(v)
	v.SetEnvPrefix("APPLYQ")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	path, _ := fs.GetString("config")
	if path == "" {
		path = os.Getenv("APPLYQ_CONFIG")
	}
	if path != "" {
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	// Only flags given on the command line override.
	var bindErr error
	fs.Visit(func(f *pflag.Flag) {
		if f.Name == "config" {
			return
		}
		key := f.Name
		if a, ok := aliases[process][key]; ok {
			key = a
		}
		if err := v.BindPFlag(key, f); err != nil {
			bindErr = err
		}
	})
	if bindErr != nil {
		return nil, bindErr
	}
	var cfg Config
	if err := v.Unmarshal(&cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if cfg.Log.Format == "" {
		cfg.Log.Format = "console"
		if cfg.Env == Production {
			cfg.Log.Format = "json"
		}
	}
	if cfg.HTTP.PublicBaseURL == "" && cfg.Env != Production {
		cfg.HTTP.PublicBaseURL = baseURLOf(cfg.HTTP.Addr)
	}
	if cfg.Blob.URL == "" && cfg.Env != Production {
		u, err := DefaultBlobURL()
		if err != nil {
			return nil, err
		}
		cfg.Blob.URL = u
	}
	if err := cfg.Validate(process); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Validate checks the settings that process reads and returns one error
// listing each bad one by its key, its environment variable, and how to fix
// it. A setting is checked by every process that reads it (ReadBy), so
// those that must agree across processes (worker.heartbeat_interval and
// sweeper.stuck_after) are checked by each.
func (c *Config) Validate(process string) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		if !slices.Contains(ReadBy(key), process) {
			return
		}
		errs = append(errs, fmt.Errorf("%s (%s): %s", key, EnvName(key), fmt.Sprintf(format, args...)))
	}
	if c.Env != Development && c.Env != Production {
		bad("env", "must be development or production, got %q", c.Env)
	}
	if u, err := url.Parse(c.Database.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad("database.url", "must be a postgres:// URL such as %s", DefaultDatabaseURL)
	}
	if c.Database.MaxConns < 0 {
		bad("database.max_conns", "must be 0 (pgx default) or more, got %d", c.Database.MaxConns)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		bad("log.format", "must be json or console, got %q", c.Log.Format)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "must be a listen address host:port such as 127.0.0.1:8080, got %q", c.HTTP.Addr)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.AdminAddr); err != nil {
		bad("http.admin_addr", "must be a host:port to serve the API's metrics and health on, such as 127.0.0.1:8081 (keep it off the public network), got %q", c.HTTP.AdminAddr)
	}
	if c.HTTP.PublicBaseURL == "" && c.Env == Production {
		bad("http.public_base_url", "must be https in production and set explicitly: the URL users reach the dashboard at, such as https://applyq.example.com")
	} else if u, err := url.Parse(c.HTTP.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("http.public_base_url", "must be the absolute http(s) URL users reach the dashboard at, such as https://applyq.example.com")
	} else if c.Env == Production && u.Scheme != "https" {
		bad("http.public_base_url", "must be https in production (sign-in links and cookies depend on it)")
	}
	if c.HTTP.RequestTimeout < time.Second {
		bad("http.request_timeout", "must be at least 1s, got %s", c.HTTP.RequestTimeout)
	}
	if !bodyLimitRE.MatchString(c.HTTP.BodyLimit) {
		bad("http.body_limit", "must be a size such as 2M or 512K, got %q", c.HTTP.BodyLimit)
	}
	for _, o := range c.HTTP.CORSOrigins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || o == "*" {
			bad("http.cors_origins", "each origin must be scheme://host[:port] (no wildcard), got %q", o)
		}
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, n, err := net.ParseCIDR(p); err != nil {
			bad("http.trusted_proxies", "each entry must be a CIDR such as 10.0.0.0/8, got %q", p)
		} else if c.Env == Production && !isNonPublic(n) {
			bad("http.trusted_proxies", "%q includes public internet addresses, so any client could forge its address with X-Forwarded-For: in production list only the private, loopback or link-local ranges your load balancer connects from, such as 10.0.0.0/8", p)
		}
	}
	if c.HTTP.DevEndpoints && c.Env == Production {
		bad("http.dev_endpoints", "development endpoints cannot be enabled in production: set it to false")
	}
	if c.Auth.MagicLinkTTL < time.Minute || c.Auth.MagicLinkTTL > 24*time.Hour {
		bad("auth.magic_link_ttl", "must be between 1m and 24h, got %s", c.Auth.MagicLinkTTL)
	}
	if c.Auth.SessionIdleTimeout < time.Minute || c.Auth.SessionIdleTimeout > c.Auth.SessionMaxAge {
		bad("auth.session_idle_timeout", "must be at least 1m and at most auth.session_max_age (%s), got %s", c.Auth.SessionMaxAge, c.Auth.SessionIdleTimeout)
	}
	for _, l := range []struct {
		key string
		n   int
	}{{"auth.email_ip_limit", c.Auth.EmailIPLimit}, {"auth.email_limit", c.Auth.EmailLimit}, {"auth.ip_limit", c.Auth.IPLimit}, {"auth.global_limit", c.Auth.GlobalLimit},
		{"auth.public_ip_limit", c.Auth.PublicIPLimit}} {
		if l.n < 1 {
			bad(l.key, "must be at least 1, got %d", l.n)
		}
	}
	if c.Auth.LimitWindow < time.Minute {
		bad("auth.limit_window", "must be at least 1m, got %s", c.Auth.LimitWindow)
	}
	if c.Env == Production && c.Mail.SMTPAddr == "" {
		bad("mail.smtp_addr", "must be set in production (host:port of your SMTP server): the console mailer is for development")
	}
	if c.Worker.Concurrency < 1 || c.Worker.Concurrency > 10000 {
		bad("worker.concurrency", "must be between 1 and 10000, got %d", c.Worker.Concurrency)
	}
	if c.Worker.MaxAttempts < 1 || c.Worker.MaxAttempts > 20 {
		bad("worker.max_attempts", "must be between 1 and 20, got %d", c.Worker.MaxAttempts)
	}
	if c.Worker.JobTimeout < time.Second {
		bad("worker.job_timeout", "must be at least 1s, got %s", c.Worker.JobTimeout)
	}
	if c.Worker.FetchCooldown < time.Millisecond {
		bad("worker.fetch_cooldown", "must be at least 1ms, got %s", c.Worker.FetchCooldown)
	}
	if c.Worker.FetchPollInterval < c.Worker.FetchCooldown {
		bad("worker.fetch_poll_interval", "must be at least worker.fetch_cooldown (%s), got %s", c.Worker.FetchCooldown, c.Worker.FetchPollInterval)
	}
	switch c.Worker.Applier {
	case "dry_run":
		if c.Env == Production {
			bad("worker.applier", "dry_run sends nothing and is for development: use webhook in production")
		}
	case "webhook":
		if u, err := url.Parse(c.Webhook.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("webhook.url", "must be the http(s) URL submissions are POSTed to when worker.applier is webhook")
		}
		if len(c.Webhook.Secret) < 32 {
			bad("webhook.secret", "must be at least 32 characters (it signs every submission)")
		}
	default:
		bad("worker.applier", "must be dry_run or webhook, got %q", c.Worker.Applier)
	}
	if u, err := url.Parse(c.Webhook.URL); c.Env == Production && c.Webhook.URL != "" && err == nil && u.Scheme != "https" {
		bad("webhook.url", "must be https in production: submissions carry applicants' personal data, which http sends in clear text")
	}
	if c.Webhook.Timeout < time.Second {
		bad("webhook.timeout", "must be at least 1s, got %s", c.Webhook.Timeout)
	}
	if c.Approval.HandoffDelay < 0 || c.Approval.HandoffDelay > 10*time.Minute {
		bad("approval.handoff_delay", "must be between 0 and 10m, got %s", c.Approval.HandoffDelay)
	}
	if c.Approval.PollInterval < time.Second {
		bad("approval.poll_interval", "must be at least 1s, got %s", c.Approval.PollInterval)
	}
	if c.Sweeper.Interval < time.Second {
		bad("sweeper.interval", "must be at least 1s, got %s", c.Sweeper.Interval)
	}
	if c.Sweeper.StuckAfter < 10*time.Second {
		bad("sweeper.stuck_after", "must be at least 10s, got %s", c.Sweeper.StuckAfter)
	}
	if c.Worker.HeartbeatInterval < 100*time.Millisecond || 3*c.Worker.HeartbeatInterval > c.Sweeper.StuckAfter {
		bad("worker.heartbeat_interval", "must be at least 100ms and at most a third of sweeper.stuck_after (%s), got %s", c.Sweeper.StuckAfter, c.Worker.HeartbeatInterval)
	}
	if c.Sweeper.OrphanGrace < 0 {
		bad("sweeper.orphan_grace", "must not be negative, got %s", c.Sweeper.OrphanGrace)
	}
	if c.Sweeper.BatchSize < 1 || c.Sweeper.BatchSize > 10000 {
		bad("sweeper.batch_size", "must be between 1 and 10000, got %d", c.Sweeper.BatchSize)
	}
	if c.Sweeper.MaxBatches < 1 {
		bad("sweeper.max_batches", "must be at least 1, got %d", c.Sweeper.MaxBatches)
	}
	if c.Sources.SyncInterval < domain.MinSyncEvery || c.Sources.SyncInterval > domain.MaxSyncEvery {
		bad("sources.sync_interval", "must be between %s and %s, got %s", domain.MinSyncEvery, domain.MaxSyncEvery, c.Sources.SyncInterval)
	}
	if c.Sources.Concurrency < 1 || c.Sources.Concurrency > 100 {
		bad("sources.concurrency", "must be between 1 and 100, got %d", c.Sources.Concurrency)
	}
	if c.Sources.RequestTimeout < time.Second || c.Sources.RequestTimeout > 5*time.Minute {
		bad("sources.request_timeout", "must be between 1s and 5m, got %s", c.Sources.RequestTimeout)
	}
	if c.Sources.SyncTimeout < c.Sources.RequestTimeout || c.Sources.SyncTimeout > time.Hour {
		bad("sources.sync_timeout", "must be at least sources.request_timeout (%s) and at most 1h, got %s", c.Sources.RequestTimeout, c.Sources.SyncTimeout)
	}
	for p, b := range c.Sources.Platforms() {
		if _, err := sources.New(p, sources.Options{BaseURL: b.BaseURL, EUBaseURL: b.EUBaseURL}); err != nil {
			key := "sources." + string(p) + ".base_url"
			if strings.Contains(err.Error(), ".eu_base_url") {
				key = "sources.lever.eu_base_url"
			}
			bad(key, "%s", domain.ErrorMessage(err))
		}
		if b.RequestsPerSecond < 1 || b.RequestsPerSecond > 1000 {
			bad("sources."+string(p)+".requests_per_second", "must be between 1 and 1000, got %d", b.RequestsPerSecond)
		}
		if c.Env == Production {
			for key, raw := range map[string]string{"base_url": b.BaseURL, "eu_base_url": b.EUBaseURL} {
				if u, err := url.Parse(strings.ReplaceAll(raw, "{board}", "acme")); err == nil && u.Scheme == "http" {
					bad("sources."+string(p)+"."+key, "must be https in production: a board read over http can be changed on its way, got %q", raw)
				}
			}
		}
	}
	if problem := blobURLProblem(c.Blob.URL, c.Env == Production); problem != "" {
		bad("blob.url", "%s", problem)
	}
	if c.Documents.MaxBytes < domain.MinMaxDocumentBytes || c.Documents.MaxBytes > domain.MaxMaxDocumentBytes {
		bad("documents.max_bytes", "must be between %d (%s) and %d (%s) bytes, got %d", domain.MinMaxDocumentBytes, domain.FormatBytes(domain.MinMaxDocumentBytes),
			domain.MaxMaxDocumentBytes, domain.FormatBytes(domain.MaxMaxDocumentBytes), c.Documents.MaxBytes)
	}
	for _, q := range []struct {
		key string
		n   int
	}{{"quotas.uploads_per_day", c.Quotas.UploadsPerDay}, {"quotas.answers_per_hour", c.Quotas.AnswersPerHour},
		{"quotas.sources_per_day", c.Quotas.SourcesPerDay}, {"quotas.syncs_per_source_per_hour", c.Quotas.SyncsPerSourcePerHour}} {
		if q.n < 0 || q.n > 100000 {
			bad(q.key, "must be 0 (no quota) or between 1 and 100000, got %d", q.n)
		}
	}
	if q := c.Quotas.StoredBytes; q != 0 && (q < c.Documents.MaxBytes || q > 1<<40) {
		bad("quotas.stored_bytes", "must be 0 (no quota) or between documents.max_bytes (%d) and 1099511627776 (1 TiB) bytes, got %d", c.Documents.MaxBytes, q)
	}
	if c.Notifications.DigestDelay < 0 || c.Notifications.DigestDelay > time.Hour {
		bad("notifications.digest_delay", "must be between 0 and 1h, got %s", c.Notifications.DigestDelay)
	}
	for _, p := range c.Appliers.Platforms {
		if !slices.Contains(DirectPlatforms, p) {
			bad("appliers.platforms", "each must be one of %s, got %q", strings.Join(DirectPlatforms, ", "), p)
		}
	}
	if c.Appliers.PerPlatformPerMinute < 1 || c.Appliers.PerPlatformPerMinute > 10000 {
		bad("appliers.per_platform_per_minute", "must be between 1 and 10000, got %d", c.Appliers.PerPlatformPerMinute)
	}
	if c.Appliers.PerEmployerPerHour < 1 || c.Appliers.PerEmployerPerHour > 10000 {
		bad("appliers.per_employer_per_hour", "must be between 1 and 10000, got %d", c.Appliers.PerEmployerPerHour)
	}
	if u, err := url.Parse(strings.ReplaceAll(c.Appliers.Recruitee.BaseURL, "{board}", "acme")); err != nil || (u.Scheme != "https" && u.Scheme != "http") ||
		u.Host == "" || !strings.Contains(c.Appliers.Recruitee.BaseURL, "{board}") {
		bad("appliers.recruitee.base_url", "must be an http(s) URL with {board} where the company goes, such as https://{board}.recruitee.com, got %q", c.Appliers.Recruitee.BaseURL)
	}
	if c.Appliers.Recruitee.Timeout < time.Second || c.Appliers.Recruitee.Timeout > 10*time.Minute {
		bad("appliers.recruitee.timeout", "must be between 1s and 10m, got %s", c.Appliers.Recruitee.Timeout)
	}
	b := c.Appliers.Browser
	if strings.TrimSpace(b.Chromium) == "" {
		bad("appliers.browser.chromium", "must name the Chromium binary (a path, or a name looked up in PATH)")
	}
	if b.MaxBrowsers < 1 || b.MaxBrowsers > 32 {
		bad("appliers.browser.max_browsers", "must be between 1 and 32, got %d", b.MaxBrowsers)
	}
	if b.Deadline < 10*time.Second || b.Deadline > 30*time.Minute {
		bad("appliers.browser.deadline", "must be between 10s and 30m, got %s", b.Deadline)
	} else if c.Appliers.UsesBrowser() && b.Deadline >= c.Worker.JobTimeout && c.Worker.JobTimeout >= time.Second {
		bad("appliers.browser.deadline", "must be shorter than worker.job_timeout (%s), got %s", c.Worker.JobTimeout, b.Deadline)
	}
	if b.CodeWindow < time.Minute || b.CodeWindow > 30*time.Minute {
		bad("appliers.browser.code_window", "must be between 1m and 30m, got %s", b.CodeWindow)
	} else if c.Appliers.UsesBrowser() && b.Deadline < c.Worker.JobTimeout && b.Deadline+b.CodeWindow >= c.Worker.JobTimeout && c.Worker.JobTimeout >= time.Second {
		bad("worker.job_timeout", "must be longer than appliers.browser.deadline (%s) plus appliers.browser.code_window (%s), %s, when a browser platform is on: "+
			"an application's job holds its page while the page waits for the security code mailed to the applicant, and a job that times out then "+
			"leaves the application unfinished; got %s (raise it, or shorten the deadline or the code window)",
			b.Deadline, b.CodeWindow, b.Deadline+b.CodeWindow, c.Worker.JobTimeout)
	}
	if b.FormMaxAge < time.Minute || b.FormMaxAge > 720*time.Hour {
		bad("appliers.browser.form_max_age", "must be between 1m and 720h (30 days), got %s", b.FormMaxAge)
	}
	for p, f := range map[string]FormApplierConfig{"greenhouse": c.Appliers.Greenhouse, "lever": c.Appliers.Lever, "ashby": c.Appliers.Ashby} {
		pu, err := url.Parse(f.BaseURL)
		switch {
		case err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" || pu.User != nil:
			bad("appliers."+p+".base_url", "must be an http(s) URL, with a path if a proxy or a replica serves the forms under one, and no query, such as https://jobs.example.com or https://proxy.example.com/greenhouse, got %q", f.BaseURL)
		case c.Env == Production && pu.Scheme != "https":
			bad("appliers."+p+".base_url", "must be https in production: applications carry applicants' personal data, which http sends in clear text, got %q", f.BaseURL)
		}
		for _, h := range f.Hosts {
			if h = strings.TrimSpace(h); h == "" || strings.ContainsAny(h, "/:@?# ") || strings.Trim(h, ".") != h {
				bad("appliers."+p+".hosts", "each must be a host name alone, such as job-boards.greenhouse.io, got %q", h)
			}
		}
	}
	if c.Env == Production {
		if u, err := url.Parse(strings.ReplaceAll(c.Appliers.Recruitee.BaseURL, "{board}", "acme")); err == nil && u.Scheme == "http" {
			bad("appliers.recruitee.base_url", "must be https in production: applications carry applicants' personal data, which http sends in clear text, got %q", c.Appliers.Recruitee.BaseURL)
		}
	}
	if c.Approval.TTL < time.Minute || c.Approval.TTL > 7*24*time.Hour {
		bad("approval.ttl", "must be between 1m and 168h, got %s", c.Approval.TTL)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration:\n  %w", errors.Join(errs...))
}

// blobURLProblem says what is wrong with blob.url, or "". Production needs
// a store every api and worker replica shares and that outlives them: S3,
// or an absolute directory (a shared volume); never mem:// or a relative
// path. Credentials never go in the URL.
func blobURLProblem(raw string, production bool) string {
	const forms = "s3://bucket?region=eu-west-1 (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the instance role) or an absolute file:///var/lib/applyq/blobs?create_dir=true&no_tmp_dir=true"
	if raw == "" {
		return "must be set in production, to where documents are kept, shared by every api and worker: " + forms
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "file" && u.Scheme != "s3" && u.Scheme != "mem") {
		return fmt.Sprintf("must be %s (mem:// in tests), got %q", forms, raw)
	}
	switch {
	case u.User != nil:
		return "must not carry credentials: S3 credentials come from the standard AWS environment variables, shared config files or the instance role"
	case u.Scheme == "s3" && u.Host == "":
		return "must name the bucket: s3://bucket?region=…"
	case u.Scheme == "file" && !strings.HasPrefix(u.Path, "/"):
		return fmt.Sprintf("must be a directory: file:///absolute/path (three slashes), got %q", raw)
	case u.Scheme == "file" && u.Host == "." && production:
		return fmt.Sprintf("must be an absolute directory in production (file:///path, three slashes), not relative to the working directory, got %q", raw)
	case u.Scheme == "mem" && production:
		return "mem:// keeps documents in one process's memory, for tests: in production use " + forms
	}
	return ""
}

// Redacted returns the effective configuration for logging, keyed as in the
// config file, with durations in words and the database password removed.
func (c *Config) Redacted() map[string]any {
	out := toMap(reflect.ValueOf(*c))
	out["database"].(map[string]any)["url"] = RedactDatabaseURL(c.Database.URL)
	if c.Webhook.Secret != "" {
		out["webhook"].(map[string]any)["secret"] = "REDACTED"
	}
	if c.Mail.SMTPPassword != "" {
		out["mail"].(map[string]any)["smtp_password"] = "REDACTED"
	}
	return out
}

func toMap(v reflect.Value) map[string]any {
	out := map[string]any{}
	for i := 0; i < v.NumField(); i++ {
		key := v.Type().Field(i).Tag.Get("mapstructure")
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Struct:
			out[key] = toMap(f)
		case f.Type() == reflect.TypeOf(time.Duration(0)):
			out[key] = f.Interface().(time.Duration).String()
		default:
			out[key] = f.Interface()
		}
	}
	return out
}

// Keys lists every configuration key (for documentation checks).
func Keys() []string {
	v := viper.New()
	setDefaults(v)
	keys := v.AllKeys()
	sort.Strings(keys)
	return keys
}

// EnvName is the environment variable of key.
func EnvName(key string) string {
	return "APPLYQ_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}
