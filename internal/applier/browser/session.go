package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/failpoint"
)

//go:embed page.js
var pageJS string

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
	// settle is how long after the click a page that sent nothing is
	// taken to have refused to send (its own validation).
	settle = time.Second
	// maxSteps bounds a multi-step form.
	maxSteps = 8
	// opWait bounds one look at (or one fill of) the page.
	opWait = 5 * time.Second
	// evidenceWait bounds taking a screenshot.
	evidenceWait = 10 * time.Second
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
	file     *domain.FormFile
	done     bool
}

// session is one application in one incognito tab.
type session struct {
	ctx    context.Context // the tab, ended by the application's deadline
	cancel context.CancelFunc
	pl     platform
	p      *domain.Packet
	files  *localFiles
	log    *zap.Logger
	cfg    string // the page script's conventions, JSON

	entries []*entry
	// until is when waiting gives up: before the deadline, so that what
	// the page shows then can still be kept.
	until   time.Time
	clicked bool // the submit button was clicked: the point of no return
	broken  bool // the browser failed or the deadline passed: do not reuse it

	mu        sync.Mutex
	requests  map[network.RequestID]bool // requests that send data, made after the click
	answered  map[network.RequestID]bool // those that got an answer or failed
	sent      int
	statuses  []int64 // their answers' statuses
	documents []int64 // statuses of pages loaded after the click
	failed    string  // why one of them failed on its way
}

func newSession(ctx context.Context, b *proc, pl platform, p *domain.Packet, files *localFiles, log *zap.Logger) *session {
	tab, closeTab := chromedp.NewContext(b.browser, chromedp.WithNewBrowserContext())
	tctx, cancel := context.WithCancel(tab)
	if d, ok := ctx.Deadline(); ok {
		tctx, cancel = context.WithDeadline(tab, d)
	}
	stop := context.AfterFunc(ctx, cancel)
	cfg, _ := json.Marshal(map[string]any{
		"form": pl.Form, "submit": pl.Submit, "next": pl.Next, "confirmation": pl.Confirmation, "confirmationPaths": pl.ConfirmationPaths,
		"errors": pl.Errors, "commonErrors": common.Errors, "captcha": common.Captcha, "login": common.Login, "loginTexts": common.LoginTexts,
		"confirmationTexts": common.ConfirmationTexts, "tooManyTexts": common.TooManyTexts, "nextTexts": common.NextTexts,
	})
	s := &session{ctx: tctx, pl: pl, p: p, files: files, log: log.With(zap.Stringer("task_id", p.TaskID), zap.String("platform", string(p.Platform))),
		cfg: string(cfg), requests: map[network.RequestID]bool{}, answered: map[network.RequestID]bool{}}
	s.cancel = func() { stop(); cancel(); closeTab() }
	s.until = time.Now().Add(time.Hour)
	if d, ok := ctx.Deadline(); ok {
		s.until = d.Add(-min(max(time.Until(d)/10, 3*time.Second), evidenceWait))
	}
	s.entries = entries(pl, p)
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
			e := &entry{Names: []string{f.Field}, Value: f.Value, Values: f.Values, label: f.Label, required: f.Required, file: f.File}
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

// page is what the page script's "inspect" sees.
type page struct {
	URL       string   `json:"url"`
	Ready     bool     `json:"ready"`
	Captcha   bool     `json:"captcha"`
	Login     bool     `json:"login"`
	Form      bool     `json:"form"`
	Submit    bool     `json:"submit"`
	Next      bool     `json:"next"`
	Confirmed bool     `json:"confirmed"`
	TooMany   bool     `json:"tooMany"`
	Messages  []string `json:"messages"`
	Invalid   []string `json:"invalid"`
	Step      string   `json:"step"`
}

// run evaluates the page script's op. A page that is navigating does not
// answer until it loaded: one evaluation waits at most opWait, and never
// past s.until.
func run[T any](s *session, op string, arg any) (T, error) {
	a, _ := json.Marshal(arg)
	ctx, cancel := context.WithTimeout(s.ctx, max(min(opWait, time.Until(s.until)), 0))
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](pageJS+"("+s.cfg+","+jsonString(op)+","+string(a)+")"))
}

func jsonString(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *session) inspect() (page, error) { return run[page](s, "inspect", nil) }

// apply fills the form at target and submits it.
func (s *session) apply(target string) (domain.ApplyResult, error) {
	if err := chromedp.Listen(s.ctx, s.observe); err != nil {
		s.broken = true
		return domain.ApplyResult{}, fmt.Errorf("browser: opening a tab: %w", err)
	}
	resp, err := chromedp.Run(s.ctx, chromedp.NavigateResponse(target))
	if err != nil {
		s.broken = s.ctx.Err() != nil
		return domain.ApplyResult{}, fmt.Errorf("browser: opening the form %s: %w", target, err)
	}
	switch {
	case resp != nil && resp.Status == 404, resp != nil && resp.Status == 410:
		return domain.ApplyResult{}, s.needsUser("the posting's form is gone (the page answered "+fmt.Sprint(resp.Status)+"): it may have closed", nil)
	case resp != nil && resp.Status == 429:
		return domain.ApplyResult{}, fmt.Errorf("browser: %s answered 429 (too many requests) before anything was filled: %w: %w", s.p.Platform, domain.ErrThrottled, domain.ErrNotSent)
	case resp != nil && resp.Status >= 400:
		return domain.ApplyResult{}, fmt.Errorf("browser: the form %s answered %d: %w", target, resp.Status, domain.ErrNotSent)
	}
	if err := s.fillSteps(); err != nil {
		return domain.ApplyResult{}, err
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
	s.click()
	s.log.Info("submitting the form", zap.String("url", target))
	if _, err := chromedp.Run(s.ctx, chromedp.Click(chromedp.CSS(`[data-applyq-click="submit"]`))); err != nil {
		s.broken = true
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: filled,
			Err: fmt.Errorf("browser: outcome unknown: the submit click failed midway: %w", err)}
	}
	failpoint.Hit(failpoint.AfterSubmitClick)
	return s.outcome(filled, before)
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
		missing, err := run[[]struct{ Name, Label string }](s, "missing", nil)
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
func (s *session) waitForm() (page, error) {
	until := time.Now().Add(formWait)
	for {
		st, err := s.inspect()
		if err != nil && s.ctx.Err() != nil {
			return st, s.lost(err)
		}
		switch {
		case err != nil:
		case st.Captcha:
			return st, s.needsUser("the form has a CAPTCHA: applyq never solves one — apply by hand", nil)
		case st.Login:
			return st, s.needsUser("the form asks you to sign in: applyq never signs in as you — apply by hand", nil)
		case st.TooMany:
			return st, fmt.Errorf("browser: %s refuses more applications for now: %w: %w", s.p.Platform, domain.ErrThrottled, domain.ErrNotSent)
		case st.Form && st.Ready && (st.Submit || st.Next):
			return st, nil
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
	statuses, err := run[[]string](s, "fill", s.entries)
	if err != nil {
		return s.lost(err)
	}
	for i, status := range statuses {
		e := s.entries[i]
		switch status {
		case "filled":
			e.done = true
		case "file":
			if e.file == nil {
				return s.needsUser("the form asks for a document at "+e.label+" that the application does not carry", nil)
			}
			path, ok := s.files.path(e.file.DocumentID)
			if !ok {
				return s.needsUser("the form asks for a document at "+e.label+" that the application does not carry", nil)
			}
			sel := chromedp.CSS(fmt.Sprintf(`[data-applyq-file="%d"]`, i))
			if _, err := chromedp.Run(s.ctx, chromedp.SetUploadFiles(sel, []string{path})); err != nil {
				return s.lost(fmt.Errorf("uploading %s: %w", e.file.Filename, err))
			}
			e.done = true
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
func (s *session) nextStep(before page) (page, error) {
	if err := s.mark("next"); err != nil {
		return before, err
	}
	if _, err := chromedp.Run(s.ctx, chromedp.Click(chromedp.CSS(`[data-applyq-click="next"]`))); err != nil {
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
		case st.Captcha:
			return st, s.needsUser("the form shows a CAPTCHA: applyq never solves one — apply by hand", nil)
		case len(st.Messages) > 0 || len(st.Invalid) > 0:
			return st, s.needsUser("the form refused a step", append(st.Messages, st.Invalid...))
		case st.Step != before.Step && (st.Submit || st.Next):
			return st, nil
		}
		if time.Now().After(until) || time.Now().After(s.until) {
			return st, s.needsUser("the form did not go on to its next step", nil)
		}
	}
}

// mark marks the button to click ("submit" or "next").
func (s *session) mark(which string) error {
	ok, err := run[bool](s, "mark", which)
	if err != nil {
		return s.lost(err)
	}
	if !ok {
		return s.needsUser("applyq could not find the form's "+which+" button", nil)
	}
	return nil
}

// outcome waits for the platform's answer to the submission. Only a
// recognised answer settles it; "needs the user" is said only when the
// form shows errors it did not show before the click and no request of
// the submission is still on its way — nothing was taken.
func (s *session) outcome(filled []domain.Evidence, before page) (domain.ApplyResult, error) {
	unknown := func(why string) (domain.ApplyResult, error) {
		if time.Now().After(s.until) {
			// Out of time with a page still loading: stop it, so the
			// screenshot shows what the browser had instead of waiting
			// for the platform.
			stopCtx, cancel := context.WithTimeout(s.ctx, time.Second)
			_, _ = chromedp.Run(stopCtx, chromedp.Stop())
			cancel()
		}
		ev := append(filled, s.shot(domain.EvidenceAfterSubmit)...)
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: ev, Err: fmt.Errorf("browser: outcome unknown: %s", why)}
	}
	shownBefore := map[string]bool{}
	for _, m := range append(before.Messages, before.Invalid...) {
		shownBefore[m] = true
	}
	clickedAt := time.Now()
	for {
		if err := sleep(s.ctx, poll); err != nil {
			s.broken = true
			return unknown("the application's deadline passed (" + err.Error() + ")")
		}
		if time.Now().After(s.until) {
			s.broken = true // the page may still be loading: not reused
			return unknown("no answer applyq recognises came before the application's deadline")
		}
		n := s.network()
		if bad := firstAtLeast(n.statuses, n.documents, 500); bad != 0 {
			return unknown(fmt.Sprintf("the platform answered %d to the submission", bad))
		}
		if n.failed != "" {
			return unknown("the submission's request failed on its way (" + n.failed + "): it may have reached the platform")
		}
		st, err := s.inspect()
		if err != nil {
			if s.ctx.Err() != nil || s.crashed() {
				s.broken = true
				return unknown("the browser ended after the submit click: " + err.Error())
			}
			continue // the page is changing
		}
		var shown []string
		for _, m := range append(st.Messages, st.Invalid...) {
			if !shownBefore[m] {
				shown = append(shown, m)
			}
		}
		// Nothing sent and the page had time to send it; or every request
		// sent has its answer.
		settled := (n.sent == 0 && time.Since(clickedAt) > settle) || (n.sent > 0 && n.pending == 0)
		switch {
		case st.Confirmed:
			return domain.ApplyResult{Reference: st.URL, Evidence: append(filled, s.shot(domain.EvidenceConfirmation)...)}, nil
		case contains(n.statuses, 429) || contains(n.documents, 429) || (st.TooMany && settled):
			return domain.ApplyResult{}, &domain.EvidenceError{Evidence: s.shot(domain.EvidenceAfterSubmit),
				Err: fmt.Errorf("browser: %s refused the submission as too many for now: %w: %w", s.p.Platform, domain.ErrThrottled, domain.ErrNotSent)}
		case st.Form && len(shown) > 0 && settled:
			return domain.ApplyResult{}, s.needsUser("the form refused the application", shown)
		case st.Form && st.Captcha && !before.Captcha && n.sent == 0 && time.Since(clickedAt) > settle:
			return domain.ApplyResult{}, s.needsUser("the form asked for a CAPTCHA when submitted: applyq never solves one — apply by hand", nil)
		}
	}
}

// observe notes the requests that send data after the click, and their
// answers. It runs on the tab's reading goroutine: it only records.
func (s *session) observe(ev any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.clicked {
		return
	}
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Request != nil && ev.Request.Method != "GET" && ev.Request.Method != "HEAD" && ev.Request.Method != "OPTIONS" && !s.requests[ev.RequestID] {
			s.requests[ev.RequestID] = true
			s.sent++
		}
	case *network.EventResponseReceived:
		if ev.Response == nil {
			return
		}
		switch {
		case s.requests[ev.RequestID]:
			s.statuses = append(s.statuses, ev.Response.Status)
			s.answered[ev.RequestID] = true
		case ev.Type == network.ResourceTypeDocument:
			s.documents = append(s.documents, ev.Response.Status)
		}
	case *network.EventLoadingFailed:
		if s.requests[ev.RequestID] && !s.answered[ev.RequestID] {
			s.answered[ev.RequestID] = true
			if s.failed == "" {
				s.failed = ev.ErrorText
			}
		}
	}
}

// traffic is what the network did after the click.
type traffic struct {
	statuses, documents []int64
	sent, pending       int
	failed              string
}

func (s *session) network() traffic {
	s.mu.Lock()
	defer s.mu.Unlock()
	return traffic{statuses: append([]int64(nil), s.statuses...), documents: append([]int64(nil), s.documents...),
		sent: s.sent, pending: s.sent - len(s.answered), failed: s.failed}
}

// wasClicked reports whether the submit button was clicked.
func (s *session) wasClicked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clicked
}

// click marks the point of no return: from here, the requests that send
// data are the submission's.
func (s *session) click() {
	s.mu.Lock()
	s.clicked = true
	s.mu.Unlock()
}

func firstAtLeast(a, b []int64, min int64) int64 {
	for _, v := range append(a, b...) {
		if v >= min {
			return v
		}
	}
	return 0
}

func contains(a []int64, v int64) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// crashed reports whether the tab or its browser is gone.
func (s *session) crashed() bool {
	c := chromedp.FromContext(s.ctx)
	if c == nil || c.Browser == nil {
		return true
	}
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
	if held, err := run[map[string][]string](s, "filledValues", names); err == nil {
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
	u, err := chromedp.Run(s.ctx, chromedp.Location())
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
