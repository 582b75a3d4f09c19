package domain

import (
	"fmt"
	"time"
)

// DailyWindow returns the UTC day now falls in: the window in which a user's
// daily_submission_limit counts submissions.
func DailyWindow(now time.Time) (start, end time.Time) {
	start = now.UTC().Truncate(24 * time.Hour)
	return start, start.Add(24 * time.Hour)
}

// DailyLimitReached says a user's daily submission limit is reached: the
// task waits until the window ends.
type DailyLimitReached struct {
	Limit int
	Until time.Time
}

// DailyLimitAt returns the hold for a user with limit at now.
func DailyLimitAt(limit int, now time.Time) *DailyLimitReached {
	_, end := DailyWindow(now)
	return &DailyLimitReached{Limit: limit, Until: end}
}

// Error implements error.
func (e *DailyLimitReached) Error() string {
	return fmt.Sprintf("daily submission limit of %d reached; continues after %s", e.Limit, e.Until.UTC().Format(time.RFC3339))
}

// PlatformRateKey and EmployerRateKey name the rates submissions to a
// platform, and to one employer (board) on it, count against.
func PlatformRateKey(p Platform) string { return "apply:" + string(p) }

// EmployerRateKey: see PlatformRateKey.
func EmployerRateKey(p Platform, board string) string { return PlatformRateKey(p) + ":" + board }
