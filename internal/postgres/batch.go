package postgres

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Batcher groups the short write transactions of many concurrent callers
// into one commit (group commit). Each caller's function runs inside its own
// savepoint of the shared transaction, so one caller's failure rolls back
// only its own writes. Callers get their result once the shared transaction
// committed; if the commit itself fails, every caller's function is retried
// alone in its own transaction, so a batch never changes the outcome, only
// the number of commits.
type Batcher struct {
	db     *DB
	reqs   chan *batchReq
	max    int
	linger time.Duration

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
	b := &Batcher{db: db, reqs: make(chan *batchReq, max*4), max: max, linger: linger}
	go b.loop(ctx)
	return b
}

// Do runs fn in a shared transaction and returns its error after the commit.
// A nil Batcher runs fn in a transaction of its own.
func (b *Batcher) Do(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if b == nil {
		return errors.New("postgres: nil batcher")
	}
	r := &batchReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Wait for the outcome even if ctx ends meanwhile: returning early would
	// tell the caller "failed" about a write the batch may still commit. A
	// request whose context ended before its turn is skipped, not written.
	return <-r.done
}

func (b *Batcher) loop(ctx context.Context) {
	for {
		var first *batchReq
		select {
		case <-ctx.Done():
			b.drain()
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

// drain runs whatever is left, alone, after the batcher stopped.
func (b *Batcher) drain() {
	for {
		select {
		case r := <-b.reqs:
			r.done <- b.db.inTx(context.WithoutCancel(r.ctx), r.fn)
		default:
			return
		}
	}
}

func (b *Batcher) run(batch []*batchReq) {
	b.calls.Add(int64(len(batch)))
	b.commits.Add(1)
	if len(batch) == 1 {
		r := batch[0]
		r.done <- b.db.inTx(r.ctx, r.fn)
		return
	}
	ctx := context.Background()
	results := make([]error, len(batch))
	err := b.db.inTx(ctx, func(tx pgx.Tx) error {
		for i, r := range batch {
			if r.ctx.Err() != nil {
				results[i] = r.ctx.Err()
				continue
			}
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			if results[i] = r.fn(sp); results[i] != nil {
				if err := sp.Rollback(ctx); err != nil {
					return err
				}
				continue
			}
			if err := sp.Commit(ctx); err != nil {
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
		r.done <- results[i]
	}
}
