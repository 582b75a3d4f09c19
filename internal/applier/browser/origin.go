package browser

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/applyq/applyq/internal/domain"
)

// The origin lock: the browser fills and submits only on the platform's
// own origins — its hosts (https) and the configured base URL's (a proxy,
// a replica). A navigation of the page to any other origin is blocked
// before a byte leaves (the page stays where it was, and the application
// stops for its user, naming where the page tried to go: a board that
// sends applicants to the employer's own careers site, say); popups are
// closed as they open; page.js refuses to touch a page of another origin.
// Frames of other origins inside the page (a captcha widget) are the
// page's own business: only the top-level page is locked.

// origins are one platform's own origins, for one applier.
type origins struct {
	list []string // scheme://host[:port]
}

// originsFor is the platform's origins: its hosts over https, the base URL's.
func originsFor(pl platform, base string, hosts []string) origins {
	if len(hosts) == 0 {
		hosts = pl.Hosts
	}
	var o origins
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h != "" {
			o.add("https://" + h)
		}
	}
	if base == "" {
		base = pl.BaseURL
	}
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		o.add(strings.ToLower(u.Scheme + "://" + u.Host))
	}
	return o
}

func (o *origins) add(s string) {
	if !slices.Contains(o.list, s) {
		o.list = append(o.list, s)
	}
}

// own reports whether raw is on one of the origins.
func (o origins) own(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	return slices.Contains(o.list, strings.ToLower(u.Scheme+"://"+u.Host))
}

// lockOrigin starts the lock on the tab of ctx: every document request
// of its top-level page is paused, let through on the origins, and failed
// (ERR_BLOCKED_BY_CLIENT) anywhere else, reported to blocked; a window the
// page opens is reported to popup and closed. It must run before the first
// navigation.
func lockOrigin(ctx context.Context, o origins, mainFrame func() cdp.FrameID, blocked func(method, url string), popup func(url string)) error {
	c := chromedp.FromContext(ctx)
	err := chromedp.Listen(ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		// Answering here would block the tab's reading loop: answer from
		// a goroutine of its own.
		allow := e.Request == nil || e.FrameID != mainFrame() || o.own(e.Request.URL)
		if !allow {
			blocked(e.Request.Method, e.Request.URL)
		}
		go func() {
			if allow {
				_, _ = cdp.Call(ctx, c.Target, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
				return
			}
			_, _ = cdp.Call(ctx, c.Target, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}()
	})
	if err != nil {
		return err
	}
	if err := chromedp.ListenBrowser(ctx, func(ev any) {
		// A popup the page opened: closed at once, never filled.
		if e, ok := ev.(*target.EventTargetCreated); ok && e.TargetInfo != nil && e.TargetInfo.OpenerID == c.Target.TargetID {
			popup(e.TargetInfo.URL)
			go func() {
				_, _ = cdp.Call(ctx, c.Browser, target.CloseTarget, target.CloseTargetParams{TargetID: e.TargetInfo.TargetID})
			}()
		}
	}); err != nil {
		return err
	}
	return chromedp.Do(ctx, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
			{URLPattern: "*", ResourceType: network.ResourceTypeDocument, RequestStage: fetch.RequestStageRequest}}})
		return chromedp.Void{}, err
	})
}

// Hosts are the default hosts of each platform's hosted forms (the origin
// lock's list when appliers.<platform>.hosts is not set).
func Hosts(p domain.Platform) []string { return slices.Clone(platforms[p].Hosts) }
