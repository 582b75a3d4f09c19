package dashboard_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/web"
)

// blobDir is where this package's tests keep documents: every setup's
// configuration reads APPLYQ_BLOB_URL, so no test writes into the source
// tree's ./var/blobs.
var blobDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "applyq-dashboard-blobs-")
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

// userFiles lists the blob files of user's documents.
func userFiles(t *testing.T, user *domain.User) []string {
	t.Helper()
	return documentstest.MustFiles(t, filepath.Join(blobDir, "documents", user.ID.String()))
}

// upload posts the upload form from the applyq site, as a browser does
// (origin is the Origin header; the site's own when empty).
func (b *bundle) upload(t *testing.T, session string, fields map[string]string, filename string, data []byte, origin string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		require.NoError(t, err)
		_, err = fw.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.base+"/documents", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if origin == "" {
		origin = b.base
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Cookie", web.SessionCookie+"="+session)
	return do(t, req)
}

// documentRow returns the table row of document id on the documents page.
func documentRow(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr data-document="` + id + `".*?</tr>`).FindString(page)
	require.NotEmpty(t, m, "no row for document %s", id)
	return html.UnescapeString(m)
}

// The documents page uploads through its form, lists documents by kind with
// the default marked and a download link, moves the default, and deletes
// (the bytes too, when no packet carries them).
func TestDocumentsPage_UploadListDefaultDelete(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	ctx := context.Background()

	res, page := b.get(t, "/documents", session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, `<a href="/documents">Documents</a>`, "the nav links the page")
	require.Equal(t, 2, strings.Count(page, "None yet"))
	require.Contains(t, page, `enctype="multipart/form-data"`)
	require.Contains(t, page, "at most 10 MiB")

	pdf := documentstest.PDF("Ada")
	res, body := b.upload(t, session, map[string]string{"kind": "resume", "name": "Backend CV"}, "ada.pdf", pdf, "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/documents?msg=document_uploaded", res.Header.Get("Location"))
	docx := documentstest.DOCX(t, "Ada")
	res, body = b.upload(t, session, map[string]string{"kind": "resume"}, "Lebenslauf Müller.docx", docx, "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	docs, err := b.db.DocumentList(ctx, user.ID, nil)
	require.NoError(t, err)
	require.Len(t, docs, 2)
	second, first := docs[0], docs[1]
	require.Len(t, userFiles(t, user), 4, "two blobs and their attributes")

	_, page = b.get(t, "/documents?msg=document_uploaded", session)
	require.Contains(t, page, "Document uploaded.")
	row := documentRow(t, page, first.ID.String())
	require.Contains(t, row, `class="document-default"`)
	require.Contains(t, row, "<strong>Backend CV</strong> <span class=\"badge default\"")
	require.Contains(t, row, `<a href="/api/v1/documents/`+first.ID.String()+`/content" download="ada.pdf">ada.pdf</a>`)
	require.Contains(t, row, "PDF · ")
	require.NotContains(t, row, "Make default")
	row = documentRow(t, page, second.ID.String())
	require.Contains(t, row, "<strong>Lebenslauf Müller</strong>")
	require.Contains(t, row, "Word (.docx)")
	require.Contains(t, row, `action="/documents/`+second.ID.String()+`/default"`)
	require.Contains(t, row, `data-confirm="Delete “Lebenslauf Müller”?`)
	require.Equal(t, 1, strings.Count(page, "None yet"), "no cover letter yet")

	res, body = b.post(t, "/documents/"+second.ID.String()+"/default", nil, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/documents?msg=document_default", res.Header.Get("Location"))
	_, page = b.get(t, "/documents", session)
	require.Contains(t, documentRow(t, page, second.ID.String()), "badge default")
	require.NotContains(t, documentRow(t, page, first.ID.String()), "badge default")

	// Another user, an unknown action or a cross-site form changes nothing.
	_, other := b.user(t)
	res, _ = b.post(t, "/documents/"+first.ID.String()+"/delete", nil, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.post(t, "/documents/"+first.ID.String()+"/default", nil, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.post(t, "/documents/"+first.ID.String()+"/shred", nil, session)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.upload(t, session, map[string]string{"kind": "cover_letter"}, "letter.pdf", pdf, "https://evil.example")
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, 2, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents WHERE user_id = $1 AND deleted_at IS NULL`, user.ID))
	require.Len(t, userFiles(t, user), 4)

	res, body = b.post(t, "/documents/"+first.ID.String()+"/delete", nil, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/documents?msg=document_deleted", res.Header.Get("Location"))
	_, page = b.get(t, "/documents", session)
	require.NotContains(t, page, first.ID.String())
	require.NotContains(t, userFiles(t, user), first.BlobKey[len("documents/"+user.ID.String()+"/"):])
	require.Len(t, userFiles(t, user), 2)
}

// A refused upload shows the form again with what to upload instead, the
// kind and name as entered, and stores nothing.
func TestDocumentsPage_RefusedUploadSaysWhy(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	fields := map[string]string{"kind": "cover_letter", "name": "Letter & co"}
	for _, c := range []struct {
		filename string
		data     []byte
		status   int
		want     string
		lost     bool // the body is over the upload limit: its fields are not read
	}{
		{"cv.pdf", []byte("MZ\x90\x00\x03 a Windows program"), http.StatusBadRequest, "the file is a program, not a document (whatever its name says): upload your résumé or cover letter as a PDF, or as a Word document saved as .docx.", false},
		{"empty.pdf", nil, http.StatusBadRequest, "the file is empty", false},
		{"notes.txt", []byte("just text"), http.StatusBadRequest, "neither a PDF nor a Word document", false},
		{"big.pdf", append(documentstest.PDF("x"), make([]byte, 10<<20)...), http.StatusRequestEntityTooLarge, "the file is larger than 10 MiB", false},
		{"huge.pdf", make([]byte, 11<<20), http.StatusRequestEntityTooLarge, "the file is larger than 10 MiB", true},
		{"", nil, http.StatusBadRequest, "choose the PDF or .docx file to upload", false},
	} {
		res, body := b.upload(t, session, fields, c.filename, c.data, "")
		require.Equal(t, c.status, res.StatusCode, "%s: %.300s", c.filename, body)
		page := html.UnescapeString(body)
		require.Contains(t, page, `<p id="f-file-error" class="field-error" role="alert">`, c.filename)
		require.Contains(t, page, c.want, c.filename)
		if c.lost {
			continue
		}
		require.Contains(t, page, `value="Letter & co"`, "the name is kept")
		require.Contains(t, page, `<option value="cover_letter" selected>`, "the kind is kept")
	}
	res, body := b.upload(t, session, map[string]string{"kind": "photo"}, "cv.pdf", documentstest.PDF("x"), "")
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), `<p id="f-kind-error" class="field-error">Kind must be resume or cover_letter.</p>`)
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents`))
	require.Empty(t, userFiles(t, user))
}
