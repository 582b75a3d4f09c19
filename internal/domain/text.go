package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text fields are checked here, once, for every edge: limits are promised in
// characters (Unicode code points), never bytes, and Postgres refuses NUL
// characters and invalid UTF-8 outright, so both are refused before a
// query would fail.

// LineProblem says what is wrong with s as a one-line text field of at most
// max characters (no limit when max is 0), or "" when nothing is: invalid
// UTF-8, a NUL or any other control character (line breaks and tabs
// included), or too many characters.
func LineProblem(s string, max int) string { return textProblem(s, max, false) }

// TextProblem is LineProblem for multi-line text, where tabs and line breaks
// are allowed.
func TextProblem(s string, max int) string { return textProblem(s, max, true) }

func textProblem(s string, max int, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return `must not contain NUL characters (\u0000)`
	}
	for _, r := range s {
		if multiline && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) {
			if multiline {
				return "must not contain control characters other than tabs and line breaks"
			}
			return "must not contain control characters such as line breaks or tabs"
		}
	}
	if n := utf8.RuneCountInString(s); max > 0 && n > max {
		return "must be at most " + itoa(max) + " characters, got " + itoa(n)
	}
	return ""
}

// NULProblem looks for what Postgres cannot store in a JSON value decoded
// into any (a posting's raw payload): a NUL character or invalid UTF-8 in
// any string or key. It returns where (a path such as "a.b[2]", "" for the
// value itself) and what, or ok = true when there is nothing.
func NULProblem(v any) (path, problem string, ok bool) {
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			return "", "must be valid UTF-8 text", false
		}
		if strings.IndexByte(v, 0) >= 0 {
			return "", `must not contain NUL characters (\u0000)`, false
		}
	case map[string]any:
		for k, e := range v {
			if _, _, ok := NULProblem(k); !ok {
				return "", `has a key with a NUL character (\u0000) or invalid UTF-8`, false
			}
			if sub, p, ok := NULProblem(e); !ok {
				return joinPath(k, sub), p, false
			}
		}
	case []any:
		for i, e := range v {
			if sub, p, ok := NULProblem(e); !ok {
				return joinPath("["+itoa(i)+"]", sub), p, false
			}
		}
	}
	return "", "", true
}

func joinPath(head, tail string) string {
	switch {
	case tail == "":
		return head
	case tail[0] == '[':
		return head + tail
	}
	return head + "." + tail
}
