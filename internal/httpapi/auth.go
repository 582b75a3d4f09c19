package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

type magicLinkRequest struct {
	Email string `json:"email"`
}

// magicLinkAccepted is the one answer to every accepted sign-in request,
// whether or not the address has an account.
var magicLinkAccepted = map[string]string{
	"status":  "accepted",
	"message": "If this address can sign in, a sign-in link is on its way. It works once and expires soon.",
}

// handleMagicLink answers POST /api/v1/auth/magic-link {email}: 202 with the
// same body and headers for every address; 429 with Retry-After when a
// sign-in limit trips (see domain.SignInLimits; held in Postgres, so shared by
// every replica).
func (s *Server) handleMagicLink(c echo.Context) error {
	var req magicLinkRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	email, err := domain.NormalizeEmail(req.Email)
	if err != nil {
		return err
	}
	if err := s.accounts.RequestMagicLink(c.Request().Context(), email, s.opts.SignIn.Limits.For(email, c.RealIP())); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, magicLinkAccepted)
}

type verifyRequest struct {
	Token string `json:"token"`
}

type verifyResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      userJSON  `json:"user"`
}

// handleVerify answers POST /api/v1/auth/verify {token}: it consumes the
// sign-in token, opens a new session (a new id at every sign-in), sets the
// session cookie for browsers and returns the same secret as a bearer token
// for API clients.
func (s *Server) handleVerify(c echo.Context) error {
	var req verifyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := domain.ParseToken(domain.PrefixMagicLink, req.Token); err != nil {
		return domain.Errorf(domain.EUNAUTHORIZED, "this sign-in link is invalid, used or expired: request a new one")
	}
	raw, hash := domain.NewToken(domain.PrefixSession)
	// A previous session in this browser ends: one browser, one session.
	var previous []byte
	if old, fromCookie := web.Credential(c.Request()); fromCookie && old != "" {
		previous = domain.HashToken(old)
	}
	user, expires, err := s.accounts.SignIn(c.Request().Context(), domain.HashToken(req.Token), hash, previous)
	if err != nil {
		return err
	}
	c.SetCookie(web.NewSessionCookie(raw, expires))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, verifyResponse{Token: raw, ExpiresAt: expires, User: toUser(user)})
}

// handleLogout answers POST /api/v1/auth/logout: the session ends and its
// cookie is cleared. A request signed with an API token answers 400 and
// changes nothing: a long-lived token is revoked on purpose, with DELETE
// /api/v1/tokens/{id}, never as a side effect of a generic sign-out.
func (s *Server) handleLogout(c echo.Context) error {
	if cred := currentCredential(c); cred.IsAPIToken() {
		return domain.Errorf(domain.EINVALID, "logout ends sessions, and this request is signed with an API token, which stays valid: revoke it with DELETE /api/v1/tokens/%s", cred.TokenID).
			WithDetails(map[string]any{"token_id": cred.TokenID.String()})
	}
	raw, _ := web.Credential(c.Request())
	if err := s.accounts.SignOut(c.Request().Context(), domain.HashToken(raw)); err != nil {
		return err
	}
	c.SetCookie(web.ClearSessionCookie())
	return c.NoContent(http.StatusNoContent)
}

// handleMe answers GET /api/v1/me.
func (s *Server) handleMe(c echo.Context) error {
	return c.JSON(http.StatusOK, toUser(currentUser(c)))
}

type updateMeRequest struct {
	Name                 *string            `json:"name"`
	FirstName            *string            `json:"first_name"`
	LastName             *string            `json:"last_name"`
	Phone                *string            `json:"phone"`
	Location             *string            `json:"location"`
	LinkedIn             *string            `json:"linkedin"`
	GitHub               *string            `json:"github"`
	Website              *string            `json:"website"`
	Links                *map[string]string `json:"links"`
	CurrentCompany       *string            `json:"current_company"`
	WorkAuthorization    *string            `json:"work_authorization"`
	DeclineDemographic   *bool              `json:"decline_demographic"`
	ResumeURL            *string            `json:"resume_url"`
	DailySubmissionLimit *int               `json:"daily_submission_limit"`
}

// handleUpdateMe answers PATCH /api/v1/me: the profile used in applications
// and the daily submission limit. Omitted fields stay as they are, even
// when another request changes them meanwhile; a field a paused task waits
// for answers it (the task is queued again once nothing else is missing).
func (s *Server) handleUpdateMe(c echo.Context) error {
	var req updateMeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u := currentUser(c)
	res, err := s.tasks.UpdateProfile(c.Request().Context(), u.ID, domain.ProfileUpdate{Name: req.Name, FirstName: req.FirstName,
		LastName: req.LastName, Phone: req.Phone, Location: req.Location, LinkedIn: req.LinkedIn, GitHub: req.GitHub, Website: req.Website,
		CurrentCompany: req.CurrentCompany, WorkAuthorization: req.WorkAuthorization, ResumeURL: req.ResumeURL, Links: req.Links,
		DeclineDemographic: req.DeclineDemographic, DailySubmissionLimit: req.DailySubmissionLimit}, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUser(res.User))
}
