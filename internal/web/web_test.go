package web_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

// TestCheckSameOrigin_RefererIsTheOnlyFallback: a state change with neither
// Origin nor Sec-Fetch-Site passes only with a same-origin Referer.
func TestCheckSameOrigin_RefererIsTheOnlyFallback(t *testing.T) {
	t.Parallel()
	const origin = "https://applyq.example.com"
	for _, tc := range []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"no Origin, no Sec-Fetch-Site, no Referer", nil, false},
		{"cross-site Referer only", map[string]string{"Referer": "https://evil.example/page"}, false},
		{"look-alike Referer host", map[string]string{"Referer": "https://applyq.example.com.evil.example/"}, false},
		{"Referer with user info", map[string]string{"Referer": "https://applyq.example.com@evil.example/"}, false},
		{"Referer on another scheme", map[string]string{"Referer": "http://applyq.example.com/runs"}, false},
		{"relative Referer", map[string]string{"Referer": "/runs"}, false},
		{"same-origin Referer only", map[string]string{"Referer": "https://applyq.example.com/runs?x=1"}, true},
		{"same-origin Origin", map[string]string{"Origin": origin}, true},
		{"cross-site Origin with a same-origin Referer", map[string]string{"Origin": "https://evil.example", "Referer": origin + "/"}, false},
		{"same-origin Sec-Fetch-Site", map[string]string{"Sec-Fetch-Site": "same-origin"}, true},
		{"cross-site Sec-Fetch-Site with a same-origin Referer", map[string]string{"Sec-Fetch-Site": "cross-site", "Referer": origin + "/"}, false},
		{"same-site (another subdomain)", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": origin}, false},
		{"Origin null from a no-referrer page of the site", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "null"}, true},
		{"Origin null cross-site (sandboxed frame)", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "null"}, false},
		{"Origin null without Sec-Fetch-Site", map[string]string{"Origin": "null", "Referer": origin + "/"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", origin+"/runs", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			err := web.CheckSameOrigin(r, origin)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, domain.EFORBIDDEN, domain.ErrorCode(err))
			require.NotEmpty(t, domain.ErrorMessage(err))
		})
	}
}

// TestRedact_EveryTokenShape: logged paths and queries keep no secret.
func TestRedact_EveryTokenShape(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{domain.PrefixMagicLink, domain.PrefixSession, domain.PrefixAPIToken, domain.PrefixApproval} {
		raw, _ := domain.NewToken(prefix)
		secret := raw[len(prefix):]
		for _, s := range []string{
			"/api/v1/approvals/" + raw, "/api/v1/approvals/" + raw + "/approve", "/approvals/confirm?token=" + raw,
			"/auth/confirm?token=" + raw + "&x=1", "/api/v1/approvals/" + raw[:20], // malformed ones too
		} {
			got := web.Redact(s)
			require.NotContains(t, got, secret[:10], s)
			require.Contains(t, got, prefix+"REDACTED", s)
		}
	}
	require.Equal(t, "/api/v1/tasks/01234567-89ab-cdef-0123-456789abcdef", web.Redact("/api/v1/tasks/01234567-89ab-cdef-0123-456789abcdef"))
}
