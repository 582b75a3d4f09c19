package domain

import (
	"archive/zip"
	"bytes"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DocumentKind is what a document is for. The set is closed.
type DocumentKind string

// The document kinds.
const (
	DocumentResume      DocumentKind = "resume"
	DocumentCoverLetter DocumentKind = "cover_letter"
)

// DocumentKinds lists every kind, in the order pages show them.
var DocumentKinds = []DocumentKind{DocumentResume, DocumentCoverLetter}

// ParseDocumentKind reads a kind; anything else is EINVALID naming the
// field kind.
func ParseDocumentKind(s string) (DocumentKind, error) {
	for _, k := range DocumentKinds {
		if s == string(k) {
			return k, nil
		}
	}
	return "", ValidationError(map[string]string{"kind": "must be resume or cover_letter"})
}

// Label is the kind in words.
func (k DocumentKind) Label() string {
	if k == DocumentCoverLetter {
		return "Cover letter"
	}
	return "Résumé"
}

// Document is a file a user uploaded for applications: a résumé or a cover
// letter. Postgres keeps this metadata forever (a packet that carried the
// document can still say which it was); the bytes live in the blob store
// under BlobKey.
type Document struct {
	ID     ID
	UserID ID
	Kind   DocumentKind
	// Name is the display name; Filename is what a download is called,
	// its extension set by ContentType.
	Name     string
	Filename string
	// ContentType is decided from the bytes (SniffDocument), never from the
	// name or what the client said.
	ContentType string
	Size        int64
	SHA256      string // hex
	// IsDefault marks the document of its kind that applications carry
	// unless told otherwise; at most one per user and kind.
	IsDefault bool
	BlobKey   string
	CreatedAt time.Time
	// DeletedAt is when the user deleted it; ContentDeletedAt when its
	// bytes were removed from the blob store (nil while a packet that was
	// sent, or is waiting to be, needs them).
	DeletedAt        *time.Time
	ContentDeletedAt *time.Time
}

// DocumentBlobKey is where a document's bytes are kept in the blob store.
func DocumentBlobKey(userID, id ID) string {
	return "documents/" + userID.String() + "/" + id.String()
}

// Limits of documents.
const (
	// DefaultMaxDocumentBytes is the default of documents.max_bytes.
	DefaultMaxDocumentBytes = 10 << 20
	// MinMaxDocumentBytes and MaxMaxDocumentBytes bound documents.max_bytes.
	MinMaxDocumentBytes = 1 << 10
	MaxMaxDocumentBytes = 50 << 20
	// MaxDocumentName is the longest display name, in characters; a longer
	// filename is shortened to it (its extension kept).
	MaxDocumentName = 200
)

// The content types applyq accepts.
const (
	ContentTypePDF  = "application/pdf"
	ContentTypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// whatToUpload ends every refusal of a file.
const whatToUpload = "upload your résumé or cover letter as a PDF, or as a Word document saved as .docx"

// fileError is an EINVALID error about the uploaded file.
func fileError(problem string) error {
	msg := problem + ": " + whatToUpload
	return Errorf(EINVALID, "%s", msg).WithDetails(map[string]any{"fields": map[string]any{"file": msg}})
}

// DocumentTooLarge is the ETOOLARGE error of a file over max bytes.
func DocumentTooLarge(max int64) error {
	msg := "the file is larger than " + FormatBytes(max) + ", the most a document may be: upload a smaller PDF or .docx (export it again with images at a lower resolution)"
	return Errorf(ETOOLARGE, "%s", msg).WithDetails(map[string]any{"fields": map[string]any{"file": msg}, "max_bytes": max})
}

// SniffDocument decides a file's content type from its bytes alone: a PDF
// (it starts with %PDF-) or a Word document (.docx: a ZIP archive holding
// [Content_Types].xml and word/document.xml), then inspects it (see
// inspect.go: no macros, scripts, launch actions, embedded files, external
// templates, encryption, paths out of the archive or ZIP bombs). Anything
// else — an empty file, a program whatever its name, another ZIP, a legacy
// .doc, text — is EINVALID with a message that says what to upload
// instead; a document refused for what it holds names it
// (details.found).
func SniffDocument(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", fileError("the file is empty")
	case isProgram(data):
		return "", fileError("the file is a program, not a document (whatever its name says)")
	case bytes.HasPrefix(data, []byte("%PDF-")):
		if err := inspectPDF(data); err != nil {
			return "", err
		}
		return ContentTypePDF, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return sniffZip(data)
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "", fileError("the file is in the old Word format (.doc) or password-protected: save it as .docx without a password, or export it as PDF")
	case bytes.HasPrefix(data, []byte(`{\rtf`)):
		return "", fileError("the file is rich text (.rtf)")
	}
	return "", fileError("the file is neither a PDF nor a Word document")
}

// isProgram reports an executable header: Windows (MZ), Linux (ELF),
// macOS (Mach-O, universal) or a script (#!).
func isProgram(b []byte) bool {
	for _, magic := range []string{"MZ", "\x7fELF", "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe", "#!"} {
		if bytes.HasPrefix(b, []byte(magic)) {
			return true
		}
	}
	return false
}

func sniffZip(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", fileError("the file is a damaged ZIP archive, not a Word document")
	}
	var types, body, macros bool
	for _, f := range zr.File {
		switch f.Name {
		case "[Content_Types].xml":
			types = true
		case "word/document.xml":
			body = true
		case "word/vbaProject.bin":
			macros = true
		}
	}
	switch {
	case !types || !body:
		return "", fileError("the file is a ZIP archive, not a Word document")
	case macros:
		return "", foundError("the Word document contains macros (.docm), which employers' systems refuse: save it as .docx", []string{"word/vbaProject.bin"})
	}
	if err := inspectDOCX(data, zr); err != nil {
		return "", err
	}
	return ContentTypeDOCX, nil
}

// Extension is the file extension of a content type SniffDocument returns.
func Extension(contentType string) string {
	if contentType == ContentTypeDOCX {
		return ".docx"
	}
	return ".pdf"
}

// DocumentUpload is what a user sends with a file.
type DocumentUpload struct {
	Kind DocumentKind
	// Name is the display name; empty: the filename without its extension.
	Name string
	// Filename is the uploaded file's name as the client gave it (only its
	// last path element is kept).
	Filename string
}

// Validate checks the kind and the name (a filename is cleaned, never
// refused), naming each bad field.
func (u *DocumentUpload) Validate() error {
	fields := map[string]string{}
	if _, err := ParseDocumentKind(string(u.Kind)); err != nil {
		fields["kind"] = "must be resume or cover_letter"
	}
	if p := LineProblem(strings.TrimSpace(u.Name), MaxDocumentName); p != "" {
		fields["name"] = p
	}
	return ValidationError(fields)
}

// Names returns the display name and the download filename of an upload
// whose content type is contentType: the client's filename reduced to its
// last path element, without control or format characters (bidi
// overrides, zero-width characters) or invalid UTF-8, at most
// MaxDocumentName characters, its extension the content type's (a DOCX
// uploaded as cv.pdf downloads as cv.docx). A blank filename is named after
// the kind.
func (u *DocumentUpload) Names(contentType string) (name, filename string) {
	base := u.Filename
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.Map(func(r rune) rune {
		if r == '"' {
			return -1
		}
		return r
	}, withoutFormatting(strings.ToValidUTF8(base, "")))
	stem := strings.TrimSpace(base)
	switch strings.ToLower(path.Ext(stem)) {
	case ".pdf", ".docx", ".doc", ".docm", ".rtf", ".odt", ".txt", ".exe":
		stem = strings.TrimSpace(strings.TrimSuffix(stem, path.Ext(stem)))
	}
	if stem = strings.Trim(stem, "."); stem == "" {
		stem = string(u.Kind)
	}
	if r := []rune(stem); len(r) > MaxDocumentName {
		stem = strings.TrimSpace(string(r[:MaxDocumentName]))
	}
	name = strings.TrimSpace(withoutFormatting(u.Name))
	if name == "" {
		name = stem
	}
	return name, stem + Extension(contentType)
}

// withoutFormatting removes control characters and Unicode format
// characters (category Cf: the bidi overrides and isolates that make
// "a\u202egpj.exe.pdf" display as "apdf.exe.jpg", zero-width characters,
// soft hyphens) from a name: what is stored is what is shown.
func withoutFormatting(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

// FormatBytes writes a size for people: 10 MiB, 512 KiB, 1.5 MiB, 900 bytes.
func FormatBytes(n int64) string {
	unit := func(div int64, name string) string {
		if n%div == 0 {
			return strconv.FormatInt(n/div, 10) + " " + name
		}
		return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + name
	}
	switch {
	case n >= 1<<20:
		return unit(1<<20, "MiB")
	case n >= 1<<10:
		return unit(1<<10, "KiB")
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
