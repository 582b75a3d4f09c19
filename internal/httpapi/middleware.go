package httpapi

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

// SessionCookie is the session cookie's name (see package web).
const SessionCookie = web.SessionCookie

const (
	ctxUser       = "applyq.user"
	ctxCredential = "applyq.credential" // #nosec G101 -- a context key, not a credential
)

// securityHeaders sets the response headers every page and answer carries.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

// requestLogger logs one structured line per request. It hands a handler's
// error to the error handler first (HandleError), so the line and the
// metric carry the status actually sent, not the 200 an unwritten response
// still holds. Token-shaped secrets in the path are redacted.
func (s *Server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError: true,
		LogStatus:   true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true, LogRoutePath: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			if s.opts.OnRequest != nil {
				s.opts.OnRequest(v.Method, v.RoutePath, v.Status, v.Latency)
			}
			level := zap.InfoLevel
			if s.opts.QuietRequests && v.Status < 500 {
				level = zap.DebugLevel
			}
			s.log.Log(level, "request", zap.String("method", v.Method), zap.String("route", v.RoutePath), zap.String("path", web.Redact(v.URIPath)),
				zap.Int("status", v.Status), zap.Duration("latency", v.Latency), zap.String("request_id", v.RequestID),
				zap.String("ip", v.RemoteIP))
			return nil
		},
	})
}

// requireUser authenticates the request by bearer token (API tokens and
// sessions) or session cookie. Cookie-authenticated state changes are refused
// when the browser says the request is cross-site (CSRF); bearer requests
// carry no ambient credentials and are not checked.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, err := s.authenticate(c)
		if err != nil {
			return err
		}
		c.Set(ctxUser, user)
		return next(c)
	}
}

// requireAdmin lets only users with the admin role through (River UI);
// others get 403, visitors 401.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, err := s.authenticate(c)
		if err != nil {
			return err
		}
		if user.Role != domain.RoleAdmin {
			return domain.Errorf(domain.EFORBIDDEN, "this page is for operators (the admin role)")
		}
		return next(c)
	}
}

// authenticate checks the request's credential (and, for a cookie on an
// unsafe method, that the request is same-origin; for a read-only API
// token, that the method is safe) and returns its user.
func (s *Server) authenticate(c echo.Context) (*domain.User, error) {
	raw, fromCookie := web.Credential(c.Request())
	if raw == "" {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "sign in first: send Authorization: Bearer <token> or the session cookie")
	}
	if domain.ParseToken(domain.PrefixSession, raw) != nil && domain.ParseToken(domain.PrefixAPIToken, raw) != nil {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "sign in first: the session or token is missing, expired or revoked")
	}
	if fromCookie && !web.SafeMethod(c.Request().Method) {
		if err := web.CheckSameOrigin(c.Request(), s.publicOrigin); err != nil {
			return nil, err
		}
	}
	user, cred, err := s.db.AuthenticateCredential(c.Request().Context(), domain.HashToken(raw), s.opts.SignIn.SessionIdleTimeout)
	if err != nil {
		return nil, err
	}
	if cred.Scope == domain.ScopeRead && !web.SafeMethod(c.Request().Method) {
		return nil, domain.Errorf(domain.EFORBIDDEN, "this API token is read-only (scope read): it may only read (GET); use a token with scope full to change anything")
	}
	c.Set(ctxUser, user)
	c.Set(ctxCredential, cred)
	return user, nil
}

// currentCredential returns what authenticated the request.
func currentCredential(c echo.Context) *domain.Credential {
	return c.Get(ctxCredential).(*domain.Credential)
}

// currentUser returns the authenticated user.
func currentUser(c echo.Context) *domain.User {
	return c.Get(ctxUser).(*domain.User)
}

// throttlePublic counts a request that needs no sign-in — exchanging a
// sign-in link, or an approval by its link token (by id, the signed-in
// owner's, it is not counted) — against its client IP's limit
// (auth.public_ip_limit per auth.limit_window, in Postgres): 429 with
// Retry-After beyond it, so nobody guesses links at speed.
func (s *Server) throttlePublic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if key := c.Param("key"); c.Path() != "/api/v1/auth/verify" && !strings.HasPrefix(key, domain.PrefixApproval) {
			return next(c)
		}
		if err := s.accounts.Throttle(c.Request().Context(), s.opts.SignIn.Limits.Public(c.RealIP()), domain.PublicLimitSetting); err != nil {
			return err
		}
		return next(c)
	}
}
