package web

import (
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
)

// SignInLimits are the configured magic-link request limits; the API and the
// dashboard count against the same ones.
func SignInLimits(a config.AuthConfig) domain.SignInLimits {
	return domain.SignInLimits{PerAddressAndIP: a.EmailIPLimit, PerAddress: a.EmailLimit, PerIP: a.IPLimit,
		Global: a.GlobalLimit, Window: a.LimitWindow}
}

// RetryAfter returns the seconds a rate-limited error says to wait: the
// Retry-After header every 429 carries.
func RetryAfter(err error) (int, bool) {
	secs, ok := domain.ErrorDetails(err)["retry_after"].(int)
	return secs, ok && domain.ErrorCode(err) == domain.ERATELIMITED
}
