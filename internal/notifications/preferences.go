package notifications

import (
	"context"

	"github.com/applyq/applyq/internal/domain"
)

// SetPreferences changes which kinds of notice the user gets mailed: the
// kinds u sets, the others kept (one statement: two changes of different
// kinds never undo each other). It returns every kind's preference.
func (s *Service) SetPreferences(ctx context.Context, userID domain.ID, u domain.NotificationPrefsUpdate) (domain.NotificationPrefs, error) {
	return s.store.NotificationPrefsUpdate(ctx, userID, u)
}
