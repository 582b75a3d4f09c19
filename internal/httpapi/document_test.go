package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// blobDir is where this package's tests keep documents: every test's
// configuration reads APPLYQ_BLOB_URL, so none writes into the source
// tree's ./var/blobs. Each user's blobs are under documents/<user id>.
var blobDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "applyq-httpapi-blobs-")
	if err != nil {
		panic(err)
	}
	blobDir = dir
	if err := os.Setenv("APPLYQ_BLOB_URL", documentstest.FileURL(dir)); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type documentView struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	IsDefault   bool       `json:"is_default"`
	CreatedAt   time.Time  `json:"created_at"`
	DeletedAt   *time.Time `json:"deleted_at"`
}

// upload is one multipart upload: the form fields and the file (none when
// Filename is empty), sent with the file part's Content-Type when set.
type upload struct {
	Fields   map[string]string
	Filename string
	Type     string
	Data     []byte
}

func (b *apiBundle) upload(t *testing.T, token string, u upload) resp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range u.Fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if u.Filename != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+strings.ReplaceAll(u.Filename, `"`, `\"`)+`"`)
		h.Set("Content-Type", u.Type)
		if u.Type == "" {
			h.Set("Content-Type", "application/octet-stream")
		}
		fw, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, err = fw.Write(u.Data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return b.do(t, req{Method: "POST", Path: "/api/v1/documents", Token: token, Body: body.Bytes(), Type: mw.FormDataContentType()})
}

func (b *apiBundle) mustUpload(t *testing.T, token, kind, filename string, data []byte) documentView {
	t.Helper()
	r := b.upload(t, token, upload{Fields: map[string]string{"kind": kind}, Filename: filename, Data: data})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var d documentView
	r.JSON(t, &d)
	return d
}

func (b *apiBundle) documents(t *testing.T, token string) []documentView {
	t.Helper()
	r := b.do(t, req{Method: "GET", Path: "/api/v1/documents", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var p struct {
		Items []documentView `json:"items"`
	}
	r.JSON(t, &p)
	return p.Items
}

// userBlobs lists the blob files of user's documents (each blob and its
// attributes sidecar).
func userBlobs(t *testing.T, user *domain.User) []string {
	t.Helper()
	return documentstest.MustFiles(t, filepath.Join(blobDir, "documents", user.ID.String()))
}

// newUser is a user with a session.
func newUser(t *testing.T, b *apiBundle) (*domain.User, string) {
	t.Helper()
	u := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	return u, pgtest.MustSession(t, b.db, u.Email)
}

// PDF and DOCX uploads are stored as the bytes say, whatever the name and
// the client's Content-Type, and download as the exact bytes, typed,
// as an attachment with a safely encoded name. http.body_limit does not
// bound uploads.
func TestDocuments_UploadAndDownloadExactBytes(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{BodyLimit: "1K"})
	_, token := newUser(t, b)

	pdf := append(documentstest.PDF("Ada Lovelace"), bytes.Repeat([]byte{0, 0xff, '\n'}, 3000)...) // over http.body_limit
	r := b.upload(t, token, upload{Fields: map[string]string{"kind": "resume", "name": "Backend CV"}, Filename: "ada.pdf", Type: "application/pdf", Data: pdf})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var cv documentView
	r.JSON(t, &cv)
	sum := sha256.Sum256(pdf)
	require.Equal(t, documentView{ID: cv.ID, Kind: "resume", Name: "Backend CV", Filename: "ada.pdf", ContentType: "application/pdf",
		Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:]), IsDefault: true, CreatedAt: cv.CreatedAt}, cv)

	docx := documentstest.DOCX(t, "Dear Acme")
	name := "Lettre – Müller \"final\"; v2.pdf" // a DOCX, named and typed as a PDF
	r = b.upload(t, token, upload{Fields: map[string]string{"kind": "cover_letter"}, Filename: name, Type: "application/pdf", Data: docx})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var letter documentView
	r.JSON(t, &letter)
	require.Equal(t, domain.ContentTypeDOCX, letter.ContentType, "the bytes decide")
	require.Equal(t, "Lettre – Müller final; v2.docx", letter.Filename)
	require.Equal(t, "Lettre – Müller final; v2", letter.Name)
	require.True(t, letter.IsDefault, "the first of its kind")

	for _, c := range []struct {
		doc         documentView
		data        []byte
		disposition string
	}{
		{cv, pdf, `attachment; filename="ada.pdf"; filename*=UTF-8''ada.pdf`},
		{letter, docx, `attachment; filename="Lettre _ M_ller final; v2.docx"; filename*=UTF-8''Lettre%20%E2%80%93%20M%C3%BCller%20final%3B%20v2.docx`},
	} {
		r := b.do(t, req{Method: "GET", Path: "/api/v1/documents/" + c.doc.ID + "/content", Token: token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Equal(t, c.data, r.Body, "the exact bytes")
		require.Equal(t, c.doc.ContentType, r.Header.Get("Content-Type"))
		require.Equal(t, c.disposition, r.Header.Get("Content-Disposition"))
		require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
		require.Equal(t, "private, no-store", r.Header.Get("Cache-Control"))
	}

	r = b.do(t, req{Method: "GET", Path: "/api/v1/documents/" + cv.ID, Token: token})
	require.Equal(t, http.StatusOK, r.Status)
	var got documentView
	r.JSON(t, &got)
	require.Equal(t, cv.SHA256, got.SHA256)
	require.Equal(t, []string{letter.ID, cv.ID}, ids(b.documents(t, token)), "newest first")
	r = b.do(t, req{Method: "GET", Path: "/api/v1/documents?kind=resume", Token: token})
	require.Contains(t, string(r.Body), cv.ID)
	require.NotContains(t, string(r.Body), letter.ID)
	r = b.do(t, req{Method: "GET", Path: "/api/v1/documents?kind=photo", Token: token})
	require.Equal(t, http.StatusBadRequest, r.Status)
}

// Anything but a PDF or a .docx within the limit is refused, saying what to
// upload instead, and nothing is stored: no row, no blob.
func TestDocuments_RefusedUploadsStoreNothing(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	user, token := newUser(t, b)
	resume := map[string]string{"kind": "resume"}
	for name, c := range map[string]struct {
		upload upload
		status int
		code   string
		want   string
	}{
		"program named .pdf": {upload{Fields: resume, Filename: "cv.pdf", Type: "application/pdf", Data: []byte("MZ\x90\x00\x03\x00\x00\x00%PDF-1.4")},
			400, "invalid", "the file is a program, not a document (whatever its name says): upload your résumé or cover letter as a PDF, or as a Word document saved as .docx"},
		"zero bytes": {upload{Fields: resume, Filename: "cv.pdf", Data: nil}, 400, "invalid", "the file is empty"},
		"plain zip": {upload{Fields: resume, Filename: "cv.docx", Data: documentstest.Zip(t, map[string]string{"photo.jpg": "x"})},
			400, "invalid", "a ZIP archive, not a Word document"},
		"text file":   {upload{Fields: resume, Filename: "cv.txt", Type: "text/plain", Data: []byte("Ada Lovelace, analyst")}, 400, "invalid", "neither a PDF nor a Word document"},
		"too big":     {upload{Fields: resume, Filename: "cv.pdf", Data: append(documentstest.PDF("x"), make([]byte, 10<<20)...)}, 413, "too_large", "the file is larger than 10 MiB"},
		"far too big": {upload{Fields: resume, Filename: "cv.pdf", Data: make([]byte, 11<<20)}, 413, "too_large", "the file is larger than 10 MiB"},
		"bad kind":    {upload{Fields: map[string]string{"kind": "photo"}, Filename: "cv.pdf", Data: documentstest.PDF("x")}, 400, "invalid", "some fields are invalid"},
		"no kind":     {upload{Filename: "cv.pdf", Data: documentstest.PDF("x")}, 400, "invalid", "some fields are invalid"},
		"no file":     {upload{Fields: resume}, 400, "invalid", "some fields are invalid"},
	} {
		r := b.upload(t, token, c.upload)
		require.Equal(t, c.status, r.Status, "%s: %.300s", name, r.Body)
		e := r.Error(t)
		require.Equal(t, c.code, e.Code, name)
		require.Contains(t, e.Message, c.want, name)
	}
	r := b.do(t, req{Method: "POST", Path: "/api/v1/documents", Token: token, Body: map[string]string{"kind": "resume"}})
	require.Equal(t, http.StatusUnsupportedMediaType, r.Status)
	require.Contains(t, r.Error(t).Message, "multipart/form-data")

	require.Empty(t, b.documents(t, token))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents WHERE user_id = $1`, user.ID))
	require.Empty(t, userBlobs(t, user))
}

// Another user's document answers 404 everywhere and is left as it was.
func TestDocuments_Tenancy(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	owner, ownerToken := newUser(t, b)
	_, otherToken := newUser(t, b)
	first := b.mustUpload(t, ownerToken, "resume", "a.pdf", documentstest.PDF("a"))
	second := b.mustUpload(t, ownerToken, "resume", "b.pdf", documentstest.PDF("b"))
	for _, r := range []req{
		{Method: "GET", Path: "/api/v1/documents/" + first.ID},
		{Method: "GET", Path: "/api/v1/documents/" + first.ID + "/content"},
		{Method: "POST", Path: "/api/v1/documents/" + second.ID + "/default"},
		{Method: "DELETE", Path: "/api/v1/documents/" + first.ID},
		{Method: "GET", Path: "/api/v1/documents/not-a-uuid"},
	} {
		r.Token = otherToken
		res := b.do(t, r)
		require.Equal(t, http.StatusNotFound, res.Status, "%s %s", r.Method, r.Path)
		require.Equal(t, "not_found", res.ErrorCode(t))
	}
	require.Empty(t, b.documents(t, otherToken))
	docs := b.documents(t, ownerToken)
	require.Len(t, docs, 2)
	require.True(t, docs[1].IsDefault, "the default did not move")
	require.Len(t, userBlobs(t, owner), 4)
}

// The default moves within a kind (one at a time); deleting the default
// leaves the kind without one.
func TestDocuments_DefaultSwitching(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	_, token := newUser(t, b)
	first := b.mustUpload(t, token, "resume", "a.pdf", documentstest.PDF("a"))
	second := b.mustUpload(t, token, "resume", "b.docx", documentstest.DOCX(t, "b"))
	letter := b.mustUpload(t, token, "cover_letter", "c.pdf", documentstest.PDF("c"))
	require.True(t, first.IsDefault)
	require.False(t, second.IsDefault)
	defaults := func() map[string]bool {
		out := map[string]bool{}
		for _, d := range b.documents(t, token) {
			out[d.ID] = d.IsDefault
		}
		return out
	}

	r := b.do(t, req{Method: "POST", Path: "/api/v1/documents/" + second.ID + "/default", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got documentView
	r.JSON(t, &got)
	require.True(t, got.IsDefault)
	require.Equal(t, map[string]bool{first.ID: false, second.ID: true, letter.ID: true}, defaults())
	r = b.do(t, req{Method: "POST", Path: "/api/v1/documents/" + second.ID + "/default", Token: token})
	require.Equal(t, http.StatusOK, r.Status, "setting the default again is fine")

	r = b.do(t, req{Method: "DELETE", Path: "/api/v1/documents/" + second.ID, Token: token})
	require.Equal(t, http.StatusNoContent, r.Status)
	require.Equal(t, map[string]bool{first.ID: false, letter.ID: true}, defaults(), "nothing is promoted")
	r = b.do(t, req{Method: "POST", Path: "/api/v1/documents/" + second.ID + "/default", Token: token})
	require.Equal(t, http.StatusNotFound, r.Status, "a deleted document cannot be the default")
	r = b.do(t, req{Method: "POST", Path: "/api/v1/documents/" + first.ID + "/default", Token: token})
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, map[string]bool{first.ID: true, letter.ID: true}, defaults())
}

// Deleting keeps the metadata (readable by id, with deleted_at) and the
// bytes only while a packet that was sent or is on its way carries the
// document; either way the user can no longer download it.
func TestDocuments_DeleteKeepsBytesAPacketCarries(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	user, token := newUser(t, b)
	ctx := context.Background()
	sent := b.mustUpload(t, token, "resume", "sent.pdf", documentstest.PDF("sent"))
	awaiting := b.mustUpload(t, token, "cover_letter", "awaiting.pdf", documentstest.PDF("awaiting"))
	queued := b.mustUpload(t, token, "resume", "queued.pdf", documentstest.PDF("queued"))
	unused := b.mustUpload(t, token, "resume", "unused.docx", documentstest.DOCX(t, "unused"))

	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	jobs := pgtest.MustJobs(t, b.db, user, 3)
	packet := func(d documentView) string {
		return `{"documents":[{"document_id":"` + d.ID + `","kind":"` + d.Kind + `","sha256":"` + d.SHA256 + `"}]}`
	}
	task := func(job domain.ID, state, packet string) domain.ID {
		id := domain.NewID()
		_, err := b.db.Pool.Exec(ctx, `INSERT INTO application_tasks (id, user_id, run_id, job_id, state, packet) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, user.ID, run.ID, job, state, packet)
		require.NoError(t, err)
		return id
	}
	task(jobs[0], "submitted", packet(sent))
	waiting := task(jobs[1], "awaiting_approval", `{"documents":[]}`)
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO approval_requests (id, task_id, user_id, token_hash, packet, expires_at)
		VALUES ($1, $2, $3, $4, $5, now() + interval '20 minutes')`, domain.NewID(), waiting, user.ID, bytes.Repeat([]byte{1}, 32), packet(awaiting))
	require.NoError(t, err)
	task(jobs[2], "queued", packet(queued)) // prepared, nothing sent yet

	for _, d := range []documentView{sent, awaiting, queued, unused} {
		r := b.do(t, req{Method: "DELETE", Path: "/api/v1/documents/" + d.ID, Token: token})
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		r = b.do(t, req{Method: "GET", Path: "/api/v1/documents/" + d.ID + "/content", Token: token})
		require.Equal(t, http.StatusNotFound, r.Status, "the user deleted %s", d.Filename)
		r = b.do(t, req{Method: "GET", Path: "/api/v1/documents/" + d.ID, Token: token})
		require.Equal(t, http.StatusOK, r.Status, "the metadata stays")
		var got documentView
		r.JSON(t, &got)
		require.NotNil(t, got.DeletedAt)
		require.Equal(t, d.SHA256, got.SHA256)
		r = b.do(t, req{Method: "DELETE", Path: "/api/v1/documents/" + d.ID, Token: token})
		require.Equal(t, http.StatusNotFound, r.Status, "deleted once")
	}
	require.Empty(t, b.documents(t, token))
	blobs := userBlobs(t, user)
	require.ElementsMatch(t, []string{sent.ID, sent.ID + ".attrs", awaiting.ID, awaiting.ID + ".attrs"}, blobs,
		"the bytes of the sent and the awaiting packet's documents are kept, the others removed")
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents WHERE user_id = $1 AND content_deleted_at IS NOT NULL`, user.ID))
}

// A read-only API token reads documents and their content, and changes
// nothing.
func TestDocuments_ReadOnlyTokenOnlyReads(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	user, session := newUser(t, b)
	d := b.mustUpload(t, session, "resume", "cv.pdf", documentstest.PDF("cv"))
	read := b.mustToken(t, session, map[string]any{"name": "reader", "scope": "read"}).Token

	require.Len(t, b.documents(t, read), 1)
	r := b.do(t, req{Method: "GET", Path: "/api/v1/documents/" + d.ID + "/content", Token: read})
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, documentstest.PDF("cv"), r.Body)

	r = b.upload(t, read, upload{Fields: map[string]string{"kind": "resume"}, Filename: "x.pdf", Data: documentstest.PDF("x")})
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Contains(t, r.Error(t).Message, "read-only")
	for _, r := range []req{
		{Method: "POST", Path: "/api/v1/documents/" + d.ID + "/default"},
		{Method: "DELETE", Path: "/api/v1/documents/" + d.ID},
	} {
		r.Token = read
		require.Equal(t, http.StatusForbidden, b.do(t, r).Status, "%s %s", r.Method, r.Path)
	}
	require.Len(t, b.documents(t, session), 1)
	require.Len(t, userBlobs(t, user), 2)

	// Without a credential nothing is read or stored either.
	r = b.do(t, req{Method: "GET", Path: "/api/v1/documents/" + d.ID + "/content"})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r = b.upload(t, "", upload{Fields: map[string]string{"kind": "resume"}, Filename: "x.pdf", Data: documentstest.PDF("x")})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Len(t, userBlobs(t, user), 2)
}

func ids(docs []documentView) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}
