package blob_test

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/documents/documentstest"
)

// s3URL serves a fake S3 (gofakes3, in memory) on a loopback port with one
// bucket and returns the s3:// URL of that bucket, in the form a deployment
// pointing at MinIO uses.
func s3URL(t *testing.T) string {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("applyq-docs"))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	q := url.Values{"region": {"eu-west-1"}, "endpoint": {srv.URL}, "use_path_style": {"true"}, "anonymous": {"true"}}
	return "s3://applyq-docs?" + q.Encode()
}

func mustOpen(t *testing.T, rawURL string) *blob.Store {
	t.Helper()
	s, err := blob.Open(context.Background(), rawURL)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func readAll(t *testing.T, s *blob.Store, key string) []byte {
	t.Helper()
	r, err := s.Get(context.Background(), key)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

// Every kind of store keeps bytes under a caller's key, answers Exists,
// replaces on a second Put, says ErrNotFound for a missing key, and
// deletes (twice without error).
func TestStore_PutGetDeleteExists(t *testing.T) {
	t.Parallel()
	for name, rawURL := range map[string]func(t *testing.T) string{
		"file": func(t *testing.T) string { return documentstest.FileURL(filepath.Join(t.TempDir(), "nested", "blobs")) },
		"mem":  func(*testing.T) string { return "mem://" },
		"s3":   s3URL,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := mustOpen(t, rawURL(t))
			key := "documents/0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b/0190a3c4-5b6d-7e8f-9a0b-aaaaaaaaaaaa"
			ok, err := s.Exists(ctx, key)
			require.NoError(t, err)
			require.False(t, ok)
			_, err = s.Get(ctx, key)
			require.ErrorIs(t, err, blob.ErrNotFound)

			data := []byte("%PDF-1.4\n" + strings.Repeat("\x00\xffbinary ", 20000))
			require.NoError(t, s.Put(ctx, key, "application/pdf", data))
			ok, err = s.Exists(ctx, key)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, data, readAll(t, s, key))

			require.NoError(t, s.Put(ctx, key, "application/pdf", []byte("%PDF-1.7 shorter")))
			require.Equal(t, []byte("%PDF-1.7 shorter"), readAll(t, s, key), "a second put replaces")

			require.NoError(t, s.Delete(ctx, key))
			ok, err = s.Exists(ctx, key)
			require.NoError(t, err)
			require.False(t, ok)
			require.NoError(t, s.Delete(ctx, key), "deleting a missing blob is not an error")
		})
	}
}

// A file store keeps the bytes as a file under its directory (created by
// create_dir) and leaves no file behind once deleted; no_tmp_dir keeps the
// temporary file beside the blob, so nothing lands in $TMPDIR.
func TestStore_FileLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "var", "blobs")
	s := mustOpen(t, documentstest.FileURL(dir))
	info, err := os.Stat(dir)
	require.NoError(t, err, "create_dir made the directory")
	require.True(t, info.IsDir())

	require.NoError(t, s.Put(ctx, "documents/u/d", "application/pdf", []byte("%PDF-1.4 x")))
	require.Equal(t, []string{"documents/u/d", "documents/u/d.attrs"}, documentstest.MustFiles(t, dir), "the bytes and their attributes")
	got, err := os.ReadFile(filepath.Join(dir, "documents", "u", "d"))
	require.NoError(t, err)
	require.Equal(t, "%PDF-1.4 x", string(got))
	require.NoError(t, s.Delete(ctx, "documents/u/d"))
	require.Empty(t, documentstest.MustFiles(t, dir), "the blob and its attributes file are gone")
}

// Open refuses what it cannot serve, saying so at start-up rather than at
// the first upload.
func TestOpen_Refuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "absent")
	for rawURL, want := range map[string]string{
		"gs://bucket":       `scheme "gs" is not one of file://, s3:// or mem://`,
		"/var/blobs":        `scheme "" is not one of`,
		"file://" + missing: "no such file or directory",
		documentstest.FileURL(missing) + "&colour=1": `invalid query parameter "colour"`,
		"s3://bucket?region=eu-west-1&nonsense=1":    `unknown query parameter "nonsense"`,
	} {
		_, err := blob.Open(ctx, rawURL)
		require.ErrorContains(t, err, want, rawURL)
	}
	_, err := os.Stat(missing)
	require.True(t, os.IsNotExist(err), "a refused URL creates nothing")
}
