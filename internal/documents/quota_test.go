package documents_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// withQuotas is the bundle's service with quotas.
func withQuotas(t *testing.T, b *bundle, q domain.Quotas) *documents.Service {
	t.Helper()
	return documents.New(documents.Options{Pool: b.db.Pool, Blobs: b.blobs, Log: zaptest.NewLogger(t), MaxBytes: 4 << 10, Quotas: q})
}

// pdfOf is a PDF of n bytes.
func pdfOf(n int) []byte {
	p := documentstest.PDF("x")
	return append(p, bytes.Repeat([]byte(" "), n-len(p))...)
}

// TestUpload_UploadsPerDay: a user's uploads beyond the day's quota are
// ERATELIMITED with the seconds until the next UTC day and the setting
// that bounds them, store nothing and count nothing; another user is not
// affected.
func TestUpload_UploadsPerDay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	svc := withQuotas(t, b, domain.Quotas{UploadsPerDay: 2})
	for range 2 {
		_, err := svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(pdfOf(100)))
		require.NoError(t, err)
	}
	for range 3 {
		_, err := svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(pdfOf(100)))
		require.Equal(t, domain.ERATELIMITED, domain.ErrorCode(err))
		d := domain.ErrorDetails(err)
		require.Equal(t, "quotas.uploads_per_day", d["limit"])
		require.Positive(t, d["retry_after"])
		require.LessOrEqual(t, d["retry_after"], 24*3600)
	}
	require.Len(t, mustList(t, b), 2)
	require.Len(t, documentstest.MustFiles(t, b.dir), 4, "two blobs and their attributes: nothing stored for the refused")
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count FROM rate_limits WHERE key = 'quota:uploads:' || $1::text`, b.user.ID),
		"refused uploads count nothing")
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err := svc.Upload(ctx, other.ID, "resume", "", "cv.pdf", bytes.NewReader(pdfOf(100)))
	require.NoError(t, err)
}

// TestUpload_StoredBytes: an upload that would take the user's documents
// past the stored-bytes quota is EQUOTA (no Retry-After: time frees
// nothing) naming the sizes; deleting a document makes room; two uploads
// at once never both squeeze into the room of one.
func TestUpload_StoredBytes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	svc := withQuotas(t, b, domain.Quotas{StoredBytes: 1000})
	first, err := svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(pdfOf(600)))
	require.NoError(t, err)
	_, err = svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(pdfOf(600)))
	require.Equal(t, domain.EQUOTA, domain.ErrorCode(err))
	d := domain.ErrorDetails(err)
	require.Equal(t, "quotas.stored_bytes", d["limit"])
	require.EqualValues(t, 600, d["stored_bytes"])
	require.EqualValues(t, 1000, d["max_stored_bytes"])
	require.NotContains(t, d, "retry_after")
	require.Len(t, mustList(t, b), 1)

	require.NoError(t, svc.Delete(ctx, b.user.ID, first.ID))
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(pdfOf(600))) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			require.Equal(t, domain.EQUOTA, domain.ErrorCode(err))
		}
	}
	require.Equal(t, 1, ok, "one fits")
	require.Len(t, mustList(t, b), 1)
}
