package domain

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// Documents go to employers as they were uploaded, so a document is
// inspected before it is accepted, with the standard library only: what
// could run, fetch or unpack something on the employer's side (or on
// applyq's) is refused, naming what was found.
//
// A Word document (.docx, a ZIP package):
//   - entries: no name with "..", an absolute path or a backslash; none
//     encrypted (ZIP encryption, or the EncryptedPackage of a
//     password-protected document);
//   - size: every entry decompressed, at most MaxDocxUncompressedBytes in
//     all and, beyond 1 MiB, at most MaxDocxRatio times the file's size
//     (a ZIP bomb stops at the bound; the sizes the entries declare are
//     checked first and never trusted alone);
//   - macros: no macro part whatever its name — refused by its content
//     type in [Content_Types].xml (VBA projects, macro-enabled documents
//     and templates, ActiveX), by a relationship to it in any .rels part,
//     or by the name word/vbaProject.bin;
//   - relationships: none with TargetMode="External" except hyperlinks (an
//     attached template, an OLE object, a frame or an image fetched from
//     elsewhere is refused; a link a person clicks is not).
//
// A PDF: no JavaScript (/JavaScript, /JS, so no /OpenAction or /AA that
// runs it), no /Launch action, no embedded files (/EmbeddedFile,
// /EmbeddedFiles), no additional actions (/AA). Names are read as PDF
// writes them, #xx escapes decoded, in the file's bytes and in its object
// streams compressed with FlateDecode alone (decompressed, at most
// maxPDFInflated bytes in all).
//
// Not covered: PDF object streams under other filters (LZW, ASCII85,
// predictors) or encrypted (a PDF with /Encrypt: its streams are not
// decrypted), actions other than those named (/SubmitForm, /ImportData,
// /RichMedia, XFA forms), and what a document's own content says: the
// inspection looks for active content, it does not judge text or images.

// Bounds of a document's inspection.
const (
	// MaxDocxUncompressedBytes bounds what a .docx decompresses to.
	MaxDocxUncompressedBytes = 100 << 20
	// MaxDocxRatio bounds how many times its own size a .docx larger
	// than 1 MiB uncompressed may expand to.
	MaxDocxRatio = 100
	// maxPartBytes bounds one XML part read for inspection
	// ([Content_Types].xml, a .rels part).
	maxPartBytes = 4 << 20
	// maxPDFInflated bounds what a PDF's object streams decompress to.
	maxPDFInflated = 64 << 20
)

// foundError is the EINVALID error of a document refused for what it
// holds: the message names it, details.found lists it.
func foundError(problem string, found []string) error {
	msg := problem + ": " + whatToUpload
	return Errorf(EINVALID, "%s", msg).WithDetails(map[string]any{"fields": map[string]any{"file": msg}, "found": found})
}

// macroContentTypes are content types of parts that hold or run code.
var macroContentTypes = []string{
	"application/vnd.ms-office.vbaproject",
	"application/vnd.ms-word.vbadata+xml",
	"application/vnd.ms-office.activex",
	"application/vnd.ms-office.activex+xml",
	"application/vnd.ms-word.document.macroenabled.main+xml",
	"application/vnd.ms-word.template.macroenabledtemplate.main+xml",
	"application/vnd.ms-word.keymapcustomizations+xml",
}

// macroRelationships end the relationship types that point at code.
var macroRelationships = []string{"/vbaproject", "/vbadata", "/activexcontrol", "/activexcontrolbinary", "/keymapcustomizations"}

// inspectDOCX refuses a .docx package holding what the package comment
// above lists; zr is its directory.
func inspectDOCX(data []byte, zr *zip.Reader) error {
	var declared uint64
	for _, f := range zr.File {
		name := f.Name
		switch {
		case strings.Contains(name, "\\"), strings.HasPrefix(name, "/"), len(name) > 1 && name[1] == ':',
			slices.Contains(strings.Split(name, "/"), ".."):
			return foundError(fmt.Sprintf("the Word document holds an entry whose name is a path out of it (%q)", truncate(name, 100)), []string{name})
		case f.Flags&0x1 != 0, strings.EqualFold(path.Base(name), "EncryptedPackage"), strings.EqualFold(path.Base(name), "EncryptionInfo"):
			return foundError("the Word document is encrypted or password-protected: save it as .docx without a password", []string{name})
		case strings.EqualFold(name, "word/vbaProject.bin"):
			return foundError("the Word document contains macros (.docm), which employers' systems refuse: save it as .docx", []string{name})
		}
		declared += f.UncompressedSize64
	}
	if err := docxSize(len(data), declared); err != nil {
		return err
	}
	var total uint64
	for _, f := range zr.File {
		limit := MaxDocxUncompressedBytes - total
		isTypes, isRels := f.Name == "[Content_Types].xml", strings.HasSuffix(f.Name, ".rels")
		n, part, err := readEntry(f, limit, isTypes || isRels)
		if err != nil {
			return fileError("the file is a damaged ZIP archive, not a Word document")
		}
		if total += n; n > limit {
			return docxSize(len(data), total)
		}
		switch {
		case isTypes:
			if err := checkContentTypes(part); err != nil {
				return err
			}
		case isRels:
			if err := checkRelationships(f.Name, part); err != nil {
				return err
			}
		}
	}
	return docxSize(len(data), total)
}

// docxSize refuses a package of size bytes that expands to total.
func docxSize(size int, total uint64) error {
	if total > MaxDocxUncompressedBytes || (total > 1<<20 && total/uint64(max(size, 1)) > MaxDocxRatio) {
		return foundError(fmt.Sprintf("the Word document expands to more than %s (or over %d times its own size) when unpacked, like a ZIP bomb",
			FormatBytes(MaxDocxUncompressedBytes), MaxDocxRatio), []string{"uncompressed size " + FormatBytes(int64(min(total, 1<<62)))})
	}
	return nil
}

// readEntry decompresses f, reading at most limit+1 bytes, and returns
// how many it read and, when keep is set, the bytes (at most
// maxPartBytes of them). A damaged entry (its checksum included) is an
// error.
func readEntry(f *zip.File, limit uint64, keep bool) (uint64, []byte, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, nil, err
	}
	defer rc.Close()
	r := io.LimitReader(rc, int64(min(limit, MaxDocxUncompressedBytes))+1)
	var part []byte
	if keep {
		if part, err = io.ReadAll(io.LimitReader(r, maxPartBytes)); err != nil {
			return 0, nil, err
		}
	}
	rest, err := io.Copy(io.Discard, r)
	return uint64(len(part)) + uint64(rest), part, err // #nosec G115 -- io.Copy never counts below zero
}

// checkContentTypes refuses a package whose [Content_Types].xml declares a
// part of a macro content type.
func checkContentTypes(doc []byte) error {
	var found []string
	err := xmlElements(doc, func(local string, attr map[string]string) {
		if local != "Default" && local != "Override" {
			return
		}
		ct := strings.ToLower(strings.TrimSpace(attr["ContentType"]))
		if slices.Contains(macroContentTypes, ct) {
			found = append(found, attr["ContentType"]+" ("+attr["PartName"]+attr["Extension"]+")")
		}
	})
	if err != nil {
		return fileError("the Word document's list of parts ([Content_Types].xml) is damaged")
	}
	if len(found) > 0 {
		return foundError("the Word document contains macros or ActiveX controls ("+strings.Join(found, ", ")+"), which employers' systems refuse: save it as .docx", found)
	}
	return nil
}

// checkRelationships refuses a .rels part that points at code, or at
// anything outside the package but a hyperlink.
func checkRelationships(name string, doc []byte) error {
	var macros, external []string
	err := xmlElements(doc, func(local string, attr map[string]string) {
		if local != "Relationship" {
			return
		}
		typ := strings.ToLower(attr["Type"])
		for _, m := range macroRelationships {
			if strings.HasSuffix(typ, m) {
				macros = append(macros, attr["Type"]+" → "+attr["Target"])
			}
		}
		if strings.EqualFold(attr["TargetMode"], "External") && !strings.HasSuffix(typ, "/hyperlink") {
			external = append(external, relName(attr["Type"])+" → "+truncate(attr["Target"], 200))
		}
	})
	switch {
	case err != nil:
		return fileError(fmt.Sprintf("the Word document's relationships (%s) are damaged", truncate(name, 100)))
	case len(macros) > 0:
		return foundError("the Word document contains macros or ActiveX controls ("+strings.Join(macros, ", ")+"), which employers' systems refuse: save it as .docx", macros)
	case len(external) > 0:
		return foundError("the Word document loads something from outside itself when opened ("+strings.Join(external, ", ")+
			"): remove the attached template or linked content and save it again", external)
	}
	return nil
}

// relName is the last word of a relationship type: attachedTemplate,
// oleObject, image.
func relName(typ string) string {
	return path.Base(typ)
}

// xmlElements calls fn with the local name and attributes (by local
// name) of every element of doc.
func xmlElements(doc []byte, fn func(local string, attr map[string]string)) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			attr := make(map[string]string, len(se.Attr))
			for _, a := range se.Attr {
				attr[a.Name.Local] = a.Value
			}
			fn(se.Name.Local, attr)
		}
	}
}

// pdfForbidden are the PDF names refused, with what each means for
// people.
var pdfForbidden = map[string]string{
	"JavaScript":    "JavaScript",
	"JS":            "JavaScript",
	"Launch":        "an action that launches a program",
	"EmbeddedFile":  "an embedded file",
	"EmbeddedFiles": "embedded files",
	"AA":            "actions run when it is opened or read (/AA)",
}

// inspectPDF refuses a PDF holding what the package comment above lists.
func inspectPDF(data []byte) error {
	found := map[string]bool{}
	pdfNames(data, found)
	inflated := 0
	for _, s := range objectStreams(data) {
		if inflated >= maxPDFInflated {
			break
		}
		b, _ := io.ReadAll(io.LimitReader(zlibReader(s), int64(maxPDFInflated-inflated))) // what cannot be inflated is left as it is
		inflated += len(b)
		pdfNames(b, found)
	}
	js := found["JavaScript"] || found["JS"]
	if !js {
		delete(found, "OpenAction") // an open action that only shows a page
	}
	if len(found) == 0 {
		return nil
	}
	var names, what []string
	for n := range found {
		names = append(names, "/"+n)
	}
	slices.Sort(names)
	for _, n := range names {
		if w := pdfForbidden[n[1:]]; w != "" && !slices.Contains(what, w) {
			what = append(what, w)
		}
	}
	return foundError("the PDF contains "+strings.Join(what, ", ")+" ("+strings.Join(names, ", ")+
		"), which employers' systems refuse: export or print it to PDF again without them", names)
}

// zlibReader reads a FlateDecode stream ("" reader when it is not one).
func zlibReader(b []byte) io.Reader {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return bytes.NewReader(nil)
	}
	return r
}

// pdfNames adds to found the refused names in b (and /OpenAction, said
// only beside JavaScript), #xx escapes decoded.
func pdfNames(b []byte, found map[string]bool) {
	for i := 0; i < len(b); i++ {
		if b[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(b) && !pdfDelimiter(b[j]) {
			j++
		}
		name := decodePDFName(b[i+1 : j])
		if _, bad := pdfForbidden[name]; bad || name == "OpenAction" {
			found[name] = true
		}
		i = j - 1
	}
}

// pdfDelimiter reports whether c ends a PDF name: white space or a
// delimiter character.
func pdfDelimiter(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ', '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// decodePDFName decodes a name's #xx escapes (/J#61vaScript is
// /JavaScript).
func decodePDFName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, ok := unhex(b[i+1]); ok {
				if w, ok := unhex(b[i+2]); ok {
					out = append(out, v<<4|w)
					i += 2
					continue
				}
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// objectStreams returns the data of the PDF's object streams (/Type
// /ObjStm) compressed with FlateDecode alone: the dictionary before each
// "stream" keyword is read back to its "<<".
func objectStreams(data []byte) [][]byte {
	var out [][]byte
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte("stream"))
		if i < 0 {
			return out
		}
		start := off + i
		off = start + len("stream")
		if start >= 3 && string(data[start-3:start]) == "end" {
			continue // "endstream"
		}
		dictStart := bytes.LastIndex(data[max(0, start-4096):start], []byte("<<"))
		if dictStart < 0 {
			continue
		}
		dict := data[max(0, start-4096)+dictStart : start]
		names := map[string]bool{}
		for _, n := range bytes.Fields(bytes.ReplaceAll(dict, []byte("/"), []byte(" /"))) {
			if n[0] == '/' {
				names[decodePDFName(bytes.Trim(n[1:], "<>[]"))] = true
			}
		}
		if !names["ObjStm"] || !names["FlateDecode"] || names["DecodeParms"] {
			continue
		}
		body := data[off:]
		switch {
		case bytes.HasPrefix(body, []byte("\r\n")):
			body = body[2:]
		case bytes.HasPrefix(body, []byte("\n")):
			body = body[1:]
		}
		end := bytes.Index(body, []byte("endstream"))
		if end < 0 {
			return out
		}
		out = append(out, body[:end])
		off += end
	}
}
