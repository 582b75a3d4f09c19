package browser

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// Form discovery: where the board does not publish its form (Lever,
// Ashby) or the hosted form shows fields its API does not list
// (Greenhouse), the browser opens the hosted form when a task is prepared
// and reads every field it shows — label, kind, options, required,
// section — without typing anything: the origin lock holds, nothing is
// filled, no submit or next button is clicked. A combobox's options load
// only once it is opened, so it is clicked open, read and closed. The
// fields become the job's questions (domain.DiscoveredForm), classified
// like published ones, so the user answers what the form asks and
// approves the exact form. A multi-step form is read as its first step
// shows it; what later steps ask that nobody approved stops the
// application before the click, as any unapproved required field does.

// ReadForm implements domain.FormReader.
func (a *Applier) ReadForm(ctx context.Context, t domain.FormTarget) (*domain.DiscoveredForm, error) {
	var form *domain.DiscoveredForm
	err := a.withForm(ctx, t, zap.String("read", "form"), func(s *session, target string) error {
		start := time.Now()
		var err error
		if form, err = s.read(target); err == nil {
			s.log.Info("read the hosted form", zap.Int("fields", len(form.Questions)), zap.Duration("took", time.Since(start)))
		}
		return err
	})
	return form, err
}

// withForm runs read in a session of its own on t's hosted form, with a
// browser of the pool, within the applier's deadline.
func (a *Applier) withForm(ctx context.Context, t domain.FormTarget, what zap.Field, read func(s *session, target string) error) error {
	pl, ok := platforms[t.Platform]
	if !ok {
		return fmt.Errorf("the browser does not read %q forms", t.Platform)
	}
	target, err := pl.formURL(a.o.BaseURLs[t.Platform], &domain.Packet{Platform: t.Platform, Board: t.Board, PlatformPostingID: t.PostingID})
	if err != nil {
		return err
	}
	b, err := a.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("browser: %w", err)
	}
	s := newSession(ctx, b, pl, a.origins(t.Platform), a.o.Log.With(zap.Stringer("task_id", t.TaskID), zap.String("platform", string(t.Platform)), what))
	s.until = time.Now().Add(a.o.Deadline)
	err = read(s, target)
	s.close()
	a.pool.release(b, s.healthy())
	return err
}

// read opens the form and reads its fields.
func (s *session) read(target string) (*domain.DiscoveredForm, error) {
	if err := s.start(target); err != nil {
		return nil, err
	}
	if _, err := s.waitForm(); err != nil {
		return nil, err
	}
	fields, err := run[[]shownField](&s.tab, "discover", nil)
	if err != nil {
		return nil, s.lost(err)
	}
	// Comboboxes show their options only once opened.
	options := map[string]comboRead{}
	for _, f := range fields {
		if f.Kind != "single_select" && f.Kind != "multi_select" && f.Kind != "text" {
			continue
		}
		ok, err := run[bool](&s.tab, "openCombo", f.Field)
		if err != nil || !ok {
			continue
		}
		if err := s.do(chromedp.Click(chromedp.CSS(`[data-applyq-combo="read"]`))); err == nil {
			if r := s.readOptions(); len(r.Options) > 0 {
				options[f.Field] = r
			}
		}
		_, _ = run[bool](&s.tab, "comboClose", nil)
	}
	if len(options) > 0 {
		if fields, err = run[[]shownField](&s.tab, "discover", options); err != nil {
			return nil, s.lost(err)
		}
	}
	if b := s.firstBlocked(); b != "" {
		return nil, s.needsUser("while applyq read the form, the page tried to go to "+origin(b)+", which is not "+string(s.pl.platformName())+"'s own site", nil)
	}
	qs := s.pl.questions(fields)
	if len(qs) == 0 {
		return nil, s.needsUser("applyq found no fields in the application form", nil)
	}
	return &domain.DiscoveredForm{Questions: qs, Hash: domain.FormHash(qs), URL: s.currentURL(), ReadAt: time.Now().UTC()}, nil
}

// comboRead is what a combobox showed once opened.
type comboRead struct {
	Options []string `json:"options"`
	Multi   bool     `json:"multi"`
}

// readOptions reads the options of the combobox marked "read", once they
// came (they load asynchronously).
func (s *session) readOptions() comboRead {
	var last comboPick
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		if sleep(s.ctx, poll) != nil {
			return comboRead{}
		}
		p, err := run[comboPick](&s.tab, "comboOptions", map[string]any{"i": "read", "want": []string{}})
		if err != nil {
			continue
		}
		switch {
		case len(p.Options) > 0 && !p.Busy && len(p.Options) == len(last.Options):
			return comboRead{Options: p.Options, Multi: p.Multi}
		case len(p.Options) == 0 && !p.Busy && time.Since(start) > 700*time.Millisecond && (!p.Open || time.Since(start) > time.Second):
			// No list, or one that shows nothing until something is
			// typed (a place, a school): its options are not a list.
			return comboRead{Multi: p.Multi}
		}
		last = p
	}
	return comboRead{Options: last.Options, Multi: last.Multi}
}

// clip cuts a text from the page to maxLabel bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= maxLabel {
		return s
	}
	s = s[:maxLabel]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// shownField is one field as page.js "discover" reads it.
type shownField struct {
	Field    string                  `json:"field"`
	Label    string                  `json:"label"`
	Kind     domain.QuestionKind     `json:"kind"`
	Required bool                    `json:"required"`
	Options  []domain.QuestionOption `json:"options"`
	Section  string                  `json:"section"`
}

// Bounds on what a read form may hold: page content is not trusted.
const (
	maxFields  = 200
	maxOptions = 300
	maxLabel   = 500
)

// demographicSection matches the headings of the voluntary
// self-identification (EEO) parts of a form.
var demographicSection = regexp.MustCompile(`(?i)self[- ]identification|equal employment|\beeo|demographic|diversity|voluntary`)

// questions are the fields read, as the job's questions: a platform's
// standard field says what it takes (Fills); a field under a
// self-identification heading is demographic; every other is the
// employer's own.
func (pl platform) questions(fields []shownField) []domain.Question {
	var out []domain.Question
	seen := map[string]bool{}
	for _, f := range fields {
		if f.Field == "" || seen[f.Field] || len(f.Field) > maxLabel {
			continue
		}
		if len(out) == maxFields {
			break
		}
		seen[f.Field] = true
		if len(f.Options) > maxOptions {
			f.Options = f.Options[:maxOptions]
		}
		for i := range f.Options {
			f.Options[i].Label, f.Options[i].Value = clip(f.Options[i].Label), clip(f.Options[i].Value)
		}
		q := domain.Question{Field: f.Field, Label: clip(strings.TrimSpace(f.Label)), Kind: f.Kind, Required: f.Required, Options: f.Options, Section: domain.SectionCustom}
		switch q.Kind {
		case domain.QuestionText, domain.QuestionTextarea, domain.QuestionFile, domain.QuestionSingleSelect, domain.QuestionMultiSelect,
			domain.QuestionBoolean, domain.QuestionDate, domain.QuestionNumber:
		default:
			q.Kind = domain.QuestionOther // only the user can fill it
		}
		if q.Label == "" {
			q.Label = f.Field
		}
		for _, st := range pl.Standard {
			for _, n := range st.Names {
				if n == f.Field {
					q.Fills, q.Section = st.Fills, domain.SectionStandard
				}
			}
		}
		if q.Fills == "" && demographicSection.MatchString(f.Section) {
			q.Section = domain.SectionDemographic
		}
		if q.Fills == "location" {
			q.Section = domain.SectionLocation
		}
		out = append(out, q)
	}
	return out
}
