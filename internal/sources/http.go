package sources

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// Defaults of Options.
const (
	DefaultTimeout             = 30 * time.Second
	DefaultMaxBodyBytes        = 20 << 20 // 20 MiB, after decompression
	DefaultMaxDescriptionChars = 100_000  // domain.JobInput's limit
	DefaultPageSize            = 100      // SmartRecruiters' maximum
	DefaultConcurrency         = 4        // posting requests at once, per board
	DefaultUserAgent           = "applyq-sources/1"
)

// maxRetryAfter bounds the wait a board may ask for: a larger Retry-After
// is more likely a mistake than a plan.
const maxRetryAfter = 24 * time.Hour

// fetcher is the HTTP behaviour every client shares: the request hook, a
// timeout, conditional requests, the status classes, a size cap.
type fetcher struct {
	platform  domain.Platform
	client    *http.Client
	waitFunc  func(context.Context) error
	maxBody   int64
	userAgent string
	// redirectIsNotFound: the platform answers an unknown board with a
	// redirect to its home page (Personio), so a redirect elsewhere than to
	// the same path is a 404.
	redirectIsNotFound bool
	// onPlatform says whether a redirect's target is one of the
	// platform's hosts (nil: none is).
	onPlatform func(*url.URL) bool
}

// maxRedirects bounds the redirects one request follows.
const maxRedirects = 5

// offPlatformError is a redirect a board answered with to a host that is
// not its platform's: never followed.
type offPlatformError struct{ to *url.URL }

func (e *offPlatformError) Error() string {
	return "redirected to " + e.to.Scheme + "://" + e.to.Host + ", which is not one of the platform's hosts"
}

func newFetcher(p domain.Platform, o *Options, redirectIsNotFound bool) *fetcher {
	var c http.Client
	if o.HTTPClient != nil {
		c = *o.HTTPClient
	}
	if o.Timeout > 0 {
		c.Timeout = o.Timeout
	} else if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	f := &fetcher{platform: p, client: &c, waitFunc: o.WaitFunc, maxBody: o.MaxBodyBytes, userAgent: o.UserAgent,
		redirectIsNotFound: redirectIsNotFound}
	c.CheckRedirect = f.checkRedirect
	if f.maxBody <= 0 {
		f.maxBody = DefaultMaxBodyBytes
	}
	if f.userAgent == "" {
		f.userAgent = DefaultUserAgent
	}
	return f
}

// checkRedirect follows a redirect only to the platform's own hosts; a
// redirect elsewhere ends the request with an *offPlatformError (the
// source is then broken, saying where it went). Where the platform answers
// an unknown board with a redirect (Personio), the same document on
// another of its hosts (acme.jobs.personio.de to .com) is followed and a
// redirect to any other path (the home page) is the answer: not found.
func (f *fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if f.redirectIsNotFound && req.URL.Path != via[0].URL.Path {
		return http.ErrUseLastResponse
	}
	if f.onPlatform == nil || !f.onPlatform(req.URL) {
		return &offPlatformError{to: req.URL}
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

// answer is a successful response.
type answer struct {
	body        []byte
	notModified bool
	validators  domain.BoardValidators
}

// get GETs rawURL; what names the document in errors ("the jobs list",
// "job 123"). When prev carries a validator the request is conditional and
// a 304 is an answer with notModified set. It returns an error wrapping
// ErrBoardNotFound for 404/410 (and for a redirect where the platform
// redirects unknown boards), a *domain.BoardUnavailableError for network
// errors, timeouts, 429, 5xx and any other status, the caller's context
// error when it was cancelled, and EINVALID for a body over the cap.
func (f *fetcher) get(ctx context.Context, rawURL, accept, what string, prev *domain.BoardValidators) (*answer, error) {
	if f.waitFunc != nil {
		if err := f.waitFunc(ctx); err != nil {
			return nil, fmt.Errorf("%s: waiting to request %s: %w", f.platform, what, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: building the request for %s: %w", f.platform, what, err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", f.userAgent)
	conditional := prev != nil && (prev.ETag != "" || prev.LastModified != "")
	if conditional {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := f.client.Do(req) // #nosec G107 -- the URL is the configured API base plus a checked board name
	if off := (*offPlatformError)(nil); errors.As(err, &off) {
		return nil, fmt.Errorf("%s: %s: %v: %w", f.platform, what, off, domain.ErrBoardRedirected)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: requesting %s: %w", f.platform, what, ctx.Err())
		}
		return nil, f.unavailable(0, 0, fmt.Errorf("requesting %s: %w", what, err))
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		_ = resp.Body.Close()
	}()
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
	case s == http.StatusNotModified && conditional:
		return &answer{notModified: true, validators: validators(resp, *prev)}, nil
	case s == http.StatusNotFound || s == http.StatusGone:
		return nil, fmt.Errorf("%s: %s: HTTP %d: %w", f.platform, what, s, domain.ErrBoardNotFound)
	case s >= 300 && s < 400 && f.redirectIsNotFound:
		return nil, fmt.Errorf("%s: %s: redirected to %q: %w", f.platform, what, resp.Header.Get("Location"), domain.ErrBoardNotFound)
	default:
		// 429, 5xx, and whatever else (403 from a bot wall, 400…): nothing
		// the user can fix, so a later try is the only way forward.
		return nil, f.unavailable(s, retryAfter(resp.Header.Get("Retry-After"), time.Now()), fmt.Errorf("%s answered HTTP %d", what, s))
	}
	if resp.ContentLength > f.maxBody {
		return nil, f.tooLarge(what)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: reading %s: %w", f.platform, what, ctx.Err())
		}
		return nil, f.unavailable(0, 0, fmt.Errorf("reading %s: %w", what, err))
	}
	if int64(len(body)) > f.maxBody {
		return nil, f.tooLarge(what)
	}
	return &answer{body: body, validators: validators(resp, domain.BoardValidators{})}, nil
}

func (f *fetcher) unavailable(status int, wait time.Duration, err error) error {
	return &domain.BoardUnavailableError{Platform: f.platform, Status: status, RetryAfter: wait, Err: err}
}

func (f *fetcher) tooLarge(what string) error {
	return domain.Errorf(domain.EINVALID, "%s: %s is larger than %d bytes, the most applyq reads from a board", f.platform, what, f.maxBody)
}

// invalid is the EINVALID error for an answer that cannot be read.
func (f *fetcher) invalid(what string, err error) error {
	return domain.Errorf(domain.EINVALID, "%s: %s could not be read: %v", f.platform, what, err)
}

// decodeJSON reads body into v; EINVALID naming the platform and the
// document when it is not the JSON expected.
func (f *fetcher) decodeJSON(what string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return f.invalid(what, fmt.Errorf("not the JSON expected: %w", err))
	}
	return nil
}

// decodeXML is decodeJSON for XML. encoding/xml resolves no external
// entities, so a feed cannot make it read anything else.
func (f *fetcher) decodeXML(what string, body []byte, v any) error {
	if err := xml.Unmarshal(body, v); err != nil {
		return f.invalid(what, fmt.Errorf("not the XML expected: %w", err))
	}
	return nil
}

// validators are the response's, or prev's where a 304 repeats none.
func validators(resp *http.Response, prev domain.BoardValidators) domain.BoardValidators {
	v := prev
	if e := resp.Header.Get("ETag"); e != "" {
		v.ETag = e
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		v.LastModified = lm
	}
	return v
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date;
// 0 when absent or unreadable, at most maxRetryAfter.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now).Round(time.Second)
	}
	return min(max(d, 0), maxRetryAfter)
}

// isNotFound reports whether err says the board does not exist.
func isNotFound(err error) bool { return errors.Is(err, domain.ErrBoardNotFound) }
