package config_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/config"
)

func TestLoad_Defaults(t *testing.T) {
	cfg, err := config.Load(config.Flags("worker"), nil)
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

	cfg, err := config.Load(config.Flags("worker"), []string{"--config", file, "--log.level", "error"})
	require.NoError(t, err)
	require.Equal(t, 3, cfg.Worker.Concurrency, "file over default")
	require.Equal(t, 9, cfg.Worker.MaxAttempts, "env over file")
	require.Equal(t, "error", cfg.Log.Level, "flag over env")
}

func TestLoad_SweeperFlags(t *testing.T) {
	cfg, err := config.Load(config.Flags("sweeper"), []string{"--once", "--interval", "2m"})
	require.NoError(t, err)
	require.True(t, cfg.Sweeper.Once)
	require.Equal(t, 2*time.Minute, cfg.Sweeper.Interval)
}

func TestLoad_ErrorsNameSettingAndFix(t *testing.T) {
	t.Setenv("APPLYQ_WORKER_CONCURRENCY", "0")
	t.Setenv("APPLYQ_DATABASE_URL", "mysql://nope")
	t.Setenv("APPLYQ_ENV", "production")
	_, err := config.Load(config.Flags("worker"), nil)
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, "worker.concurrency (APPLYQ_WORKER_CONCURRENCY): must be between 1 and 10000, got 0")
	require.Contains(t, msg, "database.url (APPLYQ_DATABASE_URL): must be a postgres:// URL")
	require.Contains(t, msg, "http.public_base_url (APPLYQ_HTTP_PUBLIC_BASE_URL): must be https in production")
}

func TestRedacted_HidesPassword(t *testing.T) {
	t.Setenv("APPLYQ_DATABASE_URL", "postgres://app:s3cret@db:5432/applyq")
	cfg, err := config.Load(config.Flags("api"), nil)
	require.NoError(t, err)
	red := cfg.Redacted()
	require.NotContains(t, red["database"].(map[string]any)["url"], "s3cret")
}
