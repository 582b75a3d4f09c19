package applier

import (
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// The HTTP behaviour every applier that POSTs a submission shares: the
// request goes out at most once per call, and the caller learns whether any
// byte of it may have left (only a failure before that proves nothing was
// sent).

// noRedirects returns a copy of c (a fresh client when nil) that never
// follows a redirect: the response to the one request sent is the outcome,
// and a submission is never re-sent to another address.
func noRedirects(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// sendOnce sends req with c (see noRedirects) at most once and reports
// whether any byte of the request may have been written. On an error with
// written false, provably nothing reached the receiver; with written true
// the outcome is unknown.
func sendOnce(c *http.Client, req *http.Request) (resp *http.Response, written bool, err error) {
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		// Once any header byte may have left, nothing proves it was not received.
		WroteHeaderField: func(string, []string) { wrote.Store(true) },
		WroteRequest:     func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}))
	// Without GetBody the transport cannot replay the request (it would,
	// for instance, because of an Idempotency-Key header, when a reused
	// connection dies after the request was written) and a client cannot
	// re-send it to a redirect target.
	req.GetBody = nil
	resp, err = noRedirects(c).Do(req)
	return resp, wrote.Load(), err
}
