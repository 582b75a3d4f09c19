// Package web holds the HTTP pieces the JSON API and the dashboard share:
// the session cookie, reading credentials, and the same-origin check that
// refuses cross-site state changes.
package web

import (
	"net/http"
	"net/url"
	"regexp"
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

// CheckSameOrigin refuses a state-changing request unless it provably
// comes from publicOrigin: Sec-Fetch-Site (set by the browser, not by the
// page) must say same-origin, and an Origin header must be publicOrigin
// (or "null" on a same-origin post from a no-referrer page).
// A request with neither (older browsers, or a proxy that strips them) is
// accepted only when its Referer is on publicOrigin: one with no Origin,
// no Sec-Fetch-Site and no Referer proves nothing and is refused.
func CheckSameOrigin(r *http.Request, publicOrigin string) error {
	site := r.Header.Get("Sec-Fetch-Site")
	switch site {
	case "", "same-origin", "none":
	default:
		return crossSite()
	}
	if o := r.Header.Get("Origin"); o != "" {
		// A page with Referrer-Policy: no-referrer (the approval link's)
		// makes the browser send Origin: null on its own form posts; the
		// browser's Sec-Fetch-Site still says same-origin.
		if o != publicOrigin && (o != "null" || site != "same-origin") {
			return crossSite()
		}
		return nil
	}
	if site != "" || sameOrigin(r.Referer(), publicOrigin) {
		return nil
	}
	return domain.Errorf(domain.EFORBIDDEN, "request refused: it carries no Origin, Sec-Fetch-Site or same-origin Referer header, so it cannot be told from a cross-site forgery; send it from the applyq site in a browser, or use an API token (Authorization: Bearer)")
}

func crossSite() error {
	return domain.Errorf(domain.EFORBIDDEN, "cross-site request refused: state changes must come from the applyq site")
}

// sameOrigin reports whether the absolute URL ref is on origin
// (scheme://host[:port]).
func sameOrigin(ref, origin string) bool {
	if ref == "" {
		return false
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return strings.EqualFold(u.Scheme+"://"+u.Host, origin)
}

// secretRE matches every token shape applyq issues, well-formed or not:
// "aq", a letter saying what it is (see the prefixes in
// internal/domain/auth.go), "_", then base64url.
var secretRE = regexp.MustCompile(`(aq[a-z]_)[A-Za-z0-9_\-]*`)

// Redact replaces the secret part of every token in s (a logged path or
// query) with REDACTED, keeping the prefix that says what it was.
func Redact(s string) string {
	return secretRE.ReplaceAllString(s, "${1}REDACTED")
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
	domain.EALREADYAPPLIED:    http.StatusConflict,
	domain.ECONFIRMRESUME:     http.StatusConflict,
	domain.ECHOICEREQUIRED:    http.StatusUnprocessableEntity,
	domain.EUNAUTHORIZED:      http.StatusUnauthorized,
	domain.EFORBIDDEN:         http.StatusForbidden,
	domain.EGONE:              http.StatusGone,
	domain.ERATELIMITED:       http.StatusTooManyRequests,
	domain.EQUOTA:             http.StatusTooManyRequests,
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
