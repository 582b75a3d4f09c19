package dashboard

import (
	"fmt"
	"net/http"
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

// eventsKeepAlive keeps proxies from closing an idle stream.
const eventsKeepAlive = 25 * time.Second

// handleEvents serves GET /events: a server-sent-event stream that says
// "changed" whenever one of the user's tasks changes. Pages reload their
// content on it; without a hub (or if the stream fails) they refresh on a
// timer instead.
func (d *Dashboard) handleEvents(c echo.Context) error {
	if d.opts.Hub == nil {
		return c.NoContent(http.StatusNoContent)
	}
	u := userOf(c)
	ch, done := d.opts.Hub.subscribe(u.ID.String())
	defer done()
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	w.Flush()
	ka := time.NewTicker(eventsKeepAlive)
	defer ka.Stop()
	// Coalesce bursts: at most one "changed" every 300ms.
	var last time.Time
	for {
		select {
		case <-c.Request().Context().Done():
			return nil
		case <-ka.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-ch:
			if wait := 300*time.Millisecond - time.Since(last); wait > 0 {
				time.Sleep(wait)
			}
			last = time.Now()
			fmt.Fprint(w, "event: changed\ndata: {}\n\n")
		}
		w.Flush()
	}
}
