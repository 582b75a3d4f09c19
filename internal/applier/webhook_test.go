package applier_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func packet() *domain.Packet {
	return &domain.Packet{TaskID: domain.NewID(), Company: "Acme", Title: "Engineer", CoverLetter: "Hi"}
}

// verify checks a signature the way a receiver would.
func verify(t *testing.T, header string, body []byte) {
	t.Helper()
	parts := strings.Split(header, ",")
	require.Len(t, parts, 2)
	ts, sig := strings.TrimPrefix(parts[0], "t="), strings.TrimPrefix(parts[1], "v1=")
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	require.True(t, hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig)), "signature verifies")
}

func TestWebhook_SignsAndSendsIdempotencyKey(t *testing.T) {
	t.Parallel()
	p := packet()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		verify(t, r.Header.Get(applier.HeaderSignature), body)
		require.Equal(t, p.TaskID.String(), r.Header.Get(applier.HeaderIdempotencyKey))
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Contains(t, string(body), `"company":"Acme"`)
		w.Header().Set("X-Reference", "app-42")
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	wh := &applier.Webhook{URL: srv.URL, Secret: secret, Timeout: 5 * time.Second}
	res, err := wh.Apply(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, "app-42", res.Reference)

	// A tampered body does not verify.
	sig := applier.Sign(secret, []byte(`{"a":1}`), time.Unix(1700000000, 0))
	require.Equal(t, "t=1700000000,v1=", sig[:16])
	require.NotEqual(t, sig, applier.Sign(secret, []byte(`{"a":2}`), time.Unix(1700000000, 0)))
}

func TestWebhook_OutcomeClasses(t *testing.T) {
	t.Parallel()
	status := func(code int) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
		t.Cleanup(s.Close)
		return s.URL
	}
	// A port nobody listens on: connection refused before any byte is sent.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	var hits atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.ReadAll(r.Body)
		time.Sleep(2 * time.Second)
	}))
	t.Cleanup(slow.Close)

	cases := []struct {
		name     string
		url      string
		notSent  bool
		rejected bool
		ok       bool
	}{
		{"2xx submitted", status(http.StatusOK), false, false, true},
		{"422 permanent rejection", status(http.StatusUnprocessableEntity), false, true, false},
		{"429 not sent", status(http.StatusTooManyRequests), true, false, false},
		{"500 unknown", status(http.StatusInternalServerError), false, false, false},
		{"408 unknown", status(http.StatusRequestTimeout), false, false, false},
		{"connection refused not sent", refused, true, false, false},
		{"timeout after sending unknown", slow.URL, false, false, false},
	}
	for _, c := range cases {
		wh := &applier.Webhook{URL: c.url, Secret: secret, Timeout: 300 * time.Millisecond}
		_, err := wh.Apply(context.Background(), packet())
		require.Equal(t, c.ok, err == nil, "%s: %v", c.name, err)
		require.Equal(t, c.notSent, errors.Is(err, domain.ErrNotSent), "%s: %v", c.name, err)
		require.Equal(t, c.rejected, errors.Is(err, domain.ErrRejected), "%s: %v", c.name, err)
	}
	require.Equal(t, int32(1), hits.Load(), "the slow receiver did get the request")
}
