package tasks

import (
	"fmt"
	"sync"
)

// batch groups concurrent calls of one kind so one transaction serves many:
// while a batch runs, arriving calls queue; when it ends, the first queued
// caller leads the next batch with everything queued by then. Under load a
// batch holds all the calls that arrived during the previous one; alone, a
// call runs at once (no lingering).
//
// It has no goroutine of its own — every batch runs on the goroutine of a
// caller that waits for it anyway — so there is nothing to stop at
// shutdown, and a call returns exactly when the batch holding it finished
// and set its result: never before its write's outcome is known.
type batch[C any] struct {
	max int
	// run serves one batch: it sets every call's result.
	run func(calls []*C)
	// fail sets a call's result to err (when run panicked).
	fail func(c *C, err error)

	mu      sync.Mutex
	leading bool // a batch is running
	queue   []*batchCall[C]
	batches int // batches run (tests)
}

type batchCall[C any] struct {
	call *C
	turn chan bool // false: the call's batch finished; true: lead the next one
}

func newBatch[C any](max int, run func(calls []*C), fail func(c *C, err error)) *batch[C] {
	return &batch[C]{max: max, run: run, fail: fail}
}

// do serves c in a batch and returns once that batch finished.
func (b *batch[C]) do(c *C) {
	me := &batchCall[C]{call: c, turn: make(chan bool, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, me)
	if b.leading {
		b.mu.Unlock()
		if lead := <-me.turn; !lead {
			return
		}
		b.mu.Lock() // lead the next batch: this call is first in the queue
	}
	b.leading = true
	b.batches++
	n := min(len(b.queue), b.max)
	mine := b.queue[:n:n]
	b.queue = append([]*batchCall[C](nil), b.queue[n:]...)
	b.mu.Unlock()

	defer b.handOver(mine)
	calls := make([]*C, len(mine))
	for i, m := range mine {
		calls[i] = m.call
	}
	b.run(calls)
}

// handOver releases the calls of a finished batch and passes the lead to
// the first queued caller. After a panic in run, every call of the batch
// fails with it first, and the panic goes on in the leader only.
func (b *batch[C]) handOver(mine []*batchCall[C]) {
	r := recover()
	if r != nil {
		for _, m := range mine {
			b.fail(m.call, fmt.Errorf("tasks: batch panicked: %v", r))
		}
	}
	for _, m := range mine[1:] {
		m.turn <- false
	}
	b.mu.Lock()
	if len(b.queue) > 0 {
		b.queue[0].turn <- true
	} else {
		b.leading = false
	}
	b.mu.Unlock()
	if r != nil {
		panic(r)
	}
}
