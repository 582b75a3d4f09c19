package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/postgres"
)

// handleHealthz answers GET /healthz: the process is up.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers GET /readyz: the database answers and its schema is at
// the version this binary expects. 503 otherwise, with the reason.
func (s *Server) handleReadyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	st, err := postgres.Status(ctx, s.db.Pool)
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unreachable"})
	}
	if !st.UpToDate() {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "schema not at expected version",
			"app_version": st.AppVersion, "app_expected": st.AppLatest, "river_version": st.RiverVersion, "river_expected": st.RiverLatest})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
