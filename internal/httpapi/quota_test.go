package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// requireRateLimited checks an answer is 429 rate_limited with a
// Retry-After equal to details.retry_after, naming setting.
func requireRateLimited(t *testing.T, r resp, setting string) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	e := r.Error(t)
	require.Equal(t, domain.ERATELIMITED, e.Code)
	require.Equal(t, setting, e.Details["limit"])
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "every 429 rate_limited says Retry-After")
	require.Positive(t, secs)
	require.EqualValues(t, secs, e.Details["retry_after"])
}

// TestQuotas_APIAnswers429: each user quota answers 429 with Retry-After
// and a code and details a client can act on (rate_limited, details.limit
// naming the setting); the storage quota, which time does not free,
// answers 429 quota_exceeded without Retry-After.
func TestQuotas_APIAnswers429(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{Quotas: &config.QuotasConfig{UploadsPerDay: 2, StoredBytes: 10 << 20, AnswersPerHour: 2, SourcesPerDay: 1,
		SyncsPerSourcePerHour: 1}})
	token := pgtest.MustSession(t, b.db, "ada@example.test")
	pdf := documentstest.PDF("cv")

	for range 2 {
		b.mustUpload(t, token, "resume", "cv.pdf", pdf)
	}
	requireRateLimited(t, b.upload(t, token, upload{Fields: map[string]string{"kind": "resume"}, Filename: "cv.pdf", Data: pdf}), "quotas.uploads_per_day")

	for i := range 2 {
		r := b.do(t, req{Method: "POST", Path: "/api/v1/answers", Token: token, Body: map[string]any{"label": "Question " + strconv.Itoa(i), "value": "Yes"}})
		require.Less(t, r.Status, 300, string(r.Body))
	}
	requireRateLimited(t, b.do(t, req{Method: "POST", Path: "/api/v1/answers", Token: token, Body: map[string]any{"label": "Again", "value": "Yes"}}),
		"quotas.answers_per_hour")

	r := b.do(t, req{Method: "POST", Path: "/api/v1/sources", Token: token, Body: map[string]any{"url": "https://boards.greenhouse.io/acme"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var src struct {
		ID string `json:"id"`
	}
	r.JSON(t, &src)
	requireRateLimited(t, b.do(t, req{Method: "POST", Path: "/api/v1/sources", Token: token, Body: map[string]any{"url": "https://boards.greenhouse.io/globex"}}),
		"quotas.sources_per_day")
	r = b.do(t, req{Method: "POST", Path: "/api/v1/sources/" + src.ID + "/sync", Token: token})
	require.Less(t, r.Status, 300, string(r.Body))
	requireRateLimited(t, b.do(t, req{Method: "POST", Path: "/api/v1/sources/" + src.ID + "/sync", Token: token}), "quotas.syncs_per_source_per_hour")

	// Storage: another user whose documents fill their room.
	small := setupAPI(t, apiOpts{Quotas: &config.QuotasConfig{StoredBytes: 10 << 20}})
	other := pgtest.MustSession(t, small.db, "bob@example.test")
	big := append(documentstest.PDF("x"), make([]byte, 6<<20)...)
	small.mustUpload(t, other, "resume", "cv.pdf", big)
	r = small.upload(t, other, upload{Fields: map[string]string{"kind": "resume"}, Filename: "cv.pdf", Data: big})
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	e := r.Error(t)
	require.Equal(t, domain.EQUOTA, e.Code)
	require.Equal(t, "quotas.stored_bytes", e.Details["limit"])
	require.Empty(t, r.Header.Get("Retry-After"), "waiting frees nothing")
}

// TestPublicRoutes_PerIPLimit: the routes that need no sign-in — a
// sign-in link's exchange and approval links — count their client IP's
// requests, valid or not, and answer 429 with Retry-After beyond the
// limit; an approval by id (signed in) is not counted.
func TestPublicRoutes_PerIPLimit(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{PublicIPLimit: 3})
	for range 2 {
		r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/verify", Body: map[string]any{"token": "aqm_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}})
		require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	}
	r := b.do(t, req{Method: "GET", Path: "/api/v1/approvals/aqa_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	requireRateLimited(t, b.do(t, req{Method: "POST", Path: "/api/v1/approvals/aqa_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" + "/approve"}),
		domain.PublicLimitSetting)
	requireRateLimited(t, b.do(t, req{Method: "POST", Path: "/api/v1/auth/verify", Body: map[string]any{"token": "aqm_x"}}), domain.PublicLimitSetting)

	token := pgtest.MustSession(t, b.db, "ada@example.test")
	r = b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + domain.NewID().String(), Token: token})
	require.Equal(t, http.StatusNotFound, r.Status, "by id, signed in: not counted")
}
