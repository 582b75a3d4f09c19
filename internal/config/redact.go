package config

import (
	"net/url"
	"regexp"
	"strings"
)

// redactedText stands in for a secret in logs and errors.
const redactedText = "REDACTED"

var (
	urlSchemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`)
	// keywordPasswordRE is a password in a key=value connection string
	// ("host=db password=secret" or password='se cret' with \' escapes).
	keywordPasswordRE = regexp.MustCompile(`(^|\s)((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)
)

// RedactDatabaseURL returns a Postgres connection string, URL or key=value
// form, with every password (in the user info, a password or sslpassword
// query parameter, or a password keyword) replaced, for logs and errors.
func RedactDatabaseURL(s string) string {
	if !urlSchemeRE.MatchString(s) {
		return keywordPasswordRE.ReplaceAllString(s, "${1}${2}"+redactedText)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable database URL)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redactedText)
		}
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			key, _, _ := strings.Cut(p, "=")
			name, err := url.QueryUnescape(key)
			if err != nil || name == "password" || name == "sslpassword" {
				parts[i] = key + "=" + redactedText
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}
