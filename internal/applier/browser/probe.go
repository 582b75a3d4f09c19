package browser

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// Probe is what opening a live posting's form showed, for
// `applyq-worker probe`: its fields, what would stop an application before
// anything is typed, the invisible checks the page carries, and a
// screenshot. A probe reads only: it types nothing and clicks neither
// submit nor next.
type Probe struct {
	URL string
	// Form is the form as read; nil when something stopped the read.
	Form *domain.DiscoveredForm
	// Stopped says why a person would have to act before applyq could type
	// anything ("" when nothing would stop it).
	Stopped string
	// Widgets are the invisible, score-based checks the page loads: part
	// of the page, never a reason to stop.
	Widgets []string
	// Screenshot is the page as the probe left it (ScreenshotType
	// image/jpeg or image/png).
	Screenshot     []byte
	ScreenshotType string
	Took           time.Duration
}

// Probe opens t's hosted form and reads it, as form discovery does, and
// keeps a screenshot. An error is a failure of the browser or the network;
// what would need a person is Probe.Stopped.
func (a *Applier) Probe(ctx context.Context, t domain.FormTarget) (*Probe, error) {
	pr := &Probe{}
	err := a.withForm(ctx, t, zap.String("read", "probe"), func(s *session, target string) error {
		pr.URL = target
		start := time.Now()
		form, err := s.read(target)
		pr.Form, pr.Took = form, time.Since(start)
		if st, ierr := s.inspect(); ierr == nil {
			pr.Widgets = st.Widgets
		}
		var nu *domain.NeedsUserError
		switch {
		case errors.As(err, &nu):
			pr.Stopped = nu.Why
			for _, e := range nu.Evidence {
				pr.Screenshot, pr.ScreenshotType = e.Data, e.ContentType
			}
			return nil
		case err == nil:
			for _, e := range s.shot("probe") {
				pr.Screenshot, pr.ScreenshotType = e.Data, e.ContentType
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}
