package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

// errorBody is the one JSON error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// httpErrorHandler writes every error as {"error":{"code","message","details"}}.
// Uncoded errors answer 500 "internal error" and are the only ones logged at
// error level.
func (s *Server) httpErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg, details := domain.ErrorCode(err), domain.ErrorMessage(err), domain.ErrorDetails(err)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, msg = echoCode(he.Code), http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		details = nil
	}
	status := web.Status(code)
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", zap.Error(err), zap.String("method", c.Request().Method),
			zap.String("path", c.Path()), zap.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)))
		code, msg, details = domain.EINTERNAL, "internal error", nil
	}
	if secs, ok := web.RetryAfter(err); ok && status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	}
	var writeErr error
	if c.Request().Method == http.MethodHead {
		writeErr = c.NoContent(status)
	} else if s.opts.Pages != nil && wantsPage(c.Request()) {
		writeErr = s.opts.Pages.ErrorPage(c, &domain.Error{Code: code, Message: msg, Details: details})
	} else {
		writeErr = c.JSON(status, errorBody{Error: errorDetail{Code: code, Message: msg, Details: details}})
	}
	if writeErr != nil {
		s.log.Debug("writing error response", zap.Error(writeErr))
	}
}

// wantsPage reports whether a request is a browser's for a page (it
// accepts HTML) outside the JSON API: its error is a page, not JSON.
func wantsPage(r *http.Request) bool {
	return r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/") &&
		strings.Contains(r.Header.Get("Accept"), "text/html")
}

// echoCode maps the statuses Echo's own middleware return to our codes.
func echoCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return domain.ENOTFOUND
	case http.StatusMethodNotAllowed:
		return web.EMETHODNOTALLOWED
	case http.StatusRequestEntityTooLarge:
		return domain.ETOOLARGE
	case http.StatusTooManyRequests:
		return domain.ERATELIMITED
	case http.StatusUnauthorized:
		return domain.EUNAUTHORIZED
	case http.StatusForbidden:
		return domain.EFORBIDDEN
	case http.StatusServiceUnavailable:
		return web.EUNAVAILABLE
	}
	if status >= 500 {
		return domain.EINTERNAL
	}
	return domain.EINVALID
}
