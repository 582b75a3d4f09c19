// Package sources reads employers' public job boards: one client per
// platform (Greenhouse, Lever, Ashby, SmartRecruiters, Recruitee,
// Workable, Personio), each a domain.BoardClient over the platform's
// public, key-less API or feed.
//
// Every client shares one HTTP behaviour (http.go): a request hook
// (Options.WaitFunc) for a rate limit shared across workers, a timeout, a
// cap on the answer's size, conditional requests where the platform's list
// is one document, and one error vocabulary: ErrBoardNotFound for a board
// that does not exist, a domain.BoardUnavailableError (carrying
// Retry-After) for what a later try may fix, EINVALID for an answer that
// cannot be read. A listing is returned whole or not at all: a partial
// listing would close the postings it missed.
//
// Postings are normalised the same way everywhere (posting.go, html.go):
// descriptions from HTML to plain text, titles and other lines to one
// plain line, pay ranges in words, questions into domain.Question, a
// posting without an id or a title skipped and counted in
// BoardSnapshot.Skipped, a repeated id kept once.
//
// Base URLs are options, so tests and proxies can point a client anywhere;
// New builds a client from Options, NewAll one per platform.
package sources

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// Options configure one platform's client. Zero values take the defaults.
type Options struct {
	// BaseURL is the platform's API address (DefaultBaseURL). Recruitee and
	// Personio serve each board on its own host: theirs is a template where
	// "{board}" stands for the board, such as https://{board}.recruitee.com
	// (it may stand in the path too: http://127.0.0.1:8080/{board}).
	BaseURL string
	// EUBaseURL is Lever's EU instance (DefaultLeverEUBaseURL), asked when
	// BaseURL answers that it does not know the board. Set it to BaseURL to
	// ask one instance only. Other platforms ignore it.
	EUBaseURL string
	// HTTPClient is the client to copy (its transport, its timeout);
	// nil is a fresh one over http.DefaultTransport.
	HTTPClient *http.Client
	// Timeout bounds each request (DefaultTimeout, or HTTPClient's).
	Timeout time.Duration
	// WaitFunc, when set, is called before every request, for a rate limit
	// the caller shares across workers; its error ends the fetch.
	WaitFunc func(context.Context) error
	// MaxBodyBytes caps an answer, decompressed (DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// MaxDescriptionChars caps a description (DefaultMaxDescriptionChars).
	MaxDescriptionChars int
	// PageSize is the page of a paged listing, Lever's and
	// SmartRecruiters' (DefaultPageSize; at least 2).
	PageSize int
	// Concurrency bounds the posting requests at once of a board whose
	// list lacks details, Greenhouse's and SmartRecruiters'
	// (DefaultConcurrency).
	Concurrency int
	// UserAgent is sent with every request (DefaultUserAgent).
	UserAgent string
	// Hosts are more hosts (host or host:port) a redirect may go to,
	// besides the base URLs' and the platform's own domains (a mirror's
	// other address; tests).
	Hosts []string
}

// DefaultLeverEUBaseURL is Lever's EU instance.
const DefaultLeverEUBaseURL = "https://api.eu.lever.co"

// boardPlaceholder stands for the board in a host template.
const boardPlaceholder = "{board}"

var defaultBaseURLs = map[domain.Platform]string{
	domain.PlatformGreenhouse:      "https://boards-api.greenhouse.io",
	domain.PlatformLever:           "https://api.lever.co",
	domain.PlatformAshby:           "https://api.ashbyhq.com",
	domain.PlatformSmartRecruiters: "https://api.smartrecruiters.com",
	domain.PlatformRecruitee:       "https://" + boardPlaceholder + ".recruitee.com",
	domain.PlatformWorkable:        "https://apply.workable.com",
	domain.PlatformPersonio:        "https://" + boardPlaceholder + ".jobs.personio.de",
}

// DefaultBaseURL is the public API address of p ("" for an unknown one).
func DefaultBaseURL(p domain.Platform) string { return defaultBaseURLs[p] }

// New returns the client of platform p. It returns EINVALID for an unknown
// platform or a base URL that is not an absolute http(s) URL (or, for
// Recruitee and Personio, has no "{board}").
func New(p domain.Platform, o Options) (domain.BoardClient, error) {
	if !p.Valid() {
		return nil, domain.Errorf(domain.EINVALID, "unknown job board platform %q", p)
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL(p)
	}
	if err := checkBaseURL(p, "base_url", o.BaseURL); err != nil {
		return nil, err
	}
	switch p {
	case domain.PlatformGreenhouse:
		return &Greenhouse{Options: o}, nil
	case domain.PlatformLever:
		if o.EUBaseURL == "" {
			o.EUBaseURL = DefaultLeverEUBaseURL
		}
		if err := checkBaseURL(p, "eu_base_url", o.EUBaseURL); err != nil {
			return nil, err
		}
		return &Lever{Options: o}, nil
	case domain.PlatformAshby:
		return &Ashby{Options: o}, nil
	case domain.PlatformSmartRecruiters:
		return &SmartRecruiters{Options: o}, nil
	case domain.PlatformRecruitee:
		return &Recruitee{Options: o}, nil
	case domain.PlatformWorkable:
		return &Workable{Options: o}, nil
	default:
		return &Personio{Options: o}, nil
	}
}

// NewAll returns a client for every platform, each from opts[p] (zero
// Options for a platform not in opts): the clients of a process, built
// once from config (sources.<platform>.base_url…).
func NewAll(opts map[domain.Platform]Options) (map[domain.Platform]domain.BoardClient, error) {
	for p := range opts {
		if !p.Valid() {
			return nil, domain.Errorf(domain.EINVALID, "unknown job board platform %q", p)
		}
	}
	out := make(map[domain.Platform]domain.BoardClient, len(domain.Platforms))
	for _, p := range domain.Platforms {
		c, err := New(p, opts[p])
		if err != nil {
			return nil, err
		}
		out[p] = c
	}
	return out, nil
}

// checkBaseURL says whether raw can be p's base URL; setting names the
// option in the error.
func checkBaseURL(p domain.Platform, setting, raw string) error {
	bad := func(why string) error {
		return domain.Errorf(domain.EINVALID, "sources.%s.%s %q %s", p, setting, raw, why)
	}
	hasBoard := strings.Contains(raw, boardPlaceholder)
	if (p == domain.PlatformRecruitee || p == domain.PlatformPersonio) && !hasBoard {
		return bad("needs " + boardPlaceholder + " where the board goes, such as " + DefaultBaseURL(p))
	}
	u, err := url.Parse(strings.ReplaceAll(raw, boardPlaceholder, "acme"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return bad("is not an http(s) URL without query, such as " + DefaultBaseURL(p))
	}
	return nil
}

// platformDomains are the domains each platform serves its boards from:
// a redirect may go to them, or to their subdomains, over https.
var platformDomains = map[domain.Platform][]string{
	domain.PlatformGreenhouse:      {"greenhouse.io"},
	domain.PlatformLever:           {"lever.co"},
	domain.PlatformAshby:           {"ashbyhq.com"},
	domain.PlatformSmartRecruiters: {"smartrecruiters.com"},
	domain.PlatformRecruitee:       {"recruitee.com"},
	domain.PlatformWorkable:        {"workable.com"},
	domain.PlatformPersonio:        {"personio.de", "personio.com"},
}

// onPlatform reports whether a redirect to u stays on p's own hosts: the
// host of a base URL (the board in it, for a host template) with its
// scheme, a host of Hosts, or the platform's domains and their subdomains
// over https. A board that answers with a redirect anywhere else is not
// followed: the address was the board's to give, not a third party's.
func (o *Options) onPlatform(p domain.Platform, board string, u *url.URL) bool {
	host := strings.ToLower(u.Host)
	for _, b := range []string{o.base(p, board), o.euBase(p)} {
		if bu, err := url.Parse(b); err == nil && b != "" && strings.EqualFold(bu.Host, host) && bu.Scheme == u.Scheme {
			return true
		}
	}
	for _, h := range o.Hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	if u.Scheme != "https" || u.Port() != "" {
		return false
	}
	name := strings.ToLower(u.Hostname())
	for _, d := range platformDomains[p] {
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	return false
}

// euBase is Lever's EU base URL ("" for other platforms).
func (o *Options) euBase(p domain.Platform) string {
	if p != domain.PlatformLever {
		return ""
	}
	return strings.TrimRight(o.EUBaseURL, "/")
}

// base is o's base URL for board: the template's "{board}" replaced, the
// trailing slash dropped.
func (o *Options) base(p domain.Platform, board string) string {
	b := o.BaseURL
	if b == "" {
		b = DefaultBaseURL(p)
	}
	return strings.TrimRight(strings.ReplaceAll(b, boardPlaceholder, url.PathEscape(board)), "/")
}

// begin checks the board name and builds the fetcher and the collector of
// one fetch.
func (o *Options) begin(p domain.Platform, board string, redirectIsNotFound bool) (*fetcher, *collector, error) {
	if err := domain.CheckBoard(p, board); err != nil {
		return nil, nil, err
	}
	f := newFetcher(p, o, redirectIsNotFound)
	f.onPlatform = func(u *url.URL) bool { return o.onPlatform(p, board, u) }
	return f, newCollector(p, board, o), nil
}

func (o *Options) pageSize() int {
	if o.PageSize <= 0 {
		return DefaultPageSize
	}
	return max(o.PageSize, 2)
}

func (o *Options) concurrency() int {
	if o.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return o.Concurrency
}

// forEach runs fn(ctx, i) for every i below n, at most limit at once; the
// first error stops the rest and is returned.
func forEach(ctx context.Context, n, limit int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     int
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || next >= n {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for range min(limit, n) {
		wg.Go(func() {
			for i, ok := take(); ok; i, ok = take() {
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// allGone reports whether every kept item of a list was gone when read.
func allGone(gone []bool, keep []int) bool {
	for _, i := range keep {
		if !gone[i] {
			return false
		}
	}
	return len(keep) > 0
}

// readDetails reads the document of each kept entry of a listing of n
// (Greenhouse's jobs, SmartRecruiters' postings: lists without the
// details), at most concurrency at once; docOf names entry i's URL and
// what it is ("job 123"). details[i] is entry i's document, gone[i] says
// it answered 404 (closed between the list and now: not on the board any
// more). A listing none of whose kept entries can be read is refused: the
// answers disagree, and taking the list's word would close everything.
func readDetails[T any](ctx context.Context, f *fetcher, n int, keep []int, concurrency int, noun string,
	docOf func(i int) (url, what string)) (details []*T, gone []bool, err error) {
	details, gone = make([]*T, n), make([]bool, n)
	err = forEach(ctx, len(keep), concurrency, func(ctx context.Context, k int) error {
		i := keep[k]
		u, what := docOf(i)
		a, err := f.get(ctx, u, "application/json", what, nil)
		if isNotFound(err) {
			gone[i] = true
			return nil
		}
		if err != nil {
			return err
		}
		var d T
		if err := f.decodeJSON(what, a.body, &d); err != nil {
			return err
		}
		details[i] = &d
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if allGone(gone, keep) {
		return nil, nil, f.unavailable(0, 0, fmt.Errorf("the list names %d %s and none of them could be read", len(keep), noun))
	}
	return details, gone, nil
}

// Paged listings (Lever, SmartRecruiters) are read with consecutive pages
// overlapping by one item: the first item of a page must be the last of
// the one before. When a posting is added or removed before the offset
// while the pages are read, the listing shifts and that check fails; the
// listing is then read again from the start, since a shift would have
// skipped a posting, and a skipped posting would be closed.
const (
	maxPagingAttempts = 3
	maxPages          = 10_000
)

// errShifted: the listing changed while it was read.
var errShifted = errors.New("the listing changed while it was read")

// readPages reads every page of a listing. read returns the items at
// offset (at most limit) and the total the board reports (-1 when it
// reports none); key tells items apart.
func readPages[T any](ctx context.Context, f *fetcher, limit int, read func(ctx context.Context, offset, limit int) ([]T, int, error), key func(T) string) ([]T, error) {
	for range maxPagingAttempts {
		items, err := readPagesOnce(ctx, f, limit, read, key)
		if !errors.Is(err, errShifted) {
			return items, err
		}
	}
	return nil, f.unavailable(0, 0, fmt.Errorf("%w, %d times", errShifted, maxPagingAttempts))
}

func readPagesOnce[T any](ctx context.Context, f *fetcher, limit int, read func(ctx context.Context, offset, limit int) ([]T, int, error), key func(T) string) ([]T, error) {
	var all []T
	offset := 0
	for range maxPages {
		page, total, err := read(ctx, offset, limit)
		if err != nil {
			return nil, err
		}
		n := len(page)
		if offset == 0 && n > limit {
			return page, nil // the board ignored the page size: this is all of it
		}
		if offset > 0 {
			if n == 0 || key(page[0]) != key(all[len(all)-1]) {
				return nil, errShifted
			}
			page = page[1:]
		}
		all = append(all, page...)
		if n < limit || (total >= 0 && offset+n >= total) {
			return all, nil
		}
		offset += n - 1
	}
	return nil, f.invalid("the listing", fmt.Errorf("more than %d pages", maxPages))
}
