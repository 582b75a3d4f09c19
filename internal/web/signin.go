package web

import (
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// SignIn is how signing in behaves. The API and the dashboard take the same
// one, so they count against the same limits and keep sessions alike.
type SignIn struct {
	// Limits bound magic-link requests.
	Limits domain.SignInLimits
	// SessionIdleTimeout ends a session unused this long.
	SessionIdleTimeout time.Duration
	// SessionMaxAge ends a session this long after sign-in, used or not.
	SessionMaxAge time.Duration
	// AdminEmails get the admin role at sign-in.
	AdminEmails []string
}

// RetryAfter returns the seconds a rate-limited error says to wait: the
// Retry-After header every 429 carries.
func RetryAfter(err error) (int, bool) {
	secs, ok := domain.ErrorDetails(err)["retry_after"].(int)
	return secs, ok && domain.ErrorCode(err) == domain.ERATELIMITED
}
