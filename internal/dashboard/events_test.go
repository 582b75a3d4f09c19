package dashboard_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/web"
)

// stream is an open /events response, read line by line.
type stream struct {
	res   *http.Response
	lines chan string // closed at the end of the stream
}

// openEvents opens the user's event stream, sending Last-Event-ID when
// lastID is set (as a reconnecting browser does).
func (b *bundle) openEvents(t *testing.T, session, lastID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Cookie", web.SessionCookie+"="+session)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	s := &stream{res: res, lines: make(chan string, 100)}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// next returns the next non-empty line, failing after d; "" at the end of
// the stream.
func (s *stream) next(t *testing.T, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return ""
			}
			if l != "" {
				return l
			}
		case <-timeout:
			t.Fatalf("no line on the event stream within %s", d)
		}
	}
}

// until reads lines until one has prefix, and returns it ("" if the stream
// ended first).
func (s *stream) until(t *testing.T, prefix string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		l := s.next(t, time.Until(deadline))
		if l == "" || strings.HasPrefix(l, prefix) {
			return l
		}
	}
}

// lineWait bounds one read of the stream: how long a line may take on a
// loaded machine before the test gives up (only a hang reaches it).
const lineWait = 30 * time.Second

// TestEvents_OutliveTheServerTimeouts: the live-update stream stays open
// past the request timeout (1s here) and the server's write timeout (twice
// that), sending keep-alives and events all along. However slow the
// machine, the last keep-alive read arrives after both timeouts passed.
func TestEvents_OutliveTheServerTimeouts(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{RequestTimeout: time.Second, KeepAlive: 200 * time.Millisecond})
	user, session := b.user(t)
	start := time.Now() // before the stream opens: its timeouts start later
	s := b.openEvents(t, session, "")
	require.Equal(t, "retry: 3000", s.next(t, lineWait))
	require.Regexp(t, `^id: \d+$`, s.next(t, lineWait))

	for time.Since(start) < 3*time.Second {
		require.Equal(t, ": keep-alive", s.next(t, lineWait), "the stream is open and idle")
	}

	b.hub.Notify(user.ID.String())
	require.Regexp(t, `^id: \d+$`, s.until(t, "id:", lineWait))
	require.Equal(t, "event: changed", s.next(t, lineWait))
	require.Equal(t, "data: {}", s.next(t, lineWait))
	require.Equal(t, ": keep-alive", s.next(t, lineWait), "and it stays open")
}

// TestEvents_ReconnectCatchesUp: notifications sent while a page was
// disconnected are lost, so a reconnect (Last-Event-ID) is told "changed"
// at once; a first connection is not.
func TestEvents_ReconnectCatchesUp(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{KeepAlive: 200 * time.Millisecond})
	_, session := b.user(t)

	first := b.openEvents(t, session, "")
	require.Equal(t, "retry: 3000", first.next(t, lineWait))
	id := first.next(t, lineWait)
	require.Regexp(t, `^id: \d+$`, id)
	require.Equal(t, ": keep-alive", first.next(t, lineWait), "nothing to catch up on a first connection")

	again := b.openEvents(t, session, strings.TrimPrefix(id, "id: "))
	require.Equal(t, "retry: 3000", again.next(t, lineWait))
	require.Regexp(t, `^id: \d+$`, again.next(t, lineWait))
	require.Regexp(t, `^id: \d+$`, again.next(t, lineWait))
	require.Equal(t, "event: changed", again.next(t, lineWait), "a reconnect reloads the page's content")
}

// TestEvents_ShutdownEndsStreams: graceful shutdown ends open streams
// (they never go idle by themselves) instead of waiting them out.
func TestEvents_ShutdownEndsStreams(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	_, session := b.user(t)
	s := b.openEvents(t, session, "")
	require.Equal(t, "retry: 3000", s.next(t, lineWait))

	b.stop()
	select {
	case err := <-b.stopped:
		require.NoError(t, err)
		close(b.stopped)
	case <-time.After(b.cfg.HTTP.ShutdownTimeout / 2):
		t.Fatal("shutdown waited for the open stream")
	}
	require.Equal(t, "", s.until(t, "never", lineWait), "the stream ended")
}
