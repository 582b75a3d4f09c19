package httpapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

type createTokenRequest struct {
	Name string `json:"name"`
}

type createdToken struct {
	domain.APIToken
	Token string `json:"token"`
}

// handleCreateToken answers POST /api/v1/tokens {name}: a new API token,
// whose secret is in this answer only.
func (s *Server) handleCreateToken(c echo.Context) error {
	var req createTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	raw, hash := domain.NewToken(domain.PrefixAPIToken)
	t, err := s.db.CreateAPIToken(c.Request().Context(), currentUser(c).ID, strings.TrimSpace(req.Name), hash)
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
	if err := s.db.RevokeAPIToken(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
