package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"
)

// The pool: at most MaxBrowsers Chromium processes per worker process,
// started when first needed, each filling one form at a time in a fresh
// incognito browser context. A browser that died (or that an application
// left in doubt) is stopped and started again for the next application.
// Chromium runs with Pdeathsig (chromedp), so it dies with the worker:
// no zombie browsers.

// proc is one running Chromium.
type proc struct {
	alloc, browser context.Context
	cancel         context.CancelFunc // stops the browser and waits for it
	pid            int
	dataDir        string
	uses           int // applications filled
}

// alive reports whether the browser still runs.
func (p *proc) alive() bool {
	return p.browser.Err() == nil && syscall.Kill(p.pid, 0) == nil
}

// stop ends the browser and waits until it exited, then removes its
// profile and the directory of Chromium's process-singleton socket, which
// the profile links to (in TMPDIR; a killed browser cannot remove it).
func (p *proc) stop() {
	p.cancel()
	if target, err := os.Readlink(filepath.Join(p.dataDir, "SingletonSocket")); err == nil {
		if dir := filepath.Dir(target); strings.HasPrefix(filepath.Base(dir), "org.chromium.Chromium.") {
			_ = os.RemoveAll(dir)
		}
	}
	_ = os.RemoveAll(p.dataDir)
}

type pool struct {
	path         string
	noSandbox    bool
	recycleAfter int
	log          *zap.Logger
	slots        chan *proc // MaxBrowsers slots; nil is a browser not started

	checked  sync.Once
	checkErr error // Chromium cannot run (ready)

	mu       sync.Mutex
	closed   bool
	startErr error // the last start's failure, for readiness
	running  map[*proc]bool
}

func newPool(path string, max, recycleAfter int, noSandbox bool, log *zap.Logger) *pool {
	p := &pool{path: path, noSandbox: noSandbox, recycleAfter: recycleAfter, log: log, slots: make(chan *proc, max), running: map[*proc]bool{}}
	for range max {
		p.slots <- nil
	}
	return p
}

var errClosed = errors.New("the browser pool is closed")

// acquire waits for a free browser, starting it when needed.
func (p *pool) acquire(ctx context.Context) (*proc, error) {
	var b *proc
	select {
	case b = <-p.slots:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free browser: %w", context.Cause(ctx))
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		p.slots <- b
		return nil, errClosed
	}
	if b != nil && b.alive() {
		return b, nil
	}
	if b != nil {
		p.forget(b)
		b.stop()
	}
	b, err := p.start()
	p.mu.Lock()
	p.startErr = err
	p.mu.Unlock()
	if err != nil {
		p.slots <- nil
		return nil, err
	}
	return b, nil
}

// release gives the browser back; a browser the application left in
// doubt (crashed, hung, killed by the deadline) is stopped, not reused,
// and so is one that filled recycleAfter applications (a long-lived
// Chromium only grows).
func (p *pool) release(b *proc, healthy bool) {
	b.uses++
	if !healthy || !b.alive() || b.uses >= p.recycleAfter {
		p.forget(b)
		b.stop()
		b = nil
	}
	p.slots <- b
}

func (p *pool) forget(b *proc) {
	p.mu.Lock()
	delete(p.running, b)
	p.mu.Unlock()
}

// start launches one headless Chromium.
func (p *pool) start() (*proc, error) {
	dir, err := os.MkdirTemp("", "applyq-chromium-*")
	if err != nil {
		return nil, fmt.Errorf("browser profile directory: %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(p.path), chromedp.DisableGPU, chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 1600),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true), chromedp.Flag("mute-audio", true),
		// Fewer processes, less memory (measured: 465 → 308 MiB Pss for one
		// browser on the live Greenhouse replica): the GPU process (there
		// is no GPU) and the network service run inside the browser
		// process. A crash of either is then the browser's, which the pool
		// already replaces.
		chromedp.Flag("in-process-gpu", true),
		chromedp.Flag("enable-features", "NetworkService,NetworkServiceInProcess,NetworkServiceInProcess2"),
	)
	if p.noSandbox || os.Geteuid() == 0 { // Chromium refuses its sandbox as root
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	// The browser lives as long as the context its first action gets: the
	// start is bounded by a timer, not by a context of its own.
	hung := time.AfterFunc(30*time.Second, cancelBrowser)
	err = chromedp.Do(browser)
	hung.Stop()
	if err != nil {
		cancelBrowser()
		cancelAlloc()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting Chromium (%s): %w", p.path, err)
	}
	b := &proc{alloc: alloc, browser: browser, dataDir: dir, cancel: func() { cancelBrowser(); cancelAlloc() }}
	if c := chromedp.FromContext(browser); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		b.pid = c.Browser.Process().Pid
	}
	p.mu.Lock()
	p.running[b] = true
	p.mu.Unlock()
	p.log.Info("browser started", zap.Int("pid", b.pid))
	return b, nil
}

// pids lists the running browsers' process ids.
func (p *pool) pids() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for b := range p.running {
		out = append(out, b.pid)
	}
	return out
}

// ready reports whether the pool can fill forms: Chromium is there and
// runs (checked once, with --version: a binary missing its libraries fails
// there, not at the first application), and the last start did not fail.
func (p *pool) ready() error {
	p.mu.Lock()
	closed, startErr := p.closed, p.startErr
	p.mu.Unlock()
	if closed {
		return errClosed
	}
	p.checked.Do(func() { p.checkErr = p.check() })
	if p.checkErr != nil {
		return p.checkErr
	}
	return startErr
}

func (p *pool) check() error {
	path, err := exec.LookPath(p.path)
	if err != nil {
		return fmt.Errorf("chromium not found at %q (set appliers.browser.chromium): %w", p.path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput() // #nosec G204 -- the configured Chromium binary
	if err != nil {
		return fmt.Errorf("chromium at %q does not run (%v): %s (set appliers.browser.chromium)", path, err, strings.TrimSpace(string(out)))
	}
	p.log.Info("chromium found", zap.String("path", path), zap.String("version", strings.TrimSpace(string(out))))
	return nil
}

// close stops every browser, waiting for applications in flight to give
// theirs back (their contexts end them).
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	for range cap(p.slots) {
		if b := <-p.slots; b != nil {
			p.forget(b)
			b.stop()
		}
	}
}
