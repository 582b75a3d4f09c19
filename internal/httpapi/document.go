package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

// handleUploadDocument answers POST /api/v1/documents: a multipart/form-data
// body with the file (field file), its kind (resume or cover_letter) and an
// optional display name. The type is decided from the bytes: a PDF or a
// .docx, else 400 saying what to upload; over documents.max_bytes, 413. The
// first document of a kind becomes its default. 201 with the document.
func (s *Server) handleUploadDocument(c echo.Context) error {
	if err := requireContentType(c, "multipart/form-data"); err != nil {
		return domain.Errorf(EUNSUPPORTEDMEDIA, "send the document as multipart/form-data with the fields file, kind and (optionally) name")
	}
	// The whole body is bounded by the upload limit: parsed in memory, so
	// nothing is written to disk (a read-only file system is fine).
	if err := c.Request().ParseMultipartForm(s.maxUpload); err != nil {
		return s.uploadError(err)
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return domain.ValidationError(map[string]string{"file": "is required: the PDF or .docx, as a file field of the form"})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := s.documents.Upload(c.Request().Context(), currentUser(c).ID, c.FormValue("kind"), c.FormValue("name"), fh.Filename, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toDocument(d))
}

// uploadError answers a body that could not be read as an upload form.
func (s *Server) uploadError(err error) error {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return domain.DocumentTooLarge(s.maxDocument)
	}
	return domain.Errorf(domain.EINVALID, "the body is not a readable multipart/form-data form: %v", err)
}

// handleListDocuments answers GET /api/v1/documents?kind=: the user's
// documents (not deleted), newest first, of one kind when asked (a user
// keeps few documents: one page).
func (s *Server) handleListDocuments(c echo.Context) error {
	var kind *domain.DocumentKind
	if q := c.QueryParam("kind"); q != "" {
		k, err := domain.ParseDocumentKind(q)
		if err != nil {
			return err
		}
		kind = &k
	}
	docs, err := s.documents.List(c.Request().Context(), currentUser(c).ID, kind)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[documentJSON]{Items: mapSlice(docs, toDocument)})
}

// handleGetDocument answers GET /api/v1/documents/:id, a deleted document
// included (deleted_at set): a packet that carried it still names it.
func (s *Server) handleGetDocument(c echo.Context) error {
	id, err := pathID(c, "document")
	if err != nil {
		return err
	}
	d, err := s.documents.Get(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDocument(d))
}

// handleDocumentContent answers GET /api/v1/documents/:id/content: the
// exact bytes uploaded, as an attachment, typed as they were sniffed (a
// browser never guesses). A deleted document answers 404.
func (s *Server) handleDocumentContent(c echo.Context) error {
	id, err := pathID(c, "document")
	if err != nil {
		return err
	}
	rc, d, err := s.documents.Open(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, contentDisposition(d.Filename))
	h.Set(echo.HeaderContentLength, strconv.FormatInt(d.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	return c.Stream(http.StatusOK, d.ContentType, rc)
}

// handleSetDefaultDocument answers POST /api/v1/documents/:id/default: the
// document becomes the default of its kind; the previous default is no
// longer.
func (s *Server) handleSetDefaultDocument(c echo.Context) error {
	id, err := pathID(c, "document")
	if err != nil {
		return err
	}
	d, err := s.documents.SetDefault(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDocument(d))
}

// handleDeleteDocument answers DELETE /api/v1/documents/:id: 204. The
// metadata stays (GET by id shows deleted_at); the bytes go unless a packet
// that was sent or is on its way carries the document. No other document
// becomes the default.
func (s *Server) handleDeleteDocument(c echo.Context) error {
	id, err := pathID(c, "document")
	if err != nil {
		return err
	}
	if err := s.documents.Delete(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// contentDisposition is an attachment header for filename that every
// browser reads safely: a quoted ASCII fallback (anything else, quotes and
// backslashes as _) and the exact name percent-encoded as UTF-8 (RFC 6266,
// RFC 8187).
func contentDisposition(filename string) string {
	var ascii, exact strings.Builder
	for _, r := range filename {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, b := range []byte(filename) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0) {
			exact.WriteByte(b)
		} else {
			fmt.Fprintf(&exact, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + exact.String()
}
