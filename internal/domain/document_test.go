package domain_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
)

// zipOf builds a ZIP archive holding the named entries.
func zipOf(t *testing.T, names ...string) []byte {
	files := map[string]string{}
	for _, n := range names {
		files[n] = "<x/>"
	}
	return documentstest.Zip(t, files)
}

// The type comes from the bytes: PDF and DOCX pass, everything else is
// refused with a message saying what to upload instead.
func TestSniffDocument(t *testing.T) {
	t.Parallel()
	docx := zipOf(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml")
	for name, c := range map[string]struct {
		data []byte
		want string // the content type, or a part of the refusal
	}{
		"pdf":               {[]byte("%PDF-1.4\n%%EOF\n"), domain.ContentTypePDF},
		"docx":              {docx, domain.ContentTypeDOCX},
		"empty":             {nil, "the file is empty"},
		"windows program":   {append([]byte("MZ\x90\x00"), []byte("%PDF-1.4")...), "is a program"},
		"linux program":     {[]byte("\x7fELF\x02\x01\x01"), "is a program"},
		"script":            {[]byte("#!/bin/sh\nrm -rf ~\n"), "is a program"},
		"plain zip":         {zipOf(t, "photo.jpg", "notes.txt"), "a ZIP archive, not a Word document"},
		"zip without types": {zipOf(t, "word/document.xml"), "a ZIP archive, not a Word document"},
		"macros":            {zipOf(t, "[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "contains macros"},
		"damaged zip":       {[]byte("PK\x03\x04 truncated"), "damaged ZIP"},
		"legacy doc":        {[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), "old Word format (.doc)"},
		"text":              {[]byte("Ada Lovelace\nAnalyst\n"), "neither a PDF nor a Word document"},
		"pdf not at start":  {[]byte("junk%PDF-1.4"), "neither a PDF nor a Word document"},
	} {
		t.Run(name, func(t *testing.T) {
			ct, err := domain.SniffDocument(c.data)
			if strings.Contains(c.want, "/") {
				require.NoError(t, err)
				require.Equal(t, c.want, ct)
				return
			}
			require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
			msg := domain.ErrorMessage(err)
			require.Contains(t, msg, c.want)
			require.Contains(t, msg, "upload your résumé or cover letter as a PDF, or as a Word document saved as .docx", "says what to upload instead")
			require.Equal(t, msg, domain.ErrorDetails(err)["fields"].(map[string]any)["file"], "names the field")
			require.Empty(t, ct)
		})
	}
	tooLarge := domain.DocumentTooLarge(10 << 20)
	require.Equal(t, domain.ETOOLARGE, domain.ErrorCode(tooLarge))
	require.Contains(t, domain.ErrorMessage(tooLarge), "larger than 10 MiB")
}

// The filename keeps only its last path element, loses what cannot be a
// name, and takes the extension of what the bytes are.
func TestDocumentUpload_Names(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		upload             domain.DocumentUpload
		contentType        string
		wantName, wantFile string
	}{
		{domain.DocumentUpload{Kind: domain.DocumentResume, Filename: "Ada CV.pdf"}, domain.ContentTypePDF, "Ada CV", "Ada CV.pdf"},
		{domain.DocumentUpload{Kind: domain.DocumentResume, Filename: "cv.pdf", Name: " Backend CV "}, domain.ContentTypeDOCX, "Backend CV", "cv.docx"},
		{domain.DocumentUpload{Kind: domain.DocumentResume, Filename: `C:\Users\ada\..\cv.final.DOCX`}, domain.ContentTypeDOCX, "cv.final", "cv.final.docx"},
		{domain.DocumentUpload{Kind: domain.DocumentCoverLetter, Filename: "../../etc/passwd"}, domain.ContentTypePDF, "passwd", "passwd.pdf"},
		{domain.DocumentUpload{Kind: domain.DocumentCoverLetter, Filename: "let\x00ter\r\n\".pdf"}, domain.ContentTypePDF, "letter", "letter.pdf"},
		{domain.DocumentUpload{Kind: domain.DocumentCoverLetter, Filename: ""}, domain.ContentTypeDOCX, "cover_letter", "cover_letter.docx"},
		{domain.DocumentUpload{Kind: domain.DocumentResume, Filename: "Lebenslauf-Müller.pdf"}, domain.ContentTypePDF, "Lebenslauf-Müller", "Lebenslauf-Müller.pdf"},
		{domain.DocumentUpload{Kind: domain.DocumentResume, Filename: "a\u202egpj.exe.pdf"}, domain.ContentTypePDF, "agpj.exe", "agpj.exe.pdf"},
		{domain.DocumentUpload{Kind: domain.DocumentResume, Filename: "c\u200bv\u2066x\u2069\u00ad.pdf", Name: "My\u202e CV\ufeff"}, domain.ContentTypePDF, "My CV", "cvx.pdf"},
		{domain.DocumentUpload{Kind: domain.DocumentResume, Filename: strings.Repeat("é", 300) + ".pdf"}, domain.ContentTypePDF,
			strings.Repeat("é", 200), strings.Repeat("é", 200) + ".pdf"},
	} {
		name, file := c.upload.Names(c.contentType)
		require.Equal(t, c.wantName, name, "%q", c.upload.Filename)
		require.Equal(t, c.wantFile, file, "%q", c.upload.Filename)
	}
}

func TestDocumentUpload_Validate(t *testing.T) {
	t.Parallel()
	require.NoError(t, (&domain.DocumentUpload{Kind: domain.DocumentResume}).Validate())
	err := (&domain.DocumentUpload{Kind: "photo", Name: "a\x00b"}).Validate()
	fields := domain.ErrorDetails(err)["fields"].(map[string]any)
	require.Equal(t, "must be resume or cover_letter", fields["kind"])
	require.Contains(t, fields["name"], "NUL")
	err = (&domain.DocumentUpload{Kind: domain.DocumentCoverLetter, Name: strings.Repeat("x", 201)}).Validate()
	require.Contains(t, domain.ErrorDetails(err)["fields"].(map[string]any)["name"], "at most 200 characters")
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{900: "900 bytes", 1024: "1 KiB", 1536: "1.5 KiB", 10 << 20: "10 MiB", 50 << 20: "50 MiB", 3 << 19: "1.5 MiB"} {
		require.Equal(t, want, domain.FormatBytes(n))
	}
}
