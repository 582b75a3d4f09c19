package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/failpoint"
)

// Timings of one application.
const (
	// formWait bounds how long a form may take to appear (script-built
	// forms render after the page loads).
	formWait = 20 * time.Second
	// stepWait bounds how long a multi-step form may take to show its
	// next step.
	stepWait = 10 * time.Second
	// poll is how often the page is looked at while waiting.
	poll = 150 * time.Millisecond
	// formSettle is how long a form must stay in place before anything is
	// typed into it: a page that sends the browser elsewhere (a board
	// forwarding applicants to a careers site) does so as it loads.
	formSettle = 250 * time.Millisecond
	// maxSteps bounds a multi-step form.
	maxSteps = 8
	// opWait bounds one look at (or one fill of) the page.
	opWait = 5 * time.Second
	// evidenceWait bounds taking a screenshot.
	evidenceWait = 10 * time.Second
	// codeAnswerWait bounds waiting for the platform's answer after the
	// security code was typed and the form submitted again.
	codeAnswerWait = 90 * time.Second
)

// entry is one value the form gets: text, choices, or a document.
type entry struct {
	Names  []string `json:"names"`
	Value  string   `json:"value"`
	Values []string `json:"values,omitempty"`
	Skip   bool     `json:"skip,omitempty"`
	// HasFile says the entry carries a document: only a file input takes
	// it, and a file input takes nothing else.
	HasFile bool `json:"file,omitempty"`

	label    string
	required bool
	options  []domain.QuestionOption
	file     *domain.FormFile
	done     bool
}

// session is one application (or one read of a form) in one tab of its
// own browser context.
type session struct {
	tab
	cancel context.CancelFunc
	pl     platform
	p      *domain.Packet
	files  *localFiles
	log    *zap.Logger
	o      origins
	codes  domain.Codes
	window time.Duration // how long a page waits for a mailed code

	entries []*entry
	// until is when the current phase's waiting gives up: before the
	// application's own deadline, so that what the page shows then can
	// still be kept.
	until  time.Time
	broken bool // the browser failed or the deadline passed: do not reuse it

	mu       sync.Mutex
	clicked  bool // the submit button was clicked: the point of no return
	watching bool // requests are recorded for the current click
	reqs     []*request
	byID     map[network.RequestID]*request
	activity time.Time // the last request of the click made or answered
	blocked  []request // top-level navigations the origin lock blocked
}

func newSession(ctx context.Context, b *proc, pl platform, o origins, log *zap.Logger) *session {
	tabCtx, closeTab := chromedp.NewContext(b.browser, chromedp.WithNewBrowserContext())
	tctx, cancel := context.WithCancel(tabCtx)
	stop := context.AfterFunc(ctx, cancel)
	s := &session{pl: pl, o: o, log: log, byID: map[network.RequestID]*request{}}
	s.tab = tab{ctx: tctx, cfg: pageConfig(pl, o.list), until: func() time.Time { return s.until }}
	s.cancel = func() { stop(); cancel(); closeTab() }
	return s
}

func (s *session) close() {
	if s.ctx.Err() != nil {
		s.broken = true
	}
	s.cancel()
}

// healthy reports whether the browser may fill the next application.
func (s *session) healthy() bool { return !s.broken }

// entries are the values the form gets: the approved form's fields, or,
// for a posting whose board does not publish its form, the platform's
// standard fields from the approved packet.
func entries(pl platform, p *domain.Packet) []*entry {
	var out []*entry
	if p.Form != nil {
		for i := range p.Form.Fields {
			f := &p.Form.Fields[i]
			e := &entry{Names: []string{f.Field}, Value: f.Value, Values: f.Values, label: f.Label, required: f.Required, file: f.File, options: f.Options}
			for _, st := range pl.Standard {
				if st.Names[0] == f.Field {
					e.Names = st.Names
				}
			}
			if alt, ok := pl.TextOf[f.Field]; ok && f.File == nil && !f.Empty() {
				e.Names = append(e.Names, alt) // a file field answered with text
			}
			e.HasFile = f.File != nil
			if f.Empty() {
				e.Skip = true // left blank, as approved
			}
			out = append(out, e)
		}
		return out
	}
	for _, st := range pl.Standard {
		e := &entry{Names: st.Names, label: st.Label}
		switch {
		case st.File != "":
			for i := range p.Documents {
				if p.Documents[i].Kind == string(st.File) {
					e.file = &p.Documents[i]
					break
				}
			}
			e.Skip, e.HasFile = e.file == nil, e.file != nil
		default:
			e.Value = strings.TrimSpace(st.Value(p))
			e.Skip = e.Value == ""
		}
		out = append(out, e)
	}
	return out
}

// start opens target in the tab, the origin lock on and the network
// watched, and answers what stands in the way before the form: the error
// is a *NeedsUserError, wraps ErrNotSent, or is the browser's failure.
func (s *session) start(target string) error {
	if err := chromedp.Listen(s.ctx, s.observe); err != nil {
		s.broken = true
		return fmt.Errorf("browser: opening a tab: %w", err)
	}
	c := chromedp.FromContext(s.ctx)
	main := cdp.FrameID(c.Target.TargetID)
	if err := lockOrigin(s.ctx, s.o, func() cdp.FrameID { return main }, s.block, s.popup); err != nil {
		s.broken = true
		return fmt.Errorf("browser: locking the tab to %s: %w", s.pl.BaseURL, err)
	}
	nctx, cancel := context.WithDeadline(s.ctx, s.until)
	resp, err := chromedp.Run(nctx, chromedp.NavigateResponse(target))
	cancel()
	if b := s.firstBlocked(); b != "" {
		return s.needsUser("the posting's page sent the browser to "+origin(b)+", which is not "+string(s.pl.platformName())+"'s own site: "+
			"applyq applies only there, and typed nothing — apply by hand on that site if you trust it", nil)
	}
	if err != nil {
		s.broken = s.ctx.Err() != nil
		return fmt.Errorf("browser: opening the form %s: %w", target, err)
	}
	switch {
	case resp != nil && (resp.Status == 404 || resp.Status == 410):
		return s.needsUser("the posting's form is gone (the page answered "+fmt.Sprint(resp.Status)+"): it may have closed", nil)
	case resp != nil && resp.Status == 429:
		return fmt.Errorf("browser: %s answered 429 (too many requests) before anything was filled: %w: %w", s.pl.platformName(), domain.ErrThrottled, domain.ErrNotSent)
	case resp != nil && resp.Status >= 400:
		return fmt.Errorf("browser: the form %s answered %d: %w", target, resp.Status, domain.ErrNotSent)
	}
	return nil
}

// apply fills the form at target and submits it.
func (s *session) apply(target string) (domain.ApplyResult, error) {
	if err := s.start(target); err != nil {
		return domain.ApplyResult{}, err
	}
	if err := s.fillSteps(); err != nil {
		return domain.ApplyResult{}, err
	}
	if b := s.firstBlocked(); b != "" {
		return domain.ApplyResult{}, s.needsUser("while applyq filled the form, the page tried to go to "+origin(b)+", which is not "+
			string(s.pl.platformName())+"'s own site: applyq stopped before sending anything", nil)
	}
	filled := s.filledEvidence()
	if err := s.mark("submit"); err != nil {
		return domain.ApplyResult{}, err
	}
	before, err := s.inspect()
	if err != nil {
		return domain.ApplyResult{}, s.lost(err)
	}
	// The point of no return.
	s.log.Info("submitting the form", zap.String("url", target))
	if err := s.click(); err != nil {
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: filled,
			Err: fmt.Errorf("browser: outcome unknown: the submit click failed midway: %w", err)}
	}
	failpoint.Hit(failpoint.AfterSubmitClick)
	v, after := s.await(before)
	if v.Kind == needsCode {
		return s.code(filled, after)
	}
	return s.result(v, filled, after)
}

// click clicks the marked submit button, recording from then on the
// requests the click causes.
func (s *session) click() error {
	s.mu.Lock()
	s.clicked, s.watching = true, true
	s.reqs, s.byID, s.activity = nil, map[network.RequestID]*request{}, time.Now()
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, opWait)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-applyq-click="submit"]`))); err != nil {
		s.broken = true
		return err
	}
	return nil
}

// await watches the page after a submit click until classify settles what
// it came to, and returns that with the last state the page showed.
func (s *session) await(before pageState) (verdict, pageState) {
	clickedAt := time.Now()
	after := before
	gone := ""
	for {
		done := time.Now().After(s.until)
		if err := sleep(s.ctx, poll); err != nil {
			done, gone = true, "the application's deadline passed ("+err.Error()+")"
		}
		if !done {
			st, err := s.inspect()
			switch {
			case err == nil:
				after = st
			case s.ctx.Err() != nil || s.crashed():
				done, gone = true, "the browser ended after the submit click: "+err.Error()
			}
		}
		v := classify(s.observation(before.view(), after.view(), clickedAt, done, gone))
		if v.Kind != pending {
			if done {
				s.broken = true // the page may still be loading: not reused
			}
			s.log.Info("the platform's answer to the submission", zap.String("verdict", v.Kind.String()), zap.String("why", v.Why))
			return v, after
		}
	}
}

func (s *session) observation(before, after view, clickedAt time.Time, done bool, gone string) observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := make([]request, len(s.reqs))
	for i, r := range s.reqs {
		reqs[i] = *r
	}
	return observation{Before: before, After: after, Requests: reqs, Own: s.o.own, RefusesWith200: s.pl.RefusesWith200,
		Elapsed: time.Since(clickedAt), Quiet: time.Since(s.activity), Done: done, Gone: gone}
}

// result turns a settled verdict into the applier's answer.
func (s *session) result(v verdict, filled []domain.Evidence, after pageState) (domain.ApplyResult, error) {
	switch v.Kind {
	case submitted:
		return domain.ApplyResult{Reference: after.URL, Evidence: append(filled, s.shot(domain.EvidenceConfirmation)...)}, nil
	case notSent:
		err := fmt.Errorf("browser: %s: %w", v.Why, domain.ErrNotSent)
		if v.Throttled {
			err = fmt.Errorf("browser: %s: %w: %w", v.Why, domain.ErrThrottled, domain.ErrNotSent)
		}
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: s.shot(domain.EvidenceAfterSubmit), Err: err}
	case needsUser, codeRefused:
		nu := s.needsUser(v.Why, v.Messages).(*domain.NeedsUserError)
		nu.Evidence = append(append([]domain.Evidence(nil), filled...), nu.Evidence...)
		return domain.ApplyResult{}, nu
	}
	if time.Now().After(s.until) {
		// Out of time with a page still loading: stop it, so the
		// screenshot shows what the browser had instead of waiting for
		// the platform.
		stopCtx, cancel := context.WithTimeout(s.ctx, time.Second)
		_ = chromedp.Do(stopCtx, chromedp.Stop())
		cancel()
	}
	ev := append(filled, s.shot(domain.EvidenceAfterSubmit)...)
	return domain.ApplyResult{}, &domain.EvidenceError{Evidence: ev, Err: fmt.Errorf("browser: outcome unknown: %s", v.Why)}
}

// fillSteps fills the form, step by step, and stops before submitting it
// when a person must act.
func (s *session) fillSteps() error {
	st, err := s.waitForm()
	if err != nil {
		return err
	}
	for step := 0; ; step++ {
		if step == maxSteps {
			return s.needsUser(fmt.Sprintf("the form has more than %d steps: applyq does not recognise it", maxSteps), nil)
		}
		if err := s.fillShown(); err != nil {
			return err
		}
		missing, err := run[[]struct{ Name, Label string }](&s.tab, "missing", nil)
		if err != nil {
			return s.lost(err)
		}
		if len(missing) > 0 {
			var labels []string
			for _, m := range missing {
				labels = append(labels, m.Label)
			}
			return s.needsUser("the form asks for something you have not answered or approved: "+strings.Join(labels, "; "), nil)
		}
		if st.Submit {
			break
		}
		if !st.Next {
			return s.needsUser("applyq could not find the form's submit button", nil)
		}
		if st, err = s.nextStep(st); err != nil {
			return err
		}
	}
	var unplaced []string
	for _, e := range s.entries {
		if !e.Skip && !e.done && e.required {
			unplaced = append(unplaced, e.label)
		}
	}
	if len(unplaced) > 0 {
		return s.needsUser("the form no longer asks what you approved (it changed since): "+strings.Join(unplaced, "; "), nil)
	}
	return nil
}

// waitForm waits for the form (or for what stands in its way).
func (s *session) waitForm() (pageState, error) {
	until := time.Now().Add(formWait)
	applied := false
	var readySince time.Time
	for {
		st, err := s.inspect()
		if err != nil && s.ctx.Err() != nil {
			return st, s.lost(err)
		}
		if b := s.firstBlocked(); b != "" {
			return st, s.needsUser("the posting's page sent the browser to "+origin(b)+", which is not "+string(s.pl.platformName())+
				"'s own site: applyq applies only there, and typed nothing — apply by hand on that site if you trust it", nil)
		}
		if err != nil || !(st.Form && st.Ready) {
			readySince = time.Time{}
		}
		switch {
		case err != nil:
		case st.Challenge != "":
			return st, s.needsUser("the form poses a CAPTCHA challenge ("+st.Challenge+"): applyq never solves one — apply by hand", nil)
		case st.Login:
			return st, s.needsUser("the form asks you to sign in: applyq never signs in as you — apply by hand", nil)
		case st.TooMany:
			return st, fmt.Errorf("browser: %s refuses more applications for now: %w: %w", s.pl.platformName(), domain.ErrThrottled, domain.ErrNotSent)
		case st.Form && st.Ready && (st.Submit || st.Next):
			if !readySince.IsZero() && time.Since(readySince) >= formSettle {
				return st, nil
			}
			if readySince.IsZero() {
				readySince = time.Now()
			}
			if err := sleep(s.ctx, formSettle); err != nil {
				return st, s.lost(err)
			}
			continue
		case !st.Form && st.Apply && !applied:
			// An "Apply" button brings the form (on the same page, or a
			// page of the same site: the origin lock holds either way).
			applied = true
			if err := s.mark("apply"); err == nil {
				ctx, cancel := context.WithTimeout(s.ctx, opWait)
				_ = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-applyq-click="apply"]`)))
				cancel()
			}
		}
		if time.Now().After(until) || time.Now().After(s.until) {
			return st, s.needsUser("applyq could not find the application form on the page", nil)
		}
		if err := sleep(s.ctx, poll); err != nil {
			return st, s.lost(err)
		}
	}
}

// fillShown fills the entries whose fields the current step shows.
func (s *session) fillShown() error {
	statuses, err := run[[]string](&s.tab, "fill", s.entries)
	if err != nil {
		return s.lost(err)
	}
	for i, status := range statuses {
		e := s.entries[i]
		switch status {
		case "filled":
			e.done = true
		case "file":
			if err := s.upload(i, e); err != nil {
				return err
			}
			e.done = true
		case "combobox":
			if err := s.choose(i, e); err != nil {
				return err
			}
			e.done = true
		case "buttons":
			if err := s.press(i, e); err != nil {
				return err
			}
			e.done = true
		case "foreign":
			return s.needsUser("the page is not on "+string(s.pl.platformName())+"'s own site: applyq typed nothing there", nil)
		case "not_an_option":
			return s.needsUser(fmt.Sprintf("your answer to %q is not one of the form's choices now", e.label), nil)
		case "needs_file":
			if e.file == nil && !e.required {
				// An optional letter as text where the form takes only a
				// file: left out rather than sent another way.
				s.log.Info("left out: the form takes it only as a file", zap.String("field", e.label))
				e.Skip = true
				continue
			}
			if e.file == nil {
				return s.needsUser(fmt.Sprintf("the form takes %q only as a file: upload a document for it", e.label), nil)
			}
			return s.needsUser(fmt.Sprintf("the form takes %q as text, not as the document you approved", e.label), nil)
		}
		if e.done {
			e.Skip = true // filled once: later steps leave it alone
		}
	}
	return nil
}

// nextStep clicks a multi-step form's next button and waits for the next
// step.
func (s *session) nextStep(before pageState) (pageState, error) {
	if err := s.mark("next"); err != nil {
		return before, err
	}
	ctx, cancel := context.WithTimeout(s.ctx, opWait)
	err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-applyq-click="next"]`)))
	cancel()
	if err != nil {
		return before, s.lost(err)
	}
	until := time.Now().Add(stepWait)
	for {
		if err := sleep(s.ctx, poll); err != nil {
			return before, s.lost(err)
		}
		st, err := s.inspect()
		switch {
		case err != nil:
		case st.Challenge != "":
			return st, s.needsUser("the form poses a CAPTCHA challenge ("+st.Challenge+"): applyq never solves one — apply by hand", nil)
		case len(newIn(before.Messages, st.Messages)) > 0:
			return st, s.needsUser("the form refused a step", newIn(before.Messages, st.Messages))
		case st.Step != before.Step && (st.Submit || st.Next):
			return st, nil
		}
		if time.Now().After(until) || time.Now().After(s.until) {
			return st, s.needsUser("the form did not go on to its next step", nil)
		}
	}
}

// mark marks the button to click ("submit", "next" or "apply").
func (s *session) mark(which string) error {
	ok, err := run[bool](&s.tab, "mark", which)
	if err != nil {
		return s.lost(err)
	}
	if !ok {
		return s.needsUser("applyq could not find the form's "+which+" button", nil)
	}
	return nil
}

// observe notes the requests a click causes that send data, and their
// answers. It runs on the tab's reading goroutine: it only records.
func (s *session) observe(ev any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.watching {
		return
	}
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if r, ok := s.byID[ev.RequestID]; ok {
			// The same request redirected: its first answer was the
			// redirect (a form post answered 303).
			if ev.RedirectResponse != nil && r.Status == 0 {
				r.Status = ev.RedirectResponse.Status
			}
			s.activity = time.Now()
			return
		}
		if ev.Request == nil {
			return
		}
		s.activity = time.Now()
		if m := ev.Request.Method; m == "GET" || m == "HEAD" || m == "OPTIONS" {
			return
		}
		r := &request{ID: string(ev.RequestID), Method: ev.Request.Method, URL: ev.Request.URL,
			Document: ev.Type == network.ResourceTypeDocument, Ping: ev.Type == network.ResourceTypePing || ev.Type == network.ResourceTypeCSPViolationReport}
		s.byID[ev.RequestID] = r
		s.reqs = append(s.reqs, r)
	case *network.EventResponseReceived:
		if r, ok := s.byID[ev.RequestID]; ok && r.Status == 0 && ev.Response != nil {
			r.Status = ev.Response.Status
		}
		s.activity = time.Now()
	case *network.EventLoadingFailed:
		if r, ok := s.byID[ev.RequestID]; ok && r.Status == 0 && r.Failed == "" && !r.Blocked {
			if strings.Contains(ev.ErrorText, "ERR_BLOCKED_BY_CLIENT") {
				r.Blocked = true
			} else {
				r.Failed = ev.ErrorText
			}
		}
		s.activity = time.Now()
	}
}

// block records a top-level navigation the origin lock blocked.
func (s *session) block(method, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := request{Method: method, URL: url, Document: true, Blocked: true}
	s.blocked = append(s.blocked, r)
	if s.watching {
		s.reqs = append(s.reqs, &r)
		s.activity = time.Now()
	}
}

// popup records a window the page opened (and the lock closed): after a
// click, what went into it is not known, so the click can no longer be
// proved to have sent nothing.
func (s *session) popup(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Info("closed a window the page opened", zap.String("url", url))
	if s.watching {
		s.reqs = append(s.reqs, &request{Method: "WINDOW", URL: url, Document: true, Failed: "the page opened a new window, which applyq closed"})
		s.activity = time.Now()
	}
}

// firstBlocked is the first address the origin lock kept the page from.
func (s *session) firstBlocked() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.blocked) == 0 {
		return ""
	}
	return s.blocked[0].URL
}

// wasClicked reports whether the submit button was clicked.
func (s *session) wasClicked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clicked
}

// crashed reports whether the tab or its browser is gone.
func (s *session) crashed() bool {
	ch, err := chromedp.Detached(s.ctx)
	if err != nil {
		return true
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// needsUser is a NeedsUserError with a screenshot of the page.
func (s *session) needsUser(why string, messages []string) error {
	s.log.Info("the form needs its user", zap.String("why", why), zap.Strings("messages", messages))
	return &domain.NeedsUserError{Why: why, Messages: messages, Evidence: s.shot(domain.EvidenceNeedsUser)}
}

// lost is a failure of the browser itself before the click.
func (s *session) lost(err error) error {
	if s.ctx.Err() != nil || s.crashed() {
		s.broken = true
	}
	return fmt.Errorf("browser: %w", err)
}

// shot is a screenshot of the page as evidence of kind, or nothing when
// the browser cannot take one (it is gone).
func (s *session) shot(kind string) []domain.Evidence {
	ctx := s.ctx
	if ctx.Err() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, evidenceWait)
	defer cancel()
	// A page in the middle of a navigation is briefly not there to take
	// ("Not attached to an active page"): look again a moment later.
	var err error
	for {
		var buf []byte
		if buf, err = chromedp.Run(ctx, chromedp.FullScreenshot(85)); err == nil && len(buf) > 0 {
			return []domain.Evidence{{Kind: kind, ContentType: "image/jpeg", Data: buf}}
		}
		// A page without a layout yet has no full size ("0 width"): what
		// the window shows will do.
		if buf, err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil && len(buf) > 0 {
			return []domain.Evidence{{Kind: kind, ContentType: "image/png", Data: buf}}
		}
		if s.crashed() || sleep(ctx, 200*time.Millisecond) != nil {
			break // a browser that is gone takes none
		}
	}
	s.log.Warn("no screenshot", zap.String("kind", kind), zap.Error(err))
	return nil
}

// filledEvidence is the form as filled, just before the click: its
// screenshot, and what each field holds.
func (s *session) filledEvidence() []domain.Evidence {
	var names []string
	for _, e := range s.entries {
		if e.done {
			names = append(names, e.Names...)
		}
	}
	type field struct {
		Field  string   `json:"field"`
		Label  string   `json:"label,omitempty"`
		Values []string `json:"values"`
	}
	var fields []field
	if held, err := run[map[string][]string](&s.tab, "filledValues", names); err == nil {
		for _, e := range s.entries {
			for _, n := range e.Names {
				if v, ok := held[n]; ok && e.done {
					fields = append(fields, field{Field: n, Label: e.label, Values: v})
					break
				}
			}
		}
	}
	doc, _ := json.MarshalIndent(map[string]any{"url": s.currentURL(), "fields": fields}, "", "  ")
	return append(s.shot(domain.EvidenceFilledForm), domain.Evidence{Kind: domain.EvidenceFilledForm, ContentType: "application/json", Data: doc})
}

func (s *session) currentURL() string {
	ctx, cancel := context.WithTimeout(s.ctx, opWait)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return u
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// errNoCodes: a worker that cannot ask its user for a mailed code.
var errNoCodes = errors.New("this worker cannot ask for a mailed security code")
