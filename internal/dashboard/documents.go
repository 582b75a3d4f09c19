package dashboard

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

type documentsPage struct {
	Groups   []documentGroup
	Kinds    []domain.DocumentKind
	Form     documentForm
	Errors   map[string]string
	MaxBytes int64
}

// documentGroup is the documents of one kind, newest first.
type documentGroup struct {
	Kind domain.DocumentKind
	Docs []*domain.Document
}

// documentForm is the upload form as entered (a file is never shown again).
type documentForm struct {
	Kind, Name string
}

// UploadRoutes lists the dashboard's routes whose POSTs upload a document:
// the server gives them the upload limit instead of http.body_limit.
func (d *Dashboard) UploadRoutes() []string { return []string{"/documents"} }

// handleDocuments serves GET /documents: the user's documents by kind, the
// default of each marked, and the upload form.
func (d *Dashboard) handleDocuments(c echo.Context) error {
	return d.documentsPage(c, http.StatusOK, documentsPage{Form: documentForm{Kind: string(domain.DocumentResume)}})
}

func (d *Dashboard) documentsPage(c echo.Context, status int, p documentsPage) error {
	u := userOf(c)
	docs, err := d.documents.List(c.Request().Context(), u.ID, nil)
	if err != nil {
		return d.renderError(c, err, u)
	}
	for _, k := range domain.DocumentKinds {
		g := documentGroup{Kind: k}
		for _, doc := range docs {
			if doc.Kind == k {
				g.Docs = append(g.Docs, doc)
			}
		}
		p.Groups = append(p.Groups, g)
	}
	p.Kinds, p.MaxBytes = domain.DocumentKinds, d.documents.MaxBytes()
	return d.page(c, status, "documents.html", "Documents", p)
}

// handleUploadDocument serves POST /documents (multipart/form-data: kind,
// name, file). A refused file shows the form again, saying what to upload
// instead.
func (d *Dashboard) handleUploadDocument(c echo.Context) error {
	u := userOf(c)
	// In memory (the body is bounded by the upload limit): nothing is
	// written to disk.
	err := c.Request().ParseMultipartForm(d.documents.MaxFormBytes())
	f := documentForm{Kind: c.FormValue("kind"), Name: c.FormValue("name")}
	if maxBytes := (*http.MaxBytesError)(nil); errors.As(err, &maxBytes) {
		return d.documentRefused(c, f, domain.DocumentTooLarge(d.documents.MaxBytes()))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return d.documentsPage(c, http.StatusBadRequest, documentsPage{Form: f, Errors: map[string]string{"file": "choose the PDF or .docx file to upload"}})
	}
	file, err := fh.Open()
	if err != nil {
		return d.renderError(c, err, u)
	}
	defer file.Close()
	_, err = d.documents.Upload(c.Request().Context(), u.ID, f.Kind, f.Name, fh.Filename, file)
	switch domain.ErrorCode(err) {
	case "":
		return back(c, "/documents", "document_uploaded")
	case domain.EINVALID, domain.ETOOLARGE:
		return d.documentRefused(c, f, err)
	}
	return d.renderError(c, err, u)
}

// documentRefused shows the upload form again with what was wrong.
func (d *Dashboard) documentRefused(c echo.Context, f documentForm, err error) error {
	return d.documentsPage(c, web.Status(domain.ErrorCode(err)), documentsPage{Form: f, Errors: fieldErrors(err)})
}

// handleDocumentAction serves POST /documents/:id/default|delete.
func (d *Dashboard) handleDocumentAction(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "document not found"), u)
	}
	ctx := c.Request().Context()
	var msg string
	switch c.Param("action") {
	case "default":
		_, err = d.documents.SetDefault(ctx, u.ID, id)
		msg = "document_default"
	case "delete":
		err = d.documents.Delete(ctx, u.ID, id)
		msg = "document_deleted"
	default:
		err = domain.Errorf(domain.ENOTFOUND, "no such action")
	}
	if err != nil {
		return d.renderError(c, err, u)
	}
	return back(c, "/documents", msg)
}
