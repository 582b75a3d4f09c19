// Package documentstest gives tests documents and a look into the blob
// directory they land in: a minimal PDF, a minimal DOCX built with
// archive/zip, any ZIP, and the files a file:// blob store holds.
package documentstest

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"net/url"
	"path/filepath"
	"testing"
)

// PDF is a minimal PDF: the header, one line of text, the trailer marker.
func PDF(text string) []byte {
	return []byte("%PDF-1.4\n% " + text + "\n%%EOF\n")
}

// DOCX is a minimal Word document holding text: the parts a .docx needs to
// open ([Content_Types].xml, the package relationships, word/document.xml).
func DOCX(tb testing.TB, text string) []byte {
	tb.Helper()
	return Zip(tb, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`,
	})
}

// Zip is a ZIP archive of the files given by name and content.
func Zip(tb testing.TB, files map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatalf("documentstest.Zip: %v", err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			tb.Fatalf("documentstest.Zip: %v", err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("documentstest.Zip: %v", err)
	}
	return buf.Bytes()
}

// FileURL is the blob.url of a store in dir (created at open), as the
// development default has it.
func FileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: dir, RawQuery: "create_dir=true&no_tmp_dir=true"}).String()
}

// MustFiles lists the regular files under dir (blobs and their attribute
// sidecars), relative to dir; none when dir does not exist.
func MustFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		tb.Fatalf("documentstest.MustFiles: %v", err)
	}
	return out
}
