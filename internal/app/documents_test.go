package app_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/metrics"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// The API and the worker open the blob store of blob.url (creating the
// development directory) and get the documents service; the sweeper, which
// neither checks nor reads blob.url, opens nothing; a store that cannot be
// opened stops start-up naming the setting.
func TestServices_BlobStoreForTheProcessesThatReadIt(t *testing.T) {
	t.Parallel()
	pool := pgtest.MustPool(t)
	for process, opens := range map[string]bool{config.API: true, config.Worker: true, config.Sweeper: false} {
		cfg, err := config.Load(process, config.Flags(process), nil)
		require.NoError(t, err)
		dir := filepath.Join(t.TempDir(), "var", "blobs")
		cfg.Blob.URL = documentstest.FileURL(dir)
		a := &app.App{Process: process, Config: cfg, Log: zaptest.NewLogger(t), Pool: pool, Metrics: metrics.New(process, "test", "test")}
		s, err := a.Services(app.Deps{})
		require.NoError(t, err)
		_, statErr := os.Stat(dir)
		require.Equal(t, opens, statErr == nil, process)
		require.Equal(t, opens, s.Documents != nil, process)
		require.Equal(t, opens, s.Blobs != nil, process)
	}

	cfg, err := config.Load(config.API, config.Flags(config.API), nil)
	require.NoError(t, err)
	cfg.Blob.URL = "file://" + filepath.Join(t.TempDir(), "absent") // no create_dir
	_, err = app.NewServices(pool, cfg, zaptest.NewLogger(t), nil, app.Deps{})
	require.ErrorContains(t, err, "blob.url (APPLYQ_BLOB_URL): opening blob store file://")
}
