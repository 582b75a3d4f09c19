package config_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/config"
)

func TestLoad_Defaults(t *testing.T) {
	cfg, err := config.Load("worker", config.Flags("worker"), nil)
	require.NoError(t, err)
	require.Equal(t, config.Development, cfg.Env)
	require.Equal(t, "console", cfg.Log.Format)
	require.Equal(t, 20*time.Minute, cfg.Approval.TTL)
	require.Equal(t, 10, cfg.Worker.Concurrency)
}

func TestLoad_Precedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "applyq.yaml")
	require.NoError(t, os.WriteFile(file, []byte("worker:\n  concurrency: 3\n  max_attempts: 7\nlog:\n  level: debug\n"), 0o600))
	t.Setenv("APPLYQ_WORKER_MAX_ATTEMPTS", "9")
	t.Setenv("APPLYQ_LOG_LEVEL", "warn")

	cfg, err := config.Load("worker", config.Flags("worker"), []string{"--config", file, "--log.level", "error"})
	require.NoError(t, err)
	require.Equal(t, 3, cfg.Worker.Concurrency, "file over default")
	require.Equal(t, 9, cfg.Worker.MaxAttempts, "env over file")
	require.Equal(t, "error", cfg.Log.Level, "flag over env")
}

func TestLoad_SweeperFlags(t *testing.T) {
	cfg, err := config.Load("sweeper", config.Flags("sweeper"), []string{"--once", "--interval", "2m"})
	require.NoError(t, err)
	require.True(t, cfg.Sweeper.Once)
	require.Equal(t, 2*time.Minute, cfg.Sweeper.Interval)
}

func TestLoad_ErrorsNameSettingAndFix(t *testing.T) {
	t.Setenv("APPLYQ_WORKER_CONCURRENCY", "0")
	t.Setenv("APPLYQ_DATABASE_URL", "mysql://nope")
	t.Setenv("APPLYQ_ENV", "production")
	_, err := config.Load("worker", config.Flags("worker"), nil)
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, "worker.concurrency (APPLYQ_WORKER_CONCURRENCY): must be between 1 and 10000, got 0")
	require.Contains(t, msg, "database.url (APPLYQ_DATABASE_URL): must be a postgres:// URL")
	require.Contains(t, msg, "http.public_base_url (APPLYQ_HTTP_PUBLIC_BASE_URL): must be https in production")
}

func TestRedacted_HidesPassword(t *testing.T) {
	t.Setenv("APPLYQ_DATABASE_URL", "postgres://app:s3cret@db:5432/applyq")
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	red := cfg.Redacted()
	require.NotContains(t, red["database"].(map[string]any)["url"], "s3cret")
}

// field returns the value of cfg's setting key (its mapstructure path).
func field(t *testing.T, cfg *config.Config, key string) reflect.Value {
	t.Helper()
	v := reflect.ValueOf(*cfg)
next:
	for _, part := range strings.Split(key, ".") {
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).Tag.Get("mapstructure") == part {
				v = v.Field(i)
				continue next
			}
		}
		t.Fatalf("no field for key %s", key)
	}
	return v
}

// flagValue spells v as a command-line value.
func flagValue(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return x.String()
	case []string:
		return strings.Join(x, ",")
	default:
		return fmt.Sprint(x)
	}
}

// TestFlags_EveryKeyOnEveryBinary: every setting is a flag of every binary,
// and a flag wins over the environment. The environment holds a value that
// is wrong for the key (or at least different), the flag the default: Load
// must succeed with the default.
func TestFlags_EveryKeyOnEveryBinary(t *testing.T) {
	defaults, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	for _, process := range []string{"api", "worker", "sweeper", "migrate"} {
		for _, key := range config.Keys() {
			t.Run(process+"/"+key, func(t *testing.T) {
				require.NotNil(t, config.Flags(process).Lookup(key), "applyq-%s has no --%s", process, key)
				want := field(t, defaults, key)
				t.Setenv(config.EnvName(key), "from-env-not-valid")
				cfg, err := config.Load(process, config.Flags(process), []string{"--" + key + "=" + flagValue(want)})
				require.NoError(t, err)
				got := field(t, cfg, key)
				if want.Kind() == reflect.Slice {
					require.Equal(t, want.Len(), got.Len(), key)
					return
				}
				require.Equal(t, want.Interface(), got.Interface(), "--%s wins over %s", key, config.EnvName(key))
			})
		}
	}
}

func TestLoad_PublicBaseURLFollowsHTTPAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:9000":   "http://127.0.0.1:9000",
		":9000":          "http://127.0.0.1:9000",
		"[::]:9000":      "http://127.0.0.1:9000",
		"[::1]:9000":     "http://[::1]:9000",
		"localhost:9000": "http://localhost:9000",
		"127.0.0.1:8080": "http://127.0.0.1:8080",
	} {
		t.Run(addr, func(t *testing.T) {
			t.Setenv("APPLYQ_HTTP_ADDR", addr)
			cfg, err := config.Load("worker", config.Flags("worker"), nil)
			require.NoError(t, err)
			require.Equal(t, want, cfg.HTTP.PublicBaseURL)
		})
	}
	t.Run("flag", func(t *testing.T) {
		cfg, err := config.Load("api", config.Flags("api"), []string{"--http.addr", "127.0.0.1:9001"})
		require.NoError(t, err)
		require.Equal(t, "http://127.0.0.1:9001", cfg.HTTP.PublicBaseURL)
	})
	t.Run("explicit wins", func(t *testing.T) {
		t.Setenv("APPLYQ_HTTP_ADDR", "0.0.0.0:9000")
		t.Setenv("APPLYQ_HTTP_PUBLIC_BASE_URL", "http://dev.example.test:8443")
		cfg, err := config.Load("api", config.Flags("api"), nil)
		require.NoError(t, err)
		require.Equal(t, "http://dev.example.test:8443", cfg.HTTP.PublicBaseURL)
	})
	t.Run("production needs it explicit", func(t *testing.T) {
		setProduction(t)
		t.Setenv("APPLYQ_HTTP_PUBLIC_BASE_URL", "")
		t.Setenv("APPLYQ_HTTP_ADDR", "0.0.0.0:9000")
		_, err := config.Load("api", config.Flags("api"), nil)
		require.ErrorContains(t, err, "http.public_base_url (APPLYQ_HTTP_PUBLIC_BASE_URL): must be https in production")
	})
}

// setProduction sets a valid production configuration.
func setProduction(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"APPLYQ_ENV":                  "production",
		"APPLYQ_HTTP_PUBLIC_BASE_URL": "https://applyq.example.com",
		"APPLYQ_MAIL_SMTP_ADDR":       "smtp.example.com:587",
		"APPLYQ_WORKER_APPLIER":       "webhook",
		"APPLYQ_WEBHOOK_URL":          "https://hooks.example.com/applyq",
		"APPLYQ_WEBHOOK_SECRET":       strings.Repeat("s", 32),
		"APPLYQ_BLOB_URL":             "s3://applyq-documents?region=eu-west-1",
	} {
		t.Setenv(k, v)
	}
	for _, process := range config.Processes {
		_, err := config.Load(process, config.Flags(process), nil)
		require.NoError(t, err, "the production baseline is valid for %s", process)
	}
}

// TestValidate_ProductionRefusesUnsafeSettings: trusted proxies that cover
// public addresses (anyone could forge X-Forwarded-For) and a clear-text
// webhook.
func TestValidate_ProductionRefusesUnsafeSettings(t *testing.T) {
	for _, cidr := range []string{"0.0.0.0/0", "::/0", "0.0.0.0/1", "8.8.8.0/24", "10.0.0.0/7", "2000::/3", "::ffff:0.0.0.0/96", "10.0.0.0/8,0.0.0.0/0"} {
		t.Run("proxies "+cidr, func(t *testing.T) {
			setProduction(t)
			t.Setenv("APPLYQ_HTTP_TRUSTED_PROXIES", cidr)
			_, err := config.Load("api", config.Flags("api"), nil)
			require.ErrorContains(t, err, "http.trusted_proxies (APPLYQ_HTTP_TRUSTED_PROXIES): ")
			require.ErrorContains(t, err, "private, loopback or link-local")
		})
	}
	for _, cidr := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.1.0/24", "127.0.0.1/32", "100.64.0.0/10", "169.254.0.0/16", "::1/128", "fd00::/8", "fe80::/10", "::ffff:10.0.0.0/104"} {
		t.Run("proxies "+cidr, func(t *testing.T) {
			setProduction(t)
			t.Setenv("APPLYQ_HTTP_TRUSTED_PROXIES", cidr)
			_, err := config.Load("api", config.Flags("api"), nil)
			require.NoError(t, err)
		})
	}
	t.Run("development trusts what it is told", func(t *testing.T) {
		t.Setenv("APPLYQ_HTTP_TRUSTED_PROXIES", "0.0.0.0/0")
		_, err := config.Load("api", config.Flags("api"), nil)
		require.NoError(t, err)
	})
	for _, c := range []struct{ key, env, value string }{
		{"appliers.greenhouse.base_url", "APPLYQ_APPLIERS_GREENHOUSE_BASE_URL", "http://proxy.internal/greenhouse"},
		{"appliers.recruitee.base_url", "APPLYQ_APPLIERS_RECRUITEE_BASE_URL", "http://{board}.recruitee.example"},
		{"sources.lever.base_url", "APPLYQ_SOURCES_LEVER_BASE_URL", "http://api.lever.example"},
		{"sources.lever.eu_base_url", "APPLYQ_SOURCES_LEVER_EU_BASE_URL", "http://api.eu.lever.example"},
		{"sources.personio.base_url", "APPLYQ_SOURCES_PERSONIO_BASE_URL", "http://{board}.jobs.personio.example"},
	} {
		t.Run("http "+c.key, func(t *testing.T) {
			setProduction(t)
			t.Setenv(c.env, c.value)
			_, err := config.Load("worker", config.Flags("worker"), nil)
			require.ErrorContains(t, err, c.key+" ("+c.env+"): must be https in production")
		})
	}
	t.Run("http webhook", func(t *testing.T) {
		setProduction(t)
		t.Setenv("APPLYQ_WEBHOOK_URL", "http://hooks.example.com/applyq")
		_, err := config.Load("worker", config.Flags("worker"), nil)
		require.ErrorContains(t, err, "webhook.url (APPLYQ_WEBHOOK_URL): must be https in production")
	})
}

var secretURLs = []string{
	"postgres://app:s3cret@db:5432/applyq",
	"postgres://app@db:5432/applyq?sslmode=require&password=s3cret",
	"postgresql://app@db/applyq?pass%77ord=s3cret&sslpassword=s3cret",
	"host=db user=app password=s3cret dbname=applyq",
	"host=db user=app password = 's3c ret' dbname=applyq",
	"host=db sslpassword=s3cret dbname=applyq",
}

func TestRedacted_HidesPasswordInEveryForm(t *testing.T) {
	for _, u := range secretURLs {
		cfg, err := config.Load("api", config.Flags("api"), nil)
		require.NoError(t, err)
		cfg.Database.URL = u
		red := cfg.Redacted()["database"].(map[string]any)["url"].(string)
		require.NotContains(t, red, "s3c", u)
		require.Contains(t, red, "db", "the host is still shown")
	}
}

// TestKeys_CoverConfig: every field of Config has a default, so it is in
// Keys() (documented, checked) as well as a flag.
func TestKeys_CoverConfig(t *testing.T) {
	keys := map[string]bool{}
	for _, k := range config.Keys() {
		keys[k] = true
	}
	var walk func(prefix string, v reflect.Type)
	walk = func(prefix string, v reflect.Type) {
		for i := 0; i < v.NumField(); i++ {
			key := prefix + v.Field(i).Tag.Get("mapstructure")
			if v.Field(i).Type.Kind() == reflect.Struct {
				walk(key+".", v.Field(i).Type)
				continue
			}
			require.True(t, keys[key], "%s has a default in setDefaults", key)
		}
	}
	walk("", reflect.TypeOf(config.Config{}))
}

// TestRedactDatabaseURL: the Go function and its shell twin (for make's
// messages) hide every password form pgx accepts and keep the rest.
func TestRedactDatabaseURL(t *testing.T) {
	script, err := filepath.Abs("../../scripts/redact-db-url.sh")
	require.NoError(t, err)
	for _, u := range secretURLs {
		red := config.RedactDatabaseURL(u)
		require.NotContains(t, red, "s3c", u)
		require.Contains(t, red, "REDACTED", u)
		require.Contains(t, red, "db", u)
		out, err := exec.Command("bash", script, u).Output()
		require.NoError(t, err)
		require.NotContains(t, string(out), "s3c", u)
		require.Contains(t, string(out), "db", u)
	}
	plain := "postgres://postgres@127.0.0.1:5432/applyq?sslmode=disable"
	require.Equal(t, plain, config.RedactDatabaseURL(plain))
	out, err := exec.Command("bash", script, plain).Output()
	require.NoError(t, err)
	require.Equal(t, plain+"\n", string(out))
}

// TestLimitsAreDocumented: a setting that Validate bounds (found by trying
// values out of every range, in development and production, in every
// process) has a row in the limits table (docs/limits.md, linked from the
// README).
func TestLimitsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/limits.md")
	require.NoError(t, err)
	limits := string(doc)

	defaults, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	probes := func(v reflect.Value) []string {
		switch v.Interface().(type) {
		case time.Duration:
			return []string{"0s", "-1s", "1000000h"}
		case int, int32, int64:
			return []string{"-1", "0", "1000000000"}
		case bool:
			return []string{"true"}
		default:
			return []string{"", "bogus value", "*"}
		}
	}
	bounded := map[string]bool{}
	for _, mode := range []string{"development", "production"} {
		for _, key := range config.Keys() {
			for _, value := range probes(field(t, defaults, key)) {
				t.Run(mode+"/"+key+"="+value, func(t *testing.T) {
					if mode == "production" {
						setProduction(t)
					}
					t.Setenv(config.EnvName(key), value)
					for _, process := range config.Processes {
						_, err := config.Load(process, config.Flags(process), nil)
						if err != nil && strings.Contains(err.Error(), key+" ("+config.EnvName(key)+")") {
							bounded[key] = true
						}
					}
				})
			}
		}
	}
	require.NotEmpty(t, bounded)
	for key := range bounded {
		require.True(t, strings.Contains(limits, "`"+key+"`"), "docs/limits.md has a row for %s", key)
	}
}

// loadErr is the error of loading process's configuration ("" when valid).
func loadErr(process string) string {
	_, err := config.Load(process, config.Flags(process), nil)
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestValidate_PerProcess: each process validates only the settings it
// reads, so in production the API starts without the worker's webhook or
// mail settings, and the sweeper and migrate without the API's base URL,
// while the worker still refuses what it needs.
func TestValidate_PerProcess(t *testing.T) {
	t.Run("production api needs no webhook, applier or mail", func(t *testing.T) {
		t.Setenv("APPLYQ_ENV", "production")
		t.Setenv("APPLYQ_HTTP_PUBLIC_BASE_URL", "https://applyq.example.com")
		t.Setenv("APPLYQ_BLOB_URL", "s3://applyq-documents?region=eu-west-1")
		require.Empty(t, loadErr("api"))
		msg := loadErr("worker")
		require.Contains(t, msg, "worker.applier (APPLYQ_WORKER_APPLIER): dry_run sends nothing")
		require.Contains(t, msg, "mail.smtp_addr (APPLYQ_MAIL_SMTP_ADDR): must be set in production")
		require.NotContains(t, msg, "http.", "the worker's base URL is set")
	})
	t.Run("worker refuses a webhook applier without its secret", func(t *testing.T) {
		t.Setenv("APPLYQ_ENV", "production")
		t.Setenv("APPLYQ_HTTP_PUBLIC_BASE_URL", "https://applyq.example.com")
		t.Setenv("APPLYQ_MAIL_SMTP_ADDR", "smtp.example.com:587")
		t.Setenv("APPLYQ_WORKER_APPLIER", "webhook")
		t.Setenv("APPLYQ_WEBHOOK_URL", "https://hooks.example.com/applyq")
		t.Setenv("APPLYQ_BLOB_URL", "file:///var/lib/applyq/blobs?create_dir=true&no_tmp_dir=true")
		require.Contains(t, loadErr("worker"), "webhook.secret (APPLYQ_WEBHOOK_SECRET): must be at least 32 characters")
		require.Empty(t, loadErr("api"))
		require.Empty(t, loadErr("sweeper"))
	})
	t.Run("production sweeper and migrate need no base URL, mail or webhook", func(t *testing.T) {
		t.Setenv("APPLYQ_ENV", "production")
		require.Empty(t, loadErr("sweeper"))
		require.Empty(t, loadErr("migrate"))
		require.Contains(t, loadErr("api"), "http.public_base_url (APPLYQ_HTTP_PUBLIC_BASE_URL)")
		require.Contains(t, loadErr("worker"), "http.public_base_url (APPLYQ_HTTP_PUBLIC_BASE_URL)")
	})
	t.Run("a bad setting stops only the processes that read it", func(t *testing.T) {
		t.Setenv("APPLYQ_WORKER_CONCURRENCY", "0")
		t.Setenv("APPLYQ_HTTP_BODY_LIMIT", "lots")
		t.Setenv("APPLYQ_SWEEPER_BATCH_SIZE", "0")
		t.Setenv("APPLYQ_WORKER_MAX_ATTEMPTS", "0")
		api, worker, sweeper := loadErr("api"), loadErr("worker"), loadErr("sweeper")
		require.Contains(t, api, "http.body_limit")
		require.NotContains(t, api, "worker.")
		require.NotContains(t, api, "sweeper.")
		require.Contains(t, worker, "worker.concurrency")
		require.Contains(t, worker, "worker.max_attempts")
		require.NotContains(t, worker, "http.body_limit")
		require.NotContains(t, worker, "sweeper.batch_size")
		require.Contains(t, sweeper, "sweeper.batch_size")
		require.Contains(t, sweeper, "worker.max_attempts", "the sweeper fails tasks out of attempts")
		require.NotContains(t, sweeper, "worker.concurrency")
		require.Empty(t, loadErr("migrate"))
	})
	t.Run("worker and sweeper both check the heartbeat against stuck_after", func(t *testing.T) {
		t.Setenv("APPLYQ_WORKER_HEARTBEAT_INTERVAL", "2m") // more than a third of the default 5m
		for _, process := range []string{"worker", "sweeper"} {
			require.Contains(t, loadErr(process), "worker.heartbeat_interval (APPLYQ_WORKER_HEARTBEAT_INTERVAL)", process)
		}
		require.Empty(t, loadErr("api"))
	})
	t.Run("every process checks the common settings", func(t *testing.T) {
		t.Setenv("APPLYQ_DATABASE_URL", "mysql://nope")
		for _, process := range config.Processes {
			require.Contains(t, loadErr(process), "database.url (APPLYQ_DATABASE_URL)", process)
		}
	})
	t.Run("unknown process", func(t *testing.T) {
		_, err := config.Load("cron", config.Flags("cron"), nil)
		require.ErrorContains(t, err, `unknown process "cron"`)
	})
}

// TestReadBy_EveryKeyAndTheREADME: every setting is read by some process,
// and the configuration reference (docs/configuration.md, linked from the
// README) says which.
func TestReadBy_EveryKeyAndTheREADME(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	ref := string(doc)
	documented := map[string]string{}
	keyRE := regexp.MustCompile("`([a-z_.]+)`")
	for _, line := range strings.Split(ref, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		readBy := strings.TrimSpace(cells[len(cells)-2])
		for _, m := range keyRE.FindAllStringSubmatch(cells[1], -1) {
			documented[m[1]] = readBy
		}
	}
	for _, key := range config.Keys() {
		readers := config.ReadBy(key)
		require.NotEmpty(t, readers, "%s is read by some process", key)
		want := strings.Join(readers, ", ")
		if len(readers) == len(config.Processes) {
			want = "all"
		}
		require.Equal(t, want, documented[key], "docs/configuration.md: the processes that read %s", key)
	}
}

// TestLoad_BlobURL: in development an empty blob.url is the absolute path of
// ./var/blobs (created at start-up); production needs one every replica
// shares (S3, or an absolute directory), and the API and the worker check
// it, the sweeper and migrate do not.
func TestLoad_BlobURL(t *testing.T) {
	t.Run("development default", func(t *testing.T) {
		cfg, err := config.Load("api", config.Flags("api"), nil)
		require.NoError(t, err)
		wd, err := os.Getwd()
		require.NoError(t, err)
		require.Equal(t, "file://"+filepath.ToSlash(filepath.Join(wd, "var", "blobs"))+"?create_dir=true&no_tmp_dir=true", cfg.Blob.URL)
		require.Equal(t, int64(10<<20), cfg.Documents.MaxBytes)
	})
	t.Run("explicit wins", func(t *testing.T) {
		t.Setenv("APPLYQ_BLOB_URL", "mem://")
		cfg, err := config.Load("worker", config.Flags("worker"), nil)
		require.NoError(t, err)
		require.Equal(t, "mem://", cfg.Blob.URL)
	})
	for value, want := range map[string]string{
		"":                                "must be set in production",
		"mem://":                          "mem:// keeps documents in one process's memory",
		"file://./var/blobs":              "must be an absolute directory in production",
		"file:var/blobs":                  "must be a directory: file:///absolute/path",
		"/var/lib/applyq":                 "must be s3://bucket?region=eu-west-1",
		"gs://bucket":                     "must be s3://bucket?region=eu-west-1",
		"s3://?region=eu-west-1":          "must name the bucket",
		"s3://key:secret@bucket?region=x": "must not carry credentials",
	} {
		t.Run("production refuses "+value, func(t *testing.T) {
			setProduction(t)
			t.Setenv("APPLYQ_BLOB_URL", value)
			for _, process := range []string{"api", "worker"} {
				msg := loadErr(process)
				require.Contains(t, msg, "blob.url (APPLYQ_BLOB_URL): "+want, process)
				require.NotContains(t, msg, "secret", "the credentials are not repeated")
			}
			require.Empty(t, loadErr("sweeper"))
			require.Empty(t, loadErr("migrate"))
		})
	}
	for _, value := range []string{"s3://applyq-docs?region=eu-west-1&endpoint=https://minio.internal:9000&use_path_style=true", "file:///srv/applyq/blobs?no_tmp_dir=true"} {
		t.Run("production takes "+value, func(t *testing.T) {
			setProduction(t)
			t.Setenv("APPLYQ_BLOB_URL", value)
			require.Empty(t, loadErr("api"))
		})
	}
	t.Run("development takes a relative directory", func(t *testing.T) {
		t.Setenv("APPLYQ_BLOB_URL", "file://./tmp/blobs")
		require.Empty(t, loadErr("api"))
	})
}

func TestValidate_DocumentsMaxBytes(t *testing.T) {
	for value, ok := range map[string]bool{"1023": false, "1024": true, "10485760": true, "52428800": true, "52428801": false} {
		t.Setenv("APPLYQ_DOCUMENTS_MAX_BYTES", value)
		for _, process := range []string{"api", "worker"} {
			msg := loadErr(process)
			if ok {
				require.Empty(t, msg, value)
				continue
			}
			require.Contains(t, msg, "documents.max_bytes (APPLYQ_DOCUMENTS_MAX_BYTES): must be between 1024 (1 KiB) and 52428800 (50 MiB) bytes, got "+value)
		}
		require.Empty(t, loadErr("sweeper"))
	}
}

func TestValidate_BrowserApplier(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_MAX_BROWSERS": "0"}, "appliers.browser.max_browsers (APPLYQ_APPLIERS_BROWSER_MAX_BROWSERS): must be between 1 and 32, got 0"},
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_DEADLINE": "5s"}, "appliers.browser.deadline (APPLYQ_APPLIERS_BROWSER_DEADLINE): must be between 10s and 30m, got 5s"},
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "greenhouse", "APPLYQ_APPLIERS_BROWSER_DEADLINE": "21m"},
			"appliers.browser.deadline (APPLYQ_APPLIERS_BROWSER_DEADLINE): must be shorter than worker.job_timeout (20m0s), got 21m0s"},
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_CODE_WINDOW": "30s"}, "appliers.browser.code_window (APPLYQ_APPLIERS_BROWSER_CODE_WINDOW): must be between 1m and 30m, got 30s"},
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_CODE_WINDOW": "31m"}, "appliers.browser.code_window (APPLYQ_APPLIERS_BROWSER_CODE_WINDOW): must be between 1m and 30m, got 31m0s"},
		// The page waits for its code inside the application's job.
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "greenhouse", "APPLYQ_APPLIERS_BROWSER_CODE_WINDOW": "17m"},
			"worker.job_timeout (APPLYQ_WORKER_JOB_TIMEOUT): must be longer than appliers.browser.deadline (3m0s) plus appliers.browser.code_window (17m0s), 20m0s, when a browser platform is on"},
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "lever", "APPLYQ_WORKER_JOB_TIMEOUT": "10m"},
			"worker.job_timeout (APPLYQ_WORKER_JOB_TIMEOUT): must be longer than appliers.browser.deadline (3m0s) plus appliers.browser.code_window (10m0s), 13m0s"},
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "greenhouse", "APPLYQ_APPLIERS_BROWSER_CODE_WINDOW": "16m"}, ""},
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "greenhouse"}, ""}, // the defaults fit
		// Without a browser platform on, the job timeout need not fit a code window.
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "recruitee", "APPLYQ_WORKER_JOB_TIMEOUT": "5m"}, ""},
		{map[string]string{"APPLYQ_APPLIERS_LEVER_BASE_URL": "https://jobs.lever.co/?board=acme"}, "appliers.lever.base_url (APPLYQ_APPLIERS_LEVER_BASE_URL): must be an http(s) URL, with a path if"},
		{map[string]string{"APPLYQ_APPLIERS_LEVER_BASE_URL": "ftp://jobs.lever.co"}, "appliers.lever.base_url (APPLYQ_APPLIERS_LEVER_BASE_URL): must be an http(s) URL"},
		// A proxy or a replica may serve the forms under a path.
		{map[string]string{"APPLYQ_APPLIERS_LEVER_BASE_URL": "https://proxy.example.com/lever"}, ""},
		{map[string]string{"APPLYQ_APPLIERS_ASHBY_HOSTS": "jobs.ashbyhq.com,https://evil.example"}, "appliers.ashby.hosts (APPLYQ_APPLIERS_ASHBY_HOSTS): each must be a host name alone"},
		{map[string]string{"APPLYQ_APPLIERS_ASHBY_HOSTS": "jobs.ashbyhq.com,api.ashbyhq.com"}, ""},
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_CHROMIUM": " "}, "appliers.browser.chromium (APPLYQ_APPLIERS_BROWSER_CHROMIUM): must name the Chromium binary"},
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_FORM_MAX_AGE": "30s"}, "appliers.browser.form_max_age (APPLYQ_APPLIERS_BROWSER_FORM_MAX_AGE): must be between 1m and 720h (30 days), got 30s"},
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_FORM_MAX_AGE": "721h"}, "appliers.browser.form_max_age (APPLYQ_APPLIERS_BROWSER_FORM_MAX_AGE): must be between 1m and 720h (30 days), got 721h0m0s"},
		{map[string]string{"APPLYQ_APPLIERS_BROWSER_FORM_MAX_AGE": "720h"}, ""},
		// Without a browser platform on, a long deadline is no problem.
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "recruitee", "APPLYQ_APPLIERS_BROWSER_DEADLINE": "21m"}, ""},
		{map[string]string{"APPLYQ_APPLIERS_PLATFORMS": "greenhouse,lever,ashby", "APPLYQ_APPLIERS_GREENHOUSE_BASE_URL": "http://127.0.0.1:8080"}, ""},
	} {
		t.Run(c.want, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			msg := loadErr("worker")
			if c.want == "" {
				require.Empty(t, msg)
				return
			}
			require.Contains(t, msg, c.want)
		})
	}
	cfg, err := config.Load("worker", config.Flags("worker"), nil)
	require.NoError(t, err)
	require.Equal(t, "https://job-boards.greenhouse.io", cfg.Appliers.FormBaseURLs()["greenhouse"])
	require.Equal(t, 3*time.Minute, cfg.Appliers.Browser.Deadline)
	require.Equal(t, 24*time.Hour, cfg.Appliers.Browser.FormMaxAge)
	require.Equal(t, 10*time.Minute, cfg.Appliers.Browser.CodeWindow)
	require.Equal(t, 20*time.Minute, cfg.Worker.JobTimeout)
}
