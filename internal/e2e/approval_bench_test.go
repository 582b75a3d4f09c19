package e2e_test

import (
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkApproveToSubmission measures the latency from the approve
// response to the applier call, through LISTEN/NOTIFY, over b.N approvals
// (run with -benchtime=200x or more). It reports p50 and p99.
//
//	make bench-approvals
func BenchmarkApproveToSubmission(b *testing.B) {
	rec := &appliedAt{}
	s := startStack(b, stackOpts{Applier: rec, HandoffDelay: time.Minute, PollInterval: time.Hour})
	_, _, tokens := s.approvalRun(b, b.N)
	taskOf := make([]approvalView, len(tokens))
	for i, tok := range tokens {
		taskOf[i] = s.approval(b, tok)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i, tok := range tokens {
		code, body := s.post(b, "/api/v1/approvals/"+tok+"/approve", nil, nil)
		answered := time.Now()
		require.Equal(b, http.StatusOK, code, string(body))
		var applied time.Time
		waitFor(b, 10*time.Second, "submission", func() bool {
			var ok bool
			applied, ok = rec.get(taskOf[i].TaskID)
			return ok
		})
		lat = append(lat, applied.Sub(answered))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}
