package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

type createTokenRequest struct {
	Name      string            `json:"name"`
	Scope     domain.TokenScope `json:"scope"`
	ExpiresIn *int64            `json:"expires_in"`
	ExpiresAt *string           `json:"expires_at"`
}

type createdToken struct {
	domain.APIToken
	Token string `json:"token"`
}

// handleCreateToken answers POST /api/v1/tokens {name, scope, expires_in |
// expires_at}: a new API token, whose secret is in this answer only. Only a
// session can create tokens: a token minting tokens would outlive its own
// revocation and expiry.
func (s *Server) handleCreateToken(c echo.Context) error {
	if currentCredential(c).IsAPIToken() {
		return domain.Errorf(domain.EFORBIDDEN, "an API token cannot create tokens: create them signed in (the dashboard, or the session token from POST /api/v1/auth/verify)")
	}
	var req createTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := domain.APITokenCreate{Name: req.Name, Scope: req.Scope, ExpiresIn: req.ExpiresIn}
	if req.ExpiresAt != nil {
		at, err := time.Parse(time.RFC3339, *req.ExpiresAt)
		if err != nil {
			return domain.ValidationError(map[string]string{"expires_at": "must be a time in RFC 3339 form, such as 2030-01-31T12:00:00Z"})
		}
		in.ExpiresAt = &at
	}
	raw, hash := domain.NewToken(domain.PrefixAPIToken)
	t, err := s.accounts.CreateAPIToken(c.Request().Context(), currentUser(c).ID, in, hash)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, createdToken{APIToken: *t, Token: raw})
}

// handleListTokens answers GET /api/v1/tokens: the user's tokens, without secrets.
func (s *Server) handleListTokens(c echo.Context) error {
	ts, err := s.db.ListAPITokens(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []domain.APIToken{}
	}
	return c.JSON(http.StatusOK, page[domain.APIToken]{Items: ts})
}

// handleRevokeToken answers DELETE /api/v1/tokens/:id.
func (s *Server) handleRevokeToken(c echo.Context) error {
	id, err := pathID(c, "token")
	if err != nil {
		return err
	}
	if err := s.accounts.RevokeAPIToken(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
