// Package notify is applyq's LISTEN/NOTIFY adapter: one dedicated Postgres
// connection per process that LISTENs and fans notifications out to
// in-process subscribers. A notification is a hint, the database the truth:
// after every (re)connect each subscriber is asked to resync, because
// notifications sent while disconnected are lost.
package notify

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
	"go.uber.org/zap"
)

// Subscriber receives the notifications of one channel.
type Subscriber interface {
	// Notify is called with each payload. It must not block: hand work off.
	Notify(payload string)
	// Resync is called after every (re)connect: re-read what you wait for.
	Resync()
}

// ApplicationName marks the LISTEN connection in pg_stat_activity.
const ApplicationName = "applyq-listener"

// Listener holds the process's LISTEN connection.
type Listener struct {
	dbURL string
	log   *zap.Logger

	mu   sync.Mutex
	subs map[string][]Subscriber

	connected  atomic.Bool
	reconnects atomic.Int64
	// The connection the channels' backlog handlers last ran on, and how
	// many there were: with several channels, one reconnect is counted once.
	connMu   sync.Mutex
	lastConn *pgx.Conn
	conns    atomic.Int64
	// OnReconnect, when set, is called after every successful reconnect
	// (not the first connect), for metrics.
	OnReconnect func()
}

// New returns a listener that connects to dbURL (its own connection, outside
// any pool: LISTEN does not survive connection reuse or a transaction pooler).
func New(dbURL string, log *zap.Logger) *Listener {
	return &Listener{dbURL: dbURL, log: log, subs: map[string][]Subscriber{}}
}

// Subscribe adds s to channel. Call before Run.
func (l *Listener) Subscribe(channel string, s Subscriber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.subs[channel] = append(l.subs[channel], s)
}

// Connected reports whether the LISTEN connection is up (readiness).
func (l *Listener) Connected() bool { return l.connected.Load() }

// Reconnects counts reconnects after the first connect.
func (l *Listener) Reconnects() int64 { return l.reconnects.Load() }

// Run listens until ctx is cancelled, reconnecting after a second when the
// connection drops.
func (l *Listener) Run(ctx context.Context) error {
	pl := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			cfg, err := pgx.ParseConfig(l.dbURL)
			if err != nil {
				return nil, err
			}
			cfg.RuntimeParams["application_name"] = ApplicationName
			return pgx.ConnectConfig(ctx, cfg)
		},
		LogError: func(ctx context.Context, err error) {
			l.connected.Store(false)
			if ctx.Err() == nil {
				l.log.Warn("LISTEN connection lost; reconnecting", zap.Error(err))
			}
		},
		ReconnectDelay: time.Second,
	}
	l.mu.Lock()
	for channel, subs := range l.subs {
		pl.Handle(channel, &channelHandler{l: l, subs: subs, onListen: func(conn *pgx.Conn) {
			l.connected.Store(true)
			if !l.newConn(conn) {
				return // another channel's handler already counted this connection
			}
			if l.conns.Load() == 1 {
				l.log.Info("listening", zap.Int("channels", len(l.subs)))
				return
			}
			l.reconnects.Add(1)
			if l.OnReconnect != nil {
				l.OnReconnect()
			}
			l.log.Info("LISTEN reconnected; resyncing")
		}})
	}
	l.mu.Unlock()
	err := pl.Listen(ctx)
	l.connected.Store(false)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// newConn reports whether conn is a connection no channel's backlog
// handler has seen yet (each channel's runs on every connect), and counts
// it.
func (l *Listener) newConn(conn *pgx.Conn) bool {
	l.connMu.Lock()
	defer l.connMu.Unlock()
	if conn == l.lastConn {
		return false
	}
	l.lastConn = conn
	l.conns.Add(1)
	return true
}

type channelHandler struct {
	l        *Listener
	subs     []Subscriber
	onListen func(*pgx.Conn)
}

// HandleNotification implements pgxlisten.Handler.
func (h *channelHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	for _, s := range h.subs {
		s.Notify(n.Payload)
	}
	return nil
}

// HandleBacklog implements pgxlisten.BacklogHandler: it runs right after
// LISTEN on every (re)connect, so nothing committed while disconnected is
// missed.
func (h *channelHandler) HandleBacklog(_ context.Context, _ string, conn *pgx.Conn) error {
	h.onListen(conn)
	for _, s := range h.subs {
		s.Resync()
	}
	return nil
}
