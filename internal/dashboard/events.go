package dashboard

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Hub fans task-change notifications (NOTIFY applyq_tasks, payload: user
// id) out to the server-sent-event streams of that user's open pages. It
// implements notify.Subscriber.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[string]map[chan struct{}]struct{}{}} }

// Notify wakes every stream of the user in payload.
func (h *Hub) Notify(payload string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[payload] {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// Resync wakes every stream: notifications may have been lost while the
// listener was disconnected.
func (h *Hub) Resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

func (h *Hub) subscribe(user string) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[user] == nil {
		h.subs[user] = map[chan struct{}]struct{}{}
	}
	h.subs[user][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[user], ch)
		if len(h.subs[user]) == 0 {
			delete(h.subs, user)
		}
		h.mu.Unlock()
	}
}

// eventsKeepAlive is the default keep-alive interval: well under the idle
// timeout of common proxies and load balancers (often 60s).
const eventsKeepAlive = 15 * time.Second

// eventsWriteTimeout bounds each write to a stream: a client that stops
// reading for this long is dropped.
const eventsWriteTimeout = 10 * time.Second

// StreamRoutes lists the dashboard's long-lived routes (server-sent
// events), which the request timeout must not end.
func (d *Dashboard) StreamRoutes() []string { return []string{"/events"} }

// handleEvents serves GET /events: a server-sent-event stream that says
// "changed" whenever one of the user's tasks changes. Pages reload their
// content on it; without a hub (or if the stream fails) they refresh on a
// timer instead.
//
// The stream lives as long as the page: the request timeout skips it
// (StreamRoutes), it moves the server's write deadline before each write,
// and it sends a comment every keep-alive interval. Each message carries an
// id, so a browser that reconnects sends Last-Event-ID: notifications sent
// while it was away are lost, so it is told "changed" at once and the page
// reloads its content.
func (d *Dashboard) handleEvents(c echo.Context) error {
	if d.opts.Hub == nil {
		return c.NoContent(http.StatusNoContent)
	}
	u := userOf(c)
	ch, done := d.opts.Hub.subscribe(u.ID.String())
	defer done()
	w := c.Response()
	rc := http.NewResponseController(w)
	send := func(msg string) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(eventsWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := io.WriteString(w, msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	changed := func() string { return "id: " + eventID() + "\nevent: changed\ndata: {}\n\n" }
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	first := "retry: 3000\nid: " + eventID() + "\n\n"
	if c.Request().Header.Get("Last-Event-ID") != "" {
		first += changed() // a reconnect: catch up on the gap
	}
	if !send(first) {
		return nil
	}
	every := d.opts.EventsKeepAlive
	if every <= 0 {
		every = eventsKeepAlive
	}
	ka := time.NewTicker(every)
	defer ka.Stop()
	// Coalesce bursts: at most one "changed" every 300ms.
	var last time.Time
	for {
		var msg string
		select {
		case <-c.Request().Context().Done():
			return nil
		case <-ka.C:
			msg = ": keep-alive\n\n"
		case <-ch:
			if wait := 300*time.Millisecond - time.Since(last); wait > 0 {
				time.Sleep(wait)
			}
			last = time.Now()
			msg = changed()
		}
		if !send(msg) {
			return nil
		}
	}
}

// eventID is a message id: the time it was sent, in milliseconds.
func eventID() string { return strconv.FormatInt(time.Now().UnixMilli(), 10) }
