package tasks

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type testCall struct {
	n      int
	result int
	err    error
}

// queued returns how many calls wait for the running batch.
func queuedCalls[C any](b *batch[C]) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// TestBatch_EveryCallGetsItsOwnResult: 200 concurrent calls each get the
// result of their own request, never more than max at once. The first
// batch holds until the 199 others are queued behind it (a barrier, not a
// timing guess), so they share exactly ceil(199/16) = 13 more batches.
func TestBatch_EveryCallGetsItsOwnResult(t *testing.T) {
	t.Parallel()
	var biggest atomic.Int32
	release := make(chan struct{})
	var first atomic.Bool
	b := newBatch(16, func(calls []*testCall) {
		if n := int32(len(calls)); n > biggest.Load() {
			biggest.Store(n)
		}
		if first.CompareAndSwap(false, true) {
			<-release // the others queue meanwhile
		}
		for _, c := range calls {
			c.result = c.n * 2
		}
	}, func(c *testCall, err error) { c.err = err })
	const n = 200
	var wg sync.WaitGroup
	calls := make([]*testCall, n)
	for i := range calls {
		calls[i] = &testCall{n: i}
	}
	wg.Go(func() { b.do(calls[0]) })
	require.Eventually(t, first.Load, 10*time.Second, time.Millisecond, "the first batch runs")
	for i := 1; i < n; i++ {
		wg.Go(func() { b.do(calls[i]) })
	}
	require.Eventually(t, func() bool { return queuedCalls(b) == n-1 }, 10*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	for i, c := range calls {
		require.NoError(t, c.err)
		require.Equal(t, 2*i, c.result)
	}
	require.Equal(t, 1+(n-1+15)/16, b.batches, "the queued calls shared batches of at most 16")
	require.Equal(t, int32(16), biggest.Load())
	require.False(t, b.leading, "no batch left running")
	require.Empty(t, b.queue)
}

// TestBatch_APanicFailsItsBatchAndNobodyWaits: when a batch panics, its
// calls fail with the panic, the leader re-panics, and the calls queued
// behind it still run — nobody waits for ever.
func TestBatch_APanicFailsItsBatchAndNobodyWaits(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var runs atomic.Int32
	b := newBatch(100, func(calls []*testCall) {
		if runs.Add(1) == 1 {
			<-release // the others queue behind this batch
			panic("boom")
		}
		for _, c := range calls {
			c.result = 1
		}
	}, func(c *testCall, err error) { c.err = err })

	leader := &testCall{}
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		b.do(leader)
	}()
	require.Eventually(t, func() bool { return runs.Load() == 1 }, 5*time.Second, time.Millisecond)
	var wg sync.WaitGroup
	queued := make([]*testCall, 10)
	for i := range queued {
		queued[i] = &testCall{}
		wg.Add(1)
		go func() { defer wg.Done(); b.do(queued[i]) }()
	}
	require.Eventually(t, func() bool { return queuedCalls(b) == 10 }, 5*time.Second, time.Millisecond)
	close(release)
	require.NotNil(t, <-panicked, "the leader re-panics")
	require.Error(t, leader.err)
	require.Contains(t, leader.err.Error(), "boom")
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("calls queued behind a panicked batch were left waiting")
	}
	for _, c := range queued {
		require.NoError(t, c.err)
		require.Equal(t, 1, c.result)
	}
}
