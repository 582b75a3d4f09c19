package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Batcher groups the short write transactions of many concurrent callers
// into one commit (group commit). Each caller's function runs inside its own
// savepoint of the shared transaction, so one caller's failure rolls back
// only its own writes (and its after-commit hooks). Callers get their result
// once the shared transaction committed; if the commit itself fails, every
// caller's function is retried alone in its own transaction, so a batch never
// changes the outcome, only the number of commits. A function that loses a
// deadlock or serialization failure inside the batch runs again alone.
//
// Once stopped, a Batcher runs each function in a transaction of its own: a
// caller never waits for a batch that will not come.
type Batcher struct {
	db     *DB
	reqs   chan *batchReq
	max    int
	linger time.Duration

	stopping chan struct{} // closed when the loop stops taking requests
	mu       sync.RWMutex  // held shared while handing a request over
	stopped  bool          // set under mu once stopping is closed

	commits atomic.Int64 // transactions committed (shared or alone)
	calls   atomic.Int64 // functions run
}

// Stats returns how many functions ran and in how many commits.
func (b *Batcher) Stats() (calls, commits int64) { return b.calls.Load(), b.commits.Load() }

type batchReq struct {
	ctx  context.Context
	fn   func(tx pgx.Tx) error
	done chan error
}

// NewBatcher starts a batcher that commits up to max functions at once,
// waiting at most linger for more after the first. It stops with ctx.
func (db *DB) NewBatcher(ctx context.Context, max int, linger time.Duration) *Batcher {
	b := &Batcher{db: db, reqs: make(chan *batchReq, max*4), max: max, linger: linger, stopping: make(chan struct{})}
	go b.loop(ctx)
	return b
}

// Do runs fn in a shared transaction and returns its error after the commit.
// After the batcher stopped, fn runs in a transaction of its own.
func (b *Batcher) Do(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if b == nil {
		return errors.New("postgres: nil batcher")
	}
	r := &batchReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	b.mu.RLock()
	if b.stopped {
		b.mu.RUnlock()
		return b.alone(r)
	}
	select {
	case b.reqs <- r:
		b.mu.RUnlock()
	case <-b.stopping:
		b.mu.RUnlock()
		return b.alone(r)
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	// Wait for the outcome even if ctx ends meanwhile: returning early would
	// tell the caller "failed" about a write the batch may still commit. A
	// request whose context ended before its turn is skipped, not written.
	// The loop answers every request handed over, even when it stops.
	return <-r.done
}

func (b *Batcher) loop(ctx context.Context) {
	for {
		var first *batchReq
		select {
		case <-ctx.Done():
			b.stop()
			return
		case first = <-b.reqs:
		}
		batch := []*batchReq{first}
		timer := time.NewTimer(b.linger)
	collect:
		for len(batch) < b.max {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		b.run(batch)
	}
}

// stop refuses new requests and runs, alone, those already handed over.
func (b *Batcher) stop() {
	close(b.stopping)
	b.mu.Lock() // waits for every hand-over in progress
	b.stopped = true
	b.mu.Unlock()
	for {
		select {
		case r := <-b.reqs:
			r.done <- b.alone(r)
		default:
			return
		}
	}
}

// alone runs one request in a transaction of its own. Once handed over, a
// request is written even if its caller's context ended meanwhile (the
// caller is waiting for the outcome).
func (b *Batcher) alone(r *batchReq) error {
	b.calls.Add(1)
	b.commits.Add(1)
	return b.db.inTx(context.WithoutCancel(r.ctx), r.fn)
}

func (b *Batcher) run(batch []*batchReq) {
	if len(batch) == 1 {
		r := batch[0]
		b.calls.Add(1)
		b.commits.Add(1)
		r.done <- b.db.inTx(r.ctx, r.fn)
		return
	}
	b.calls.Add(int64(len(batch)))
	b.commits.Add(1)
	ctx := context.Background()
	results := make([]error, len(batch))
	err := b.db.inTxOnce(ctx, func(tx pgx.Tx) error {
		for i, r := range batch {
			if r.ctx.Err() != nil {
				results[i] = r.ctx.Err()
				continue
			}
			var err error
			if results[i], err = b.db.savepoint(ctx, tx, r.fn); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Nothing committed: give every caller a transaction of its own.
		b.commits.Add(int64(len(batch)))
		for _, r := range batch {
			r.done <- b.db.inTx(r.ctx, r.fn)
		}
		return
	}
	for i, r := range batch {
		if IsTransient(results[i]) {
			// Its savepoint lost a deadlock or serialization failure and
			// rolled back: run it again, alone.
			b.commits.Add(1)
			results[i] = b.db.inTx(r.ctx, r.fn)
		}
		r.done <- results[i]
	}
}
