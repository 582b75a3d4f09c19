package domain

import (
	"fmt"
	"math"
	"time"
)

// Quotas bound what one user may do, so that nobody fills the store or
// keeps the workers busy for everyone else. Each is counted in Postgres
// (rate_limits, or the rows themselves), so it holds however many API
// replicas run; zero turns one off. A refused request counts against
// nothing.
type Quotas struct {
	// UploadsPerDay bounds the documents a user uploads per UTC day
	// (quotas.uploads_per_day).
	UploadsPerDay int
	// StoredBytes bounds the bytes of a user's documents (those not
	// deleted) in the blob store (quotas.stored_bytes).
	StoredBytes int64
	// AnswersPerHour bounds the answers a user files per hour, in the
	// library or to waiting questions (quotas.answers_per_hour).
	AnswersPerHour int
	// SourcesPerDay bounds the job boards a user starts following per UTC
	// day (quotas.sources_per_day).
	SourcesPerDay int
	// SyncsPerSourcePerHour bounds the "sync now" requests of one source
	// per hour (quotas.syncs_per_source_per_hour).
	SyncsPerSourcePerHour int
}

// Quota is one counted limit of Quotas: the setting that bounds it (what a
// refusal names in details.limit) and its counter.
type Quota struct {
	Setting string
	RateLimit
}

// Windows of the counted quotas (fixed, aligned on UTC midnight).
const (
	quotaDay  = 24 * time.Hour
	quotaHour = time.Hour
)

// Uploads is userID's upload counter (nil when off).
func (q Quotas) Uploads(userID ID) *Quota {
	return quota("quotas.uploads_per_day", "quota:uploads:"+userID.String(), q.UploadsPerDay, quotaDay)
}

// Answers is userID's answer counter (nil when off).
func (q Quotas) Answers(userID ID) *Quota {
	return quota("quotas.answers_per_hour", "quota:answers:"+userID.String(), q.AnswersPerHour, quotaHour)
}

// Sources is userID's counter of sources added (nil when off).
func (q Quotas) Sources(userID ID) *Quota {
	return quota("quotas.sources_per_day", "quota:sources:"+userID.String(), q.SourcesPerDay, quotaDay)
}

// SyncsNow is the "sync now" counter of one source (nil when off).
func (q Quotas) SyncsNow(sourceID ID) *Quota {
	return quota("quotas.syncs_per_source_per_hour", "quota:sync_now:"+sourceID.String(), q.SyncsPerSourcePerHour, quotaHour)
}

func quota(setting, key string, limit int, window time.Duration) *Quota {
	if limit <= 0 {
		return nil
	}
	return &Quota{Setting: setting, RateLimit: RateLimit{Key: key, Limit: limit, Window: window}}
}

// RateLimited is the ERATELIMITED error of a request over a limit, wait
// before it would pass: "too many …: try again in 40 seconds", with
// details.retry_after (whole seconds, at least 1: the Retry-After header
// every 429 carries) and, when setting is set, details.limit naming the
// setting that bounds it.
func RateLimited(what, setting string, wait time.Duration) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	in := fmt.Sprintf("%d seconds", secs)
	switch {
	case secs > 2*3600:
		in = fmt.Sprintf("%d hours", (secs+3599)/3600)
	case secs > 90:
		in = fmt.Sprintf("%d minutes", (secs+59)/60)
	}
	details := map[string]any{"retry_after": secs}
	if setting != "" {
		details["limit"] = setting
	}
	return Errorf(ERATELIMITED, "%s: try again in %s", what, in).WithDetails(details)
}

// StorageFull is the EQUOTA error of an upload that would take the user's
// documents past max bytes (stored now): waiting frees nothing, so it
// carries no Retry-After; deleting documents does.
func StorageFull(stored, size, max int64) error {
	return Errorf(EQUOTA, "your documents take %s of the %s you may keep: this file (%s) does not fit; delete documents you no longer need",
		FormatBytes(stored), FormatBytes(max), FormatBytes(size)).
		WithDetails(map[string]any{"limit": "quotas.stored_bytes", "stored_bytes": stored, "max_stored_bytes": max, "size": size})
}
