package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

// decodeJSON reads the request body as exactly one JSON object into v,
// refusing unknown fields, wrong types and trailing data with an EINVALID
// error that says what to fix.
func decodeJSON(c echo.Context, v any) error {
	if err := requireContentType(c, "application/json"); err != nil {
		return err
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EINVALID, "request body must hold a single JSON value")
	}
	return nil
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
	id, err := domain.ParseID(c.Param("id"))
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

// page is the envelope of every list.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
