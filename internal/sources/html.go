package sources

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Boards publish descriptions as HTML (Greenhouse's even HTML-escaped once
// more); applyq keeps plain text. The conversion keeps what structure a
// reader needs — paragraphs and list items on their own lines — and drops
// everything else: tags, attributes, comments, and the content of script,
// style and other elements that are not text to read.

// skipContent are elements whose content is not text to read.
var skipContent = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true,
	atom.Object: true, atom.Svg: true, atom.Math: true, atom.Head: true, atom.Title: true, atom.Select: true,
	atom.Noembed: true, atom.Noframes: true, atom.Textarea: true,
}

// paragraphs start and end a paragraph (a blank line around them).
var paragraphs = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Table: true, atom.Blockquote: true,
	atom.Pre: true, atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
	atom.Aside: true, atom.Nav: true, atom.Main: true, atom.Figure: true, atom.Form: true, atom.Fieldset: true,
	atom.Address: true, atom.Details: true, atom.Summary: true, atom.Hr: true,
}

// lines start a line of their own.
var lines = map[atom.Atom]bool{
	atom.Br: true, atom.Tr: true, atom.Dt: true, atom.Dd: true, atom.Caption: true, atom.Figcaption: true,
}

// htmlText converts an HTML fragment to plain text of at most max
// characters (no limit when max is 0): entities decoded, paragraphs
// separated by a blank line, list items as "- item" lines, whitespace
// collapsed, and no control characters but line breaks.
func htmlText(s string, max int) string {
	z := html.NewTokenizer(strings.NewReader(strings.ToValidUTF8(s, "")))
	var b strings.Builder
	skip := 0
	words := 0 // non-space characters written, to stop early on a huge input
	for max == 0 || words <= max {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF, or the rest is not HTML: keep what was read
		}
		switch tt {
		case html.TextToken:
			if skip == 0 {
				text := string(z.Text())
				if max > 0 {
					text = text[:wordsPrefix(text, max+1-words)] // enough to fill the cap, no more
				}
				for _, r := range text {
					if !unicode.IsSpace(r) {
						words++
					}
				}
				// Line breaks in the source are spaces: only elements break lines.
				b.WriteString(strings.Map(func(r rune) rune {
					if r == '\n' || r == '\r' {
						return ' '
					}
					return r
				}, text))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipContent[a] {
				switch {
				case tt == html.StartTagToken:
					skip++
				case tt == html.EndTagToken && skip > 0:
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch {
			case paragraphs[a]:
				b.WriteString("\n\n")
			case lines[a] && tt != html.EndTagToken:
				b.WriteByte('\n')
			case a == atom.Li && tt != html.EndTagToken:
				b.WriteString("\n- ")
			case a == atom.Td || a == atom.Th:
				b.WriteByte(' ')
			}
		}
	}
	return cleanText(b.String(), max)
}

// wordsPrefix is the length in bytes of the longest prefix of s with at
// most n non-space characters.
func wordsPrefix(s string, n int) int {
	for i, r := range s {
		if !unicode.IsSpace(r) {
			if n <= 0 {
				return i
			}
			n--
		}
	}
	return len(s)
}

// cleanText tidies plain text: invalid UTF-8 and control characters
// dropped (line breaks kept, tabs as spaces), whitespace within a line
// collapsed, at most one blank line in a row, empty list bullets dropped,
// and at most max characters (no limit when max is 0), cut with "…".
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	blank := false
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.Join(strings.FieldsFunc(line, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
		if line == "-" {
			continue
		}
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank {
				b.WriteByte('\n')
			}
		}
		blank = false
		b.WriteString(line)
	}
	return truncateText(b.String(), max)
}

// plainLine is one line of plain text from what may be HTML (a title, a
// location): tags dropped, entities decoded, all whitespace one space, at
// most max characters.
func plainLine(s string, max int) string {
	if strings.ContainsAny(s, "<&") {
		s = htmlText(s, 0)
	}
	return truncateText(strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, ""), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " "), max)
}

// truncateText cuts s to at most max characters, the last one "…", at a
// word's end when one is near.
func truncateText(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			cut := s[:i]
			next, _ := utf8.DecodeRuneInString(s[i:])
			if sp := strings.LastIndexFunc(cut, unicode.IsSpace); !unicode.IsSpace(next) && sp > 0 && len(cut)-sp <= 64 {
				cut = cut[:sp] // the cut is inside a word: end before it
			}
			return strings.TrimRightFunc(cut, unicode.IsSpace) + "…"
		}
		n++
	}
	return s
}
