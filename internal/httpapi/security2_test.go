package httpapi_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

func TestTokens_EntropyAndHashing(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 2000 {
		raw, hash := domain.NewToken(domain.PrefixSession)
		require.Len(t, raw, len(domain.PrefixSession)+43, "32 random bytes, base64url")
		require.False(t, seen[raw], "no repeats")
		seen[raw] = true
		require.Equal(t, domain.HashToken(raw), hash)
		require.Len(t, hash, 32)
		require.NoError(t, domain.ParseToken(domain.PrefixSession, raw))
	}
}

func TestMagicLink_SingleUseUnder50ConcurrentUses(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	email := uniqueEmail()
	r := b.do(t, req{Method: "POST", Path: "/api/v1/auth/magic-link", Body: map[string]string{"email": email},
		Headers: map[string]string{"Host": "evil.example", "X-Forwarded-Host": "evil.example"}})
	require.Equal(t, http.StatusAccepted, r.Status)
	token := b.waitForLink(t, email, 1) // asserts the link uses the configured base URL, not the forged Host
	var wg sync.WaitGroup
	codes := make([]int, 50)
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = b.do(t, req{Method: "POST", Path: "/api/v1/auth/verify", Body: map[string]string{"token": token}}).Status
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, c := range codes {
		if c == http.StatusOK {
			ok++
		} else {
			require.Equal(t, http.StatusUnauthorized, c)
		}
	}
	require.Equal(t, 1, ok, "exactly one sign-in")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM sessions`))
}

func TestApprovalLinks_GetAndHeadChangeNothing(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	before := pgtest.MustCount(t, b.db, `SELECT count(*) FROM approval_requests WHERE status <> 'pending'`)
	defer func() {
		require.Equal(t, before, pgtest.MustCount(t, b.db, `SELECT count(*) FROM approval_requests WHERE status <> 'pending'`))
	}()
	for _, m := range []string{"GET", "HEAD"} {
		r := b.do(t, req{Method: m, Path: "/api/v1/approvals/aqa_" + strings.Repeat("A", 43)})
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed}, r.Status)
		r = b.do(t, req{Method: m, Path: "/api/v1/approvals/aqa_" + strings.Repeat("A", 43) + "/approve"})
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed}, r.Status, "%s of a decision URL decides nothing", m)
	}
}

// TestServer_SlowHeadersAreCut: a client that never finishes its headers is
// disconnected by ReadHeaderTimeout (slowloris).
func TestServer_SlowHeadersAreCut(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	srv, err := httpapi.New(apiOptions(t, cfg, pgtest.MustDB(t), zap.NewNop()))
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })

	start := time.Now() // before the connection: the server's timer starts after it
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	require.NoError(t, err)
	// Below the request timeout (30s), the next thing that would cut it.
	require.NoError(t, conn.SetReadDeadline(start.Add(25*time.Second)))
	_, err = bufio.NewReader(conn).ReadString('\n')
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server closed the connection before the request timeout: %v", err)
	require.Error(t, err, "the server closed the connection")
	require.GreaterOrEqual(t, time.Since(start), 5*time.Second, "cut off by ReadHeaderTimeout (5s), not at once")
}
