// Package web holds the HTTP pieces the JSON API and the dashboard share:
// the session cookie, reading credentials, and the same-origin check that
// refuses cross-site state changes.
package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// SessionCookie is the session cookie's name. The __Host- prefix makes
// browsers insist on Secure, Path=/ and no Domain.
const SessionCookie = "__Host-applyq_session"

// Credential returns the bearer token, or the session cookie's value.
func Credential(r *http.Request) (raw string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if after, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(after), false
		}
		return "", false
	}
	if ck, err := r.Cookie(SessionCookie); err == nil {
		return ck.Value, true
	}
	return "", false
}

// CheckSameOrigin refuses a state-changing request that the browser marks
// cross-site (Sec-Fetch-Site), or whose Origin is not publicOrigin.
func CheckSameOrigin(r *http.Request, publicOrigin string) error {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return domain.Errorf(domain.EFORBIDDEN, "cross-site request refused: state changes must come from the applyq site")
	}
	if o := r.Header.Get("Origin"); o != "" && o != publicOrigin {
		return domain.Errorf(domain.EFORBIDDEN, "cross-site request refused: state changes must come from the applyq site")
	}
	return nil
}

// SafeMethod reports whether m changes nothing by definition.
func SafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// NewSessionCookie builds the session cookie; ClearSessionCookie deletes it.
func NewSessionCookie(value string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/", Expires: expires, MaxAge: int(time.Until(expires).Seconds()),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	}
}

// ClearSessionCookie returns a cookie that deletes the session cookie.
func ClearSessionCookie() *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
}

// Codes that only HTTP has.
const (
	EMETHODNOTALLOWED = "method_not_allowed"
	EUNAVAILABLE      = "unavailable"
	EUNSUPPORTEDMEDIA = "unsupported_media_type"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[string]int{
	domain.EINVALID:           http.StatusBadRequest,
	domain.ENOTFOUND:          http.StatusNotFound,
	domain.ECONFLICT:          http.StatusConflict,
	domain.EILLEGALTRANSITION: http.StatusConflict,
	domain.ESTATECONFLICT:     http.StatusConflict,
	domain.EDUPLICATE:         http.StatusConflict,
	domain.EUNAUTHORIZED:      http.StatusUnauthorized,
	domain.EFORBIDDEN:         http.StatusForbidden,
	domain.EGONE:              http.StatusGone,
	domain.ERATELIMITED:       http.StatusTooManyRequests,
	domain.ETOOLARGE:          http.StatusRequestEntityTooLarge,
	domain.EINTERNAL:          http.StatusInternalServerError,
	EMETHODNOTALLOWED:         http.StatusMethodNotAllowed,
	EUNAVAILABLE:              http.StatusServiceUnavailable,
	EUNSUPPORTEDMEDIA:         http.StatusUnsupportedMediaType,
}

// Status returns the HTTP status for an error code; 500 for unknown codes.
func Status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
