package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/metrics"
)

func scrape(t testing.TB, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

// TestTaskStates_ScrapesReadTheLastCount: scraping never counts; counts
// come from Refresh (Run in the background), and a failed count keeps the
// last values.
func TestTaskStates_ScrapesReadTheLastCount(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	fail := atomic.Bool{}
	m := metrics.New("sweeper", "test", "test")
	ts := m.RegisterTaskStates(func(context.Context) (map[domain.State]int, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, errors.New("database down")
		}
		return map[domain.State]int{domain.StateSubmitted: 1000000, domain.StateQueued: 3}, nil
	})
	page := scrape(t, m)
	require.NotContains(t, page, "applyq_tasks{", "nothing before the first count")
	require.Zero(t, calls.Load(), "a scrape does not count")

	require.NoError(t, ts.Refresh(context.Background()))
	for range 5 {
		page = scrape(t, m)
	}
	require.EqualValues(t, 1, calls.Load(), "five scrapes, one count")
	require.Contains(t, page, `applyq_tasks{state="submitted"} 1e+06`+"\n")
	require.Contains(t, page, `applyq_tasks{state="queued"} 3`+"\n")
	require.Contains(t, page, `applyq_tasks{state="paused"} 0`+"\n")
	require.Contains(t, page, "applyq_tasks_count_timestamp_seconds ")

	fail.Store(true)
	require.Error(t, ts.Refresh(context.Background()))
	require.Contains(t, scrape(t, m), `applyq_tasks{state="queued"} 3`+"\n", "a failed count keeps the last values")
}

// TestTaskStates_RunCountsOncePerInterval: Run counts at once, then once
// per interval, and stops with its context — on a fake clock (synctest),
// so how busy the machine is changes nothing: 450ms hold exactly the
// counts at 0, 100, 200, 300 and 400ms.
func TestTaskStates_RunCountsOncePerInterval(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		m := metrics.New("sweeper", "test", "test")
		ts := m.RegisterTaskStates(func(context.Context) (map[domain.State]int, error) {
			calls.Add(1)
			return map[domain.State]int{}, nil
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); ts.Run(ctx, 100*time.Millisecond, func(err error) { t.Error(err) }) }()
		time.Sleep(450 * time.Millisecond) // the fake clock: every goroutine has run to its next wait
		cancel()
		<-done
		require.EqualValues(t, 5, calls.Load(), "at once, then every 100ms for 450ms")
		require.True(t, strings.Contains(scrape(t, m), `applyq_tasks{state="queued"} 0`))
	})
}

// TestObserveFormRead: each form read is observed by platform and outcome.
func TestObserveFormRead(t *testing.T) {
	t.Parallel()
	m := metrics.New("worker", "test", "test")
	m.ObserveFormRead(domain.PlatformLever, "read", 3*time.Second)
	m.ObserveFormRead(domain.PlatformLever, "read", 4*time.Second)
	m.ObserveFormRead(domain.PlatformAshby, "needs_user", time.Second)
	page := scrape(t, m)
	require.Contains(t, page, `applyq_form_reads_seconds_count{outcome="read",platform="lever"} 2`+"\n")
	require.Contains(t, page, `applyq_form_reads_seconds_sum{outcome="read",platform="lever"} 7`+"\n")
	require.Contains(t, page, `applyq_form_reads_seconds_count{outcome="needs_user",platform="ashby"} 1`+"\n")
}
