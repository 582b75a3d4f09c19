// Package browser is the applier that fills Greenhouse, Lever and Ashby's
// hosted application forms in a real browser (headless Chromium, driven
// through chromedp), as the user would, with what the user approved and
// nothing else.
//
// An application goes: open the posting's form (always at the platform's
// own address, built from the board and the posting's id), stop if a
// CAPTCHA, a login or SSO wall, or a required field applyq has no approved
// answer for is there; fill the approved form (or, for a board that does
// not publish its form, the standard fields from the approved profile,
// cover letter and documents), step by step through a multi-step form;
// take a screenshot of the filled form; click submit; recognise what the
// platform answers.
//
// The submit click is the point of no return (the task is in submitting
// before the applier is called). Before it, every failure proves nothing
// was sent (domain.ErrNotSent: the task is tried again) or needs the user
// (domain.NeedsUserError, with a screenshot: the task waits for them).
// After it: a confirmation is submitted (with its screenshot); validation
// errors the form shows, or a CAPTCHA challenge, need the user; a 429 or a
// "too many applications" page is not sent (backed off); anything else —
// a 5xx, a crash, the deadline, a page applyq does not recognise — is an
// unknown outcome, kept with a screenshot for the user to check, never
// retried blindly.
package browser

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// Defaults.
const (
	DefaultChromium    = "chromium"
	DefaultMaxBrowsers = 2
	DefaultDeadline    = 3 * time.Minute
	// DefaultRecycleAfter is how many applications a browser fills before
	// it is replaced by a fresh one.
	DefaultRecycleAfter = 50
	// DefaultCodeWindow is how long a page that asks for a mailed security
	// code waits for the user to give it.
	DefaultCodeWindow = 10 * time.Minute
)

// Options configure the browser applier.
type Options struct {
	// ChromiumPath is the Chromium binary (DefaultChromium, looked up in
	// PATH).
	ChromiumPath string
	// MaxBrowsers bounds the browsers this process runs at once
	// (DefaultMaxBrowsers); applications beyond it wait for one.
	MaxBrowsers int
	// Deadline bounds one application, from opening the form to the
	// platform's answer (DefaultDeadline); waiting for a free browser before
	// it is bounded by the caller's context.
	Deadline time.Duration
	// Files opens the documents applications upload.
	Files domain.DocumentFiles
	// BaseURLs replaces a platform's hosted-form address (tests, a proxy,
	// a replica); it may carry a path.
	BaseURLs map[domain.Platform]string
	// Hosts replaces a platform's own hosts (Hosts), where the browser
	// fills and submits besides its base URL's: the origin lock.
	Hosts map[domain.Platform][]string
	// Codes carries the security codes platforms mail to applicants from
	// the user to the page waiting for one (nil: such a form waits for its
	// user to apply by hand); CodeWindow is how long a page waits
	// (DefaultCodeWindow).
	Codes      domain.Codes
	CodeWindow time.Duration
	// RecycleAfter replaces a browser after that many applications
	// (DefaultRecycleAfter).
	RecycleAfter int
	// NoSandbox runs Chromium without its sandbox (containers without user
	// namespaces); it always does as root, where Chromium refuses it.
	NoSandbox bool
	Log       *zap.Logger
}

// Applier fills hosted application forms in Chromium.
type Applier struct {
	o    Options
	pool *pool
}

// New returns the applier; no browser starts until the first application.
func New(o Options) *Applier {
	if o.ChromiumPath == "" {
		o.ChromiumPath = DefaultChromium
	}
	if o.MaxBrowsers <= 0 {
		o.MaxBrowsers = DefaultMaxBrowsers
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.RecycleAfter <= 0 {
		o.RecycleAfter = DefaultRecycleAfter
	}
	if o.CodeWindow <= 0 {
		o.CodeWindow = DefaultCodeWindow
	}
	return &Applier{o: o, pool: newPool(o.ChromiumPath, o.MaxBrowsers, o.RecycleAfter, o.NoSandbox, o.Log)}
}

// Name implements domain.Applier.
func (a *Applier) Name() string { return "browser" }

// IdempotentRetries implements domain.Applier: a hosted form takes every
// submission.
func (a *Applier) IdempotentRetries() bool { return false }

// origins are platform p's own origins under the applier's options.
func (a *Applier) origins(p domain.Platform) origins {
	return originsFor(platforms[p], a.o.BaseURLs[p], a.o.Hosts[p])
}

// Platforms lists the platforms whose forms the applier fills.
func Platforms() []domain.Platform {
	return []domain.Platform{domain.PlatformGreenhouse, domain.PlatformLever, domain.PlatformAshby}
}

// Ready reports whether applications can be filled: Chromium is installed
// and the last browser started.
func (a *Applier) Ready() error { return a.pool.ready() }

// Close stops every browser.
func (a *Applier) Close() { a.pool.close() }

// BrowserPIDs lists the process ids of the browsers running now (for the
// benchmark's memory measure and for tests).
func (a *Applier) BrowserPIDs() []int { return a.pool.pids() }

// Apply implements domain.Applier.
func (a *Applier) Apply(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error) {
	pl, ok := platforms[p.Platform]
	if !ok {
		return domain.ApplyResult{}, fmt.Errorf("the browser applier does not fill %q forms: %w", p.Platform, domain.ErrNotSent)
	}
	target, err := pl.formURL(a.o.BaseURLs[p.Platform], p)
	if err != nil {
		return domain.ApplyResult{}, err
	}
	files, err := openFiles(ctx, a.o.Files, p)
	if err != nil {
		return domain.ApplyResult{}, fmt.Errorf("browser: %w: %w", err, domain.ErrNotSent)
	}
	defer files.remove()
	// Waiting for a free browser is bounded by the caller (the worker's
	// job timeout); the application's own deadline starts with its browser.
	b, err := a.pool.acquire(ctx)
	if err != nil {
		return domain.ApplyResult{}, fmt.Errorf("browser: %w: %w", err, domain.ErrNotSent)
	}
	s := newSession(ctx, b, pl, a.origins(p.Platform), a.o.Log.With(zap.Stringer("task_id", p.TaskID), zap.String("platform", string(p.Platform))))
	s.p, s.files, s.entries, s.codes, s.window = p, files, entries(pl, p), a.o.Codes, a.o.CodeWindow
	// Waiting gives up before the deadline, so that what the page shows
	// then can still be kept.
	s.until = time.Now().Add(a.o.Deadline - min(max(a.o.Deadline/10, 3*time.Second), evidenceWait))
	res, err := s.apply(target)
	s.close()
	a.pool.release(b, s.healthy())
	if err != nil && !s.wasClicked() && !errors.Is(err, domain.ErrNeedsUser) && !errors.Is(err, domain.ErrNotSent) {
		// Nothing was clicked: whatever failed, nothing went out.
		err = fmt.Errorf("%w: %w", err, domain.ErrNotSent)
	}
	return res, err
}
