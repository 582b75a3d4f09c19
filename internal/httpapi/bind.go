package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

// decodeJSON reads the request body as exactly one JSON object into v,
// refusing unknown fields, wrong types, trailing data, invalid UTF-8 and NUL
// characters in any string with an EINVALID error that says what to fix.
// Postgres cannot store NUL or invalid UTF-8, so nothing past this point
// has to think about them.
func decodeJSON(c echo.Context, v any) error {
	if err := decodeJSONText(c, v); err != nil {
		return err
	}
	if path, ok := nulField(reflect.ValueOf(v), ""); !ok {
		return domain.ValidationError(map[string]string{path: `must not contain NUL characters (\u0000)`})
	}
	return nil
}

// decodeJSONText is decodeJSON without the NUL check, for callers that name
// bad strings their own way (ingestion names the row).
func decodeJSONText(c echo.Context, v any) error {
	if err := requireContentType(c, "application/json"); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EINVALID, "request body must hold a single JSON value")
	}
	return nil
}

// readBody reads the whole request body, which middleware bounds by
// http.body_limit: a larger one is ETOOLARGE (413).
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, jsonError(err)
	}
	return body, nil
}

// checkJSONText refuses what encoding/json would otherwise replace with
// U+FFFD without a word: bytes that are not UTF-8, and \u escapes of half a
// UTF-16 surrogate pair.
func checkJSONText(b []byte) error {
	if !utf8.Valid(b) {
		off := 0
		for off < len(b) {
			r, n := utf8.DecodeRune(b[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return domain.Errorf(domain.EINVALID, "request body is not valid UTF-8 (first bad byte at offset %d): send JSON as UTF-8 text", off).
			WithDetails(map[string]any{"offset": off})
	}
	if off := loneSurrogate(b); off >= 0 {
		return domain.Errorf(domain.EINVALID, "request body has a \\u escape at offset %d that is half of a UTF-16 surrogate pair, which is not a character", off).
			WithDetails(map[string]any{"offset": off})
	}
	return nil
}

// loneSurrogate returns the offset of the first \u escape inside a JSON
// string that is a surrogate without its other half, or -1.
func loneSurrogate(b []byte) int {
	hex4 := func(i int) rune {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return -1
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		if err != nil {
			return -1
		}
		return rune(n)
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch {
		case !inString:
			inString = b[i] == '"'
		case b[i] == '"':
			inString = false
		case b[i] == '\\':
			r := hex4(i)
			if utf16.IsSurrogate(r) {
				if low := hex4(i + 6); r < 0xDC00 && low >= 0xDC00 && low <= 0xDFFF {
					i += 11
					continue
				}
				return i
			}
			i++ // the escaped character
		}
	}
	return -1
}

// nulField walks a decoded request for a string (or map key) holding a NUL
// character and returns its path in the request, such as "links.github" or
// "jobs[3].title".
func nulField(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nulField(v.Elem(), path)
		}
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return path, false
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if p, ok := nulField(v.Field(i), joinPath(path, name)); !ok {
				return p, false
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", true // ids and other bytes are not text
		}
		for i := range v.Len() {
			if p, ok := nulField(v.Index(i), path+"["+strconv.Itoa(i)+"]"); !ok {
				return p, false
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := it.Key()
			if k.Kind() == reflect.String && strings.IndexByte(k.String(), 0) >= 0 {
				return path, false
			}
			if p, ok := nulField(it.Value(), joinPath(path, fmt.Sprint(k.Interface()))); !ok {
				return p, false
			}
		}
	}
	return "", true
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func requireContentType(c echo.Context, want string) error {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != want {
		return domain.Errorf(EUNSUPPORTEDMEDIA, "send the body as %s (Content-Type header)", want)
	}
	return nil
}

// EUNSUPPORTEDMEDIA is the code for a body in a format the endpoint does not take.
const EUNSUPPORTEDMEDIA = web.EUNSUPPORTEDMEDIA

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return domain.Errorf(domain.ETOOLARGE, "request body is larger than %d bytes", maxBytes.Limit)
	case errors.Is(err, echo.ErrStatusRequestEntityTooLarge):
		return err // a body without Content-Length that outgrew http.body_limit: 413
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.EINVALID, "request body is empty: send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.EINVALID, "request body is not valid JSON: %v", err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return domain.ValidationError(map[string]string{field: "must be " + jsonKind(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.ValidationError(map[string]string{name: "is not a known field"})
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	return domain.Errorf(domain.EINVALID, "request body: %v", err)
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "bool":
		return "true or false"
	case k == "string":
		return "a string"
	case k == "slice", k == "array":
		return "an array"
	case k == "map", k == "struct", k == "ptr":
		return "an object"
	}
	return "of another type"
}

// pathID parses the :id path parameter. A malformed id is ENOTFOUND, like
// an id that does not exist or belongs to someone else.
func pathID(c echo.Context, what string) (domain.ID, error) {
	return pathIDParam(c, "id", what)
}

// pathIDParam reads the id in path parameter param (ENOTFOUND, naming
// what, when it is not one).
func pathIDParam(c echo.Context, param, what string) (domain.ID, error) {
	id, err := domain.ParseID(c.Param(param))
	if err != nil {
		return domain.NilID, domain.Errorf(domain.ENOTFOUND, "%s not found", what)
	}
	return id, nil
}

// queryLimit parses ?limit=.
func queryLimit(c echo.Context) (int, error) {
	s := c.QueryParam("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > domain.MaxPageSize {
		return 0, domain.ValidationError(map[string]string{"limit": fmt.Sprintf("must be a number from 1 to %d", domain.MaxPageSize)})
	}
	return n, nil
}

// queryStates parses ?state=a,b (repeatable).
func queryStates(c echo.Context) ([]domain.State, error) {
	var out []domain.State
	for _, v := range c.QueryParams()["state"] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			st, err := domain.ParseState(s)
			if err != nil {
				return nil, domain.ValidationError(map[string]string{"state": domain.ErrorMessage(err)})
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// queryOptionalID parses an optional id query parameter.
func queryOptionalID(c echo.Context, name string) (*domain.ID, error) {
	s := c.QueryParam(name)
	if s == "" {
		return nil, nil
	}
	id, err := domain.ParseID(s)
	if err != nil {
		return nil, domain.ValidationError(map[string]string{name: "must be an id (UUID)"})
	}
	return &id, nil
}

// queryOptionalBool reads an optional true/false query parameter.
func queryOptionalBool(c echo.Context, name string) (*bool, error) {
	s := c.QueryParam(name)
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, domain.ValidationError(map[string]string{name: "must be true or false"})
	}
	return &b, nil
}

// page is the envelope of every list.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
