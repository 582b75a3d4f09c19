package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/mail"
	"strings"
	"time"
)

// Token prefixes say what a secret is when it shows up in a log or a leak scan.
const (
	PrefixMagicLink = "aqm_" // magic-link sign-in token
	PrefixSession   = "aqs_" // session (cookie or bearer)
	PrefixAPIToken  = "aqt_" // long-lived API token
	PrefixApproval  = "aqa_" // approval link token
)

// tokenBytes is the entropy of every secret token: 32 random bytes.
const tokenBytes = 32

var tokenEncoding = base64.RawURLEncoding

// NewToken returns a fresh secret with prefix and the SHA-256 hash that is the
// only thing stored.
func NewToken(prefix string) (raw string, hash []byte) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic("domain: crypto/rand failed: " + err.Error())
	}
	raw = prefix + tokenEncoding.EncodeToString(b)
	return raw, HashToken(raw)
}

// HashToken is how a token is looked up: SHA-256 of its full text.
func HashToken(raw string) []byte {
	sum := sha256.Sum256([]byte(raw))
	return sum[:]
}

// ParseToken checks that raw is a well-formed token with prefix; it says
// nothing about whether the token exists. Malformed tokens are EUNAUTHORIZED
// so callers cannot tell "malformed" from "unknown".
func ParseToken(prefix, raw string) error {
	bad := Errorf(EUNAUTHORIZED, "invalid or expired token")
	if !strings.HasPrefix(raw, prefix) {
		return bad
	}
	body := raw[len(prefix):]
	if len(body) != tokenEncoding.EncodedLen(tokenBytes) {
		return bad
	}
	if _, err := tokenEncoding.DecodeString(body); err != nil {
		return bad
	}
	return nil
}

// NormalizeEmail validates an address and lower-cases it. The error names the
// field for the API's validation details.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if p := LineProblem(s, 254); p != "" {
		return "", ValidationError(map[string]string{"email": p})
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", ValidationError(map[string]string{"email": "must be an email address such as ada@example.com"})
	}
	return strings.ToLower(s), nil
}

// RateLimit is one fixed-window limit on a counter every replica shares.
type RateLimit struct {
	Key    string
	Limit  int
	Window time.Duration
}

// SignInLimits bound magic-link requests without letting anyone deny a user
// their own sign-in: a client runs out of requests for an address long
// before the address runs out (PerAddressAndIP < PerAddress), so a victim
// on their own network is unaffected by an attacker elsewhere; PerAddress
// still bounds the mail one inbox gets, PerIP what one client sends to all
// addresses, and Global the mail sent in all. Refused requests count
// against nothing, so hammering a limit does not keep it closed.
type SignInLimits struct {
	PerAddressAndIP int
	PerAddress      int
	PerIP           int
	Global          int
	// PublicPerIP bounds the other requests one client IP makes without
	// signing in: exchanging sign-in links, opening and deciding approval
	// links (Public).
	PublicPerIP int
	Window      time.Duration
}

// PublicLimitSetting names the setting of SignInLimits.PublicPerIP.
const PublicLimitSetting = "auth.public_ip_limit"

// Public returns the limits a request that needs no sign-in (other than
// asking for a link) from ip counts against.
func (l SignInLimits) Public(ip string) []RateLimit {
	return []RateLimit{{Key: "public:ip:" + ip, Limit: l.PublicPerIP, Window: l.Window}}
}

// For returns the limits a sign-in request for email from ip counts against.
func (l SignInLimits) For(email, ip string) []RateLimit {
	return []RateLimit{
		{Key: "magic_link:email_ip:" + ip + " " + email, Limit: l.PerAddressAndIP, Window: l.Window},
		{Key: "magic_link:email:" + email, Limit: l.PerAddress, Window: l.Window},
		{Key: "magic_link:ip:" + ip, Limit: l.PerIP, Window: l.Window},
		{Key: "magic_link:global", Limit: l.Global, Window: l.Window},
	}
}

// Session is a signed-in user's server-side session.
type Session struct {
	UserID     ID
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// APIToken is a long-lived bearer token for HTTP API consumers. The secret is
// shown once, at creation; only its hash is stored.
type APIToken struct {
	ID         ID         `json:"id"`
	Name       string     `json:"name"`
	Scope      TokenScope `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// TokenScope is what an API token may do.
type TokenScope string

// Token scopes. Sessions can do everything; no API token can create tokens.
const (
	ScopeRead TokenScope = "read" // safe methods only (GET, HEAD)
	ScopeFull TokenScope = "full" // everything a session can, except creating tokens
)

// Bounds of an API token's lifetime, when it has an expiry.
const (
	MinTokenLifetime = time.Minute
	MaxTokenLifetime = 365 * 24 * time.Hour
)

// MaxTokenName is the longest token name, in characters.
const MaxTokenName = 100

// APITokenCreate asks for a new API token. Scope defaults to full; the
// expiry is optional, given as ExpiresIn (seconds from now) or ExpiresAt,
// not both.
type APITokenCreate struct {
	Name      string
	Scope     TokenScope
	ExpiresIn *int64
	ExpiresAt *time.Time
}

// Normalize validates the request as of now, fills the default scope and
// turns ExpiresIn into ExpiresAt. Errors are EINVALID and name each field.
func (in *APITokenCreate) Normalize(now time.Time) error {
	fields := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	if p := LineProblem(in.Name, MaxTokenName); in.Name == "" || p != "" {
		fields["name"] = "is required, one line of at most 100 characters"
	}
	switch in.Scope {
	case "":
		in.Scope = ScopeFull
	case ScopeRead, ScopeFull:
	default:
		fields["scope"] = "must be read (GET only) or full"
	}
	const bounds = "between 1 minute and 365 days from now"
	switch {
	case in.ExpiresIn != nil && in.ExpiresAt != nil:
		fields["expires_in"] = "give expires_in or expires_at, not both"
	case in.ExpiresIn != nil:
		secs := *in.ExpiresIn
		if secs < int64(MinTokenLifetime/time.Second) || secs > int64(MaxTokenLifetime/time.Second) {
			fields["expires_in"] = "must be a number of seconds from 60 to 31536000 (" + bounds + ")"
			break
		}
		at := now.Add(time.Duration(secs) * time.Second)
		in.ExpiresAt, in.ExpiresIn = &at, nil
	case in.ExpiresAt != nil:
		if d := in.ExpiresAt.Sub(now); d < MinTokenLifetime || d > MaxTokenLifetime {
			fields["expires_at"] = "must be a time " + bounds + " (RFC 3339, such as 2030-01-31T12:00:00Z)"
		}
	}
	return ValidationError(fields)
}

// Credential is what authenticated a request: a session, or an API token
// with its id and scope.
type Credential struct {
	TokenID *ID // the API token; nil for a session
	Scope   TokenScope
}

// IsAPIToken reports whether the credential is an API token.
func (c *Credential) IsAPIToken() bool { return c.TokenID != nil }

// Message is one email.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Mailer sends email. The development mailer logs it to the console.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}
