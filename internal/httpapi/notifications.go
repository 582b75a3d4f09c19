package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

// handleGetNotifications answers GET /api/v1/me/notifications: which kinds
// of notice are mailed to the signed-in user (every kind until they choose).
func (s *Server) handleGetNotifications(c echo.Context) error {
	p, err := s.db.NotificationPrefs(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

type updateNotificationsRequest struct {
	ApprovalWaiting  *bool `json:"approval_waiting"`
	QuestionsWaiting *bool `json:"questions_waiting"`
	NeedsYou         *bool `json:"needs_you"`
	RunCompleted     *bool `json:"run_completed"`
}

// handleUpdateNotifications answers PATCH /api/v1/me/notifications: turns
// kinds of notice on or off; omitted (or null) kinds stay as they are.
func (s *Server) handleUpdateNotifications(c echo.Context) error {
	var req updateNotificationsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.opts.Notifications.SetPreferences(c.Request().Context(), currentUser(c).ID, domain.NotificationPrefsUpdate(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
