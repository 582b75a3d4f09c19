package dashboard

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

// handleSignInForm serves GET /sign-in.
func (d *Dashboard) handleSignInForm(c echo.Context) error {
	return d.render(c, http.StatusOK, "signin.html", view{Title: "Sign in"})
}

// handleSignIn serves POST /sign-in: the same page for every address ("check
// your email"), or the form again with the problem next to the field.
func (d *Dashboard) handleSignIn(c echo.Context) error {
	if err := d.sameOrigin(c); err != nil {
		return d.renderError(c, err, nil)
	}
	email, err := domain.NormalizeEmail(c.FormValue("email"))
	if err != nil {
		return d.render(c, http.StatusBadRequest, "signin.html", view{Title: "Sign in", Error: "Enter an email address such as ada@example.com.", Data: c.FormValue("email")})
	}
	if err := d.accounts.RequestMagicLink(c.Request().Context(), email, d.opts.SignIn.Limits.For(email, c.RealIP())); err != nil {
		if secs, ok := web.RetryAfter(err); ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			return d.render(c, http.StatusTooManyRequests, "signin.html", view{Title: "Sign in", Error: domain.ErrorMessage(err), Data: email})
		}
		return d.renderError(c, err, nil)
	}
	return d.render(c, http.StatusOK, "check_email.html", view{Title: "Check your email", Data: d.opts.MailHint})
}

// handleConfirmSignInPage serves GET /auth/confirm?token=: a page with a
// button. Opening the link signs nobody in, so mail scanners that prefetch
// links cannot use the token up.
func (d *Dashboard) handleConfirmSignInPage(c echo.Context) error {
	return d.render(c, http.StatusOK, "confirm_signin.html", view{Title: "Sign in", Data: c.QueryParam("token")})
}

// handleConfirmSignIn serves POST /auth/confirm: it consumes the token, opens
// a new session and lands on the dashboard.
func (d *Dashboard) handleConfirmSignIn(c echo.Context) error {
	if err := d.sameOrigin(c); err != nil {
		return d.renderError(c, err, nil)
	}
	token := c.FormValue("token")
	if domain.ParseToken(domain.PrefixMagicLink, token) != nil {
		return d.renderError(c, domain.Errorf(domain.EUNAUTHORIZED, "this sign-in link is invalid, used or expired: request a new one"), nil)
	}
	raw, hash := domain.NewToken(domain.PrefixSession)
	var previous []byte // the browser's session before: it ends
	if old, fromCookie := web.Credential(c.Request()); fromCookie && old != "" {
		previous = domain.HashToken(old)
	}
	_, expires, err := d.accounts.SignIn(c.Request().Context(), domain.HashToken(token), hash, previous)
	if err != nil {
		return d.renderError(c, err, nil)
	}
	c.SetCookie(web.NewSessionCookie(raw, expires))
	return c.Redirect(http.StatusSeeOther, "/")
}

// handleSignOut serves POST /sign-out.
func (d *Dashboard) handleSignOut(c echo.Context) error {
	if err := d.sameOrigin(c); err != nil {
		return d.renderError(c, err, nil)
	}
	if raw, fromCookie := web.Credential(c.Request()); fromCookie {
		_ = d.accounts.SignOut(c.Request().Context(), domain.HashToken(raw))
	}
	c.SetCookie(web.ClearSessionCookie())
	return c.Redirect(http.StatusSeeOther, "/sign-in")
}
