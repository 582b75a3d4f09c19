package applier_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
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

	// A receiver that reads the request, says so, and never answers: the
	// test ends the call's context once it has the request (the deadline
	// passing after the request went out), so the machine's speed changes
	// nothing.
	var hits atomic.Int32
	received := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.ReadAll(r.Body)
		received <- struct{}{}
		<-r.Context().Done()
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
		wh := &applier.Webhook{URL: c.url, Secret: secret, Timeout: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		if c.url == slow.URL {
			go func() { <-received; cancel() }()
		}
		_, err := wh.Apply(ctx, packet())
		cancel()
		require.Equal(t, c.ok, err == nil, "%s: %v", c.name, err)
		require.Equal(t, c.notSent, errors.Is(err, domain.ErrNotSent), "%s: %v", c.name, err)
		require.Equal(t, c.rejected, errors.Is(err, domain.ErrRejected), "%s: %v", c.name, err)
	}
	require.Equal(t, int32(1), hits.Load(), "the slow receiver did get the request")

	// Timeout bounds a receiver that never answers (sent or not, depending
	// on how far the request got: never submitted, never rejected).
	_, err = (&applier.Webhook{URL: slow.URL, Secret: secret, Timeout: 100 * time.Millisecond}).Apply(context.Background(), packet())
	require.Error(t, err)
	require.NotErrorIs(t, err, domain.ErrRejected)
}

// dropSecondRequest is a receiver on a raw listener that answers the first
// request of each connection (keeping it alive) and, on the second request of
// a connection, reads it whole and then drops the connection without an
// answer: the request was received, the client cannot know.
type dropSecondRequest struct {
	ln   net.Listener
	open atomic.Int32 // connections being served

	mu   sync.Mutex
	keys map[string]int // Idempotency-Key → requests read
}

func newDropSecondRequest(t *testing.T) *dropSecondRequest {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	d := &dropSecondRequest{ln: ln, keys: map[string]int{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			d.open.Add(1)
			go d.serve(conn)
		}
	}()
	return d
}

func (d *dropSecondRequest) serve(conn net.Conn) {
	defer d.open.Add(-1)
	defer conn.Close()
	r := bufio.NewReader(conn)
	for n := 1; ; n++ {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		d.mu.Lock()
		d.keys[req.Header.Get(applier.HeaderIdempotencyKey)]++
		d.mu.Unlock()
		if n == 2 {
			return // received, never answered
		}
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	}
}

func TestWebhook_NeverReplayedWhenTheConnectionDiesAfterTheRequest(t *testing.T) {
	t.Parallel()
	recv := newDropSecondRequest(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	wh := &applier.Webhook{URL: "http://" + recv.ln.Addr().String() + "/apply", Secret: secret, Timeout: 5 * time.Second, Client: client}

	first, second := packet(), packet()
	_, err := wh.Apply(context.Background(), first)
	require.NoError(t, err)
	// The second submission reuses the kept-alive connection, which dies
	// after the receiver read the request.
	_, err = wh.Apply(context.Background(), second)
	require.Error(t, err, "a request received but never answered is not a success")
	require.NotErrorIs(t, err, domain.ErrNotSent, "the request was written: nothing proves it was not received")
	require.NotErrorIs(t, err, domain.ErrRejected)

	// A barrier, not a wait: every request the client wrote went over a
	// connection the receiver serves until the client closes it; with
	// them all closed and served to the end, every request that reached
	// the receiver is counted.
	client.CloseIdleConnections()
	require.Eventually(t, func() bool { return recv.open.Load() == 0 }, 30*time.Second, time.Millisecond)
	recv.mu.Lock()
	defer recv.mu.Unlock()
	require.Equal(t, map[string]int{first.TaskID.String(): 1, second.TaskID.String(): 1}, recv.keys, "each submission reached the receiver exactly once")
}

func TestWebhook_NeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			var elsewhere atomic.Int32
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
			defer target.Close()
			var first atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				first.Add(1)
				http.Redirect(w, r, target.URL+"/stolen", status)
			}))
			defer srv.Close()
			wh := &applier.Webhook{URL: srv.URL, Secret: secret, Timeout: 5 * time.Second}
			_, err := wh.Apply(context.Background(), packet())
			require.Error(t, err)
			require.NotErrorIs(t, err, domain.ErrNotSent)
			require.Contains(t, err.Error(), "redirects are not followed")
			require.EqualValues(t, 1, first.Load())
			require.Zero(t, elsewhere.Load(), "the signed packet never reaches the redirect target")
		})
	}
}
