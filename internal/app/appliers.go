package app

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
)

// The worker's appliers: worker.applier (dry run or webhook) for
// everything, except the platforms of appliers.platforms, which get their
// own — Recruitee's candidate API; the browser for Greenhouse, Lever and
// Ashby forms. Which applier a posting gets is decided from the
// configuration alone (ApplierFor), when its packet is prepared, and the
// router (Appliers) sends each packet through that one.

// applierName is the name of the applier that submits platform p's
// postings when applyq submits to p directly.
func applierName(p domain.Platform) string {
	if p == domain.PlatformRecruitee {
		return "recruitee"
	}
	return "browser"
}

// ApplierFor names the applier of a platform's postings under cfg.
func ApplierFor(cfg *config.Config) func(domain.Platform) string {
	def := cfg.Worker.Applier
	return func(p domain.Platform) string {
		if slices.Contains(cfg.Appliers.Platforms, string(p)) {
			return applierName(p)
		}
		return def
	}
}

// Pace is the submission rates a packet counts against under cfg: its
// platform's per minute and its employer's per hour, for the platforms
// applyq submits to directly.
func Pace(cfg *config.Config) func(*domain.Packet) []domain.RateLimit {
	a := cfg.Appliers
	return func(p *domain.Packet) []domain.RateLimit {
		if !slices.Contains(a.Platforms, string(p.Platform)) {
			return nil
		}
		limits := []domain.RateLimit{{Key: domain.PlatformRateKey(p.Platform), Limit: a.PerPlatformPerMinute, Window: time.Minute}}
		if p.Board != "" {
			limits = append(limits, domain.RateLimit{Key: domain.EmployerRateKey(p.Platform, p.Board), Limit: a.PerEmployerPerHour, Window: time.Hour})
		}
		return limits
	}
}

// Appliers builds the worker's router: def for everything, and the
// platform appliers cfg turns on, uploading documents opened by files.
// The browser is nil unless a platform whose forms it fills is on; the
// worker reports its readiness and closes it when it stops. codes carries
// the security codes its pages ask for (appliers.browser.code_window) from
// their users (nil: a page that asks for one leaves the application to
// its user).
func Appliers(cfg *config.Config, def domain.Applier, files domain.DocumentFiles, codes domain.Codes, log *zap.Logger) (*applier.Router, *browser.Applier) {
	r := &applier.Router{Default: def, ByPlatform: map[domain.Platform]domain.Applier{}}
	var b *browser.Applier
	for _, name := range cfg.Appliers.Platforms {
		p := domain.Platform(name)
		switch {
		case p == domain.PlatformRecruitee:
			r.ByPlatform[p] = &applier.Recruitee{BaseURL: cfg.Appliers.Recruitee.BaseURL, Files: files, Timeout: cfg.Appliers.Recruitee.Timeout,
				Client: &http.Client{}}
			log.Info("submitting to recruitee through its candidate API")
		case slices.Contains(browser.Platforms(), p):
			if b == nil {
				bc := cfg.Appliers.Browser
				b = browser.New(browser.Options{ChromiumPath: bc.Chromium, MaxBrowsers: bc.MaxBrowsers, Deadline: bc.Deadline, NoSandbox: bc.NoSandbox,
					Files: files, BaseURLs: cfg.Appliers.FormBaseURLs(), Hosts: cfg.Appliers.FormHosts(), Codes: codes, CodeWindow: bc.CodeWindow,
					Log: log.Named("browser")})
			}
			r.ByPlatform[p] = b
			log.Info("submitting to "+name+" by filling its hosted forms in a browser", zap.String("chromium", cfg.Appliers.Browser.Chromium),
				zap.Int("max_browsers", cfg.Appliers.Browser.MaxBrowsers))
		}
	}
	return r, b
}

// FormReaderSlot is the tasks service's form reader in a worker whose
// browser is built after its services (the browser uploads the documents
// service's files): Set hands the browser over before any job runs.
type FormReaderSlot struct {
	mu sync.RWMutex
	r  domain.FormReader
}

// Set makes r the reader.
func (f *FormReaderSlot) Set(r domain.FormReader) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.r = r
}

// ReadForm implements domain.FormReader.
func (f *FormReaderSlot) ReadForm(ctx context.Context, t domain.FormTarget) (*domain.DiscoveredForm, error) {
	f.mu.RLock()
	r := f.r
	f.mu.RUnlock()
	if r == nil {
		return nil, errors.New("this worker has no browser to read hosted forms with")
	}
	return r.ReadForm(ctx, t)
}
