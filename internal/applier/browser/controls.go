package browser

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"go.uber.org/zap"
)

// Controls as live forms draw them, driven with real input events (the
// page's own script decides what a field holds: a value set by script
// into a hidden input commits nothing on a React form), and each checked
// afterwards for what it committed. A value that does not commit stops
// the application for its user, naming the field's label.

// Timings of the controls.
const (
	// optionsWait bounds waiting for a combobox's options (loaded
	// asynchronously, after focus or typing).
	optionsWait = 6 * time.Second
	// uploadWait bounds waiting for a file field to take its file (an
	// upload processed into a chip).
	uploadWait = 20 * time.Second
	// commitWait bounds waiting for a choice to show as committed.
	commitWait = 3 * time.Second
)

// opCtx is a context for one action on the page.
func (s *session) opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, max(min(opWait, time.Until(s.until)), 0))
}

func (s *session) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := s.opCtx()
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// insertText types text into the focused element, as one input.
func insertText(text string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return chromedp.Void{}, err
	}
}

// upload gives the file field of entry i the entry's document, then waits
// until the field holds it: in its input, or — where the page takes the
// file and removes the input — as a chip naming the file.
func (s *session) upload(i int, e *entry) error {
	if e.file == nil {
		return s.needsUser("the form asks for a document at "+e.label+" that the application does not carry", nil)
	}
	path, ok := s.files.path(e.file.DocumentID)
	if !ok {
		return s.needsUser("the form asks for a document at "+e.label+" that the application does not carry", nil)
	}
	sel := chromedp.CSS(fmt.Sprintf(`[data-applyq-file="%d"]`, i))
	if err := s.do(chromedp.SetUploadFiles(sel, []string{path})); err != nil {
		return s.lost(fmt.Errorf("uploading %s: %w", e.file.Filename, err))
	}
	name := uploadName(e.file.Filename)
	until := time.Now().Add(uploadWait)
	for {
		state, err := run[string](&s.tab, "chip", map[string]any{"i": i, "name": name})
		if err != nil && s.ctx.Err() != nil {
			return s.lost(err)
		}
		if state == "held" || state == "chip" {
			return nil
		}
		if time.Now().After(until) || time.Now().After(s.until) {
			return s.needsUser(fmt.Sprintf("the form did not take %s at %q (it shows no file of that name)", e.file.Filename, e.label), nil)
		}
		if err := sleep(s.ctx, poll); err != nil {
			return s.lost(err)
		}
	}
}

// wants are the labels a combobox must show for entry e: each approved
// value's option label (the form lists options by label), or the value
// itself where the question has no options (a place typed in).
func (e *entry) wants() (labels []string, free bool) {
	values := e.Values
	if len(values) == 0 {
		values = []string{e.Value}
	}
	for _, v := range values {
		label := ""
		for _, o := range e.options {
			if o.Value == v || strings.EqualFold(strings.TrimSpace(o.Label), strings.TrimSpace(v)) {
				label = o.Label
				break
			}
		}
		if label == "" && len(e.options) == 0 {
			// A yes/no answer, or a value typed in (a place).
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "yes", "true", "1":
				label = "Yes"
			case "no", "false", "0":
				label = "No"
			default:
				label, free = v, true
			}
		}
		if label == "" {
			label = v
		}
		labels = append(labels, strings.TrimSpace(label))
	}
	return labels, free
}

// comboPick is what page.js "comboOptions" answers.
type comboPick struct {
	Gone    bool     `json:"gone"`
	Options []string `json:"options"`
	Picked  bool     `json:"picked"`
	Busy    bool     `json:"busy"`
	Multi   bool     `json:"multi"`
	Open    bool     `json:"open"` // its list is shown
}

// comboState is what page.js "comboState" answers.
type comboState struct {
	Committed []string `json:"committed"`
	Expanded  bool     `json:"expanded"`
}

// choose picks entry i's answer(s) in its combobox: focus it, type the
// label, wait for the options (loaded asynchronously), click the one that
// is the answer, and, once the box lost focus, check that it shows the
// answer as chosen. Where typing finds nothing, the whole list is opened
// instead (ArrowDown) and looked through.
func (s *session) choose(i int, e *entry) error {
	wants, free := e.wants()
	combo := chromedp.CSS(fmt.Sprintf(`[data-applyq-combo="%d"]`, i))
	for _, want := range wants {
		if err := s.do(chromedp.Click(combo)); err != nil {
			return s.lost(fmt.Errorf("focusing %q: %w", e.label, err))
		}
		if err := s.do(insertText(want)); err != nil {
			return s.lost(fmt.Errorf("typing into %q: %w", e.label, err))
		}
		picked, shown, err := s.waitOption(i, want, free)
		if err != nil {
			return err
		}
		if !picked && !free {
			// The filter found nothing: clear it and look through the
			// whole list.
			_ = s.do(chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent(kb.Backspace), chromedp.KeyEvent(kb.ArrowDown))
			if picked, shown, err = s.waitOption(i, want, false); err != nil {
				return err
			}
		}
		if !picked {
			if len(shown) == 0 {
				return s.needsUser(fmt.Sprintf("the form offered no choices for %q when applyq typed your answer", e.label), nil)
			}
			return s.needsUser(fmt.Sprintf("your answer to %q is not one of the form's choices now (it offers: %s)", e.label, strings.Join(shown, ", ")), nil)
		}
		if err := s.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-applyq-option="%d"]`, i)))); err != nil {
			return s.lost(fmt.Errorf("picking %q: %w", e.label, err))
		}
	}
	// Committed once the box lost focus: the labels it shows.
	until := time.Now().Add(commitWait)
	for {
		st, err := run[*comboState](&s.tab, "comboState", i)
		if err != nil && s.ctx.Err() != nil {
			return s.lost(err)
		}
		if st != nil && !st.Expanded && committed(st.Committed, wants, free) {
			return nil
		}
		if time.Now().After(until) {
			var shows []string
			if st != nil {
				shows = st.Committed
			}
			s.log.Info("a choice did not commit", zap.String("field", e.label), zap.Strings("shows", shows))
			return s.needsUser(fmt.Sprintf("the form did not keep your answer to %q", e.label), nil)
		}
		if err := sleep(s.ctx, poll); err != nil {
			return s.lost(err)
		}
	}
}

// waitOption waits for the option that is want among the combobox's
// options and marks it; loose (a place typed in) takes the one option
// that contains every word typed.
func (s *session) waitOption(i int, want string, loose bool) (bool, []string, error) {
	until := time.Now().Add(optionsWait)
	var last comboPick
	for {
		if err := sleep(s.ctx, poll); err != nil {
			return false, nil, s.lost(err)
		}
		p, err := run[comboPick](&s.tab, "comboOptions", map[string]any{"i": i, "want": []string{want}, "loose": loose})
		if err != nil && s.ctx.Err() != nil {
			return false, nil, s.lost(err)
		}
		if err == nil {
			last = p
			if p.Picked {
				return true, p.Options, nil
			}
		}
		// Options shown, none the answer, nothing loading: no need to wait
		// out the whole time.
		if len(last.Options) > 0 && !last.Busy && time.Until(until) < optionsWait/2 {
			return false, last.Options, nil
		}
		if time.Now().After(until) || time.Now().After(s.until) {
			return false, last.Options, nil
		}
	}
}

// committed reports whether shown holds every wanted label.
func committed(shown, wants []string, free bool) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	for _, w := range wants {
		ok := false
		for _, sh := range shown {
			if norm(sh) == norm(w) || (free && strings.Contains(norm(sh), norm(w))) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// press clicks the choice button of entry i's answer, and checks that the
// field shows it pressed.
func (s *session) press(i int, e *entry) error {
	if err := s.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-applyq-choice="%d"]`, i)))); err != nil {
		return s.lost(fmt.Errorf("pressing %q: %w", e.label, err))
	}
	until := time.Now().Add(commitWait)
	for {
		ok, err := run[bool](&s.tab, "pressed", i)
		if err != nil && s.ctx.Err() != nil {
			return s.lost(err)
		}
		if ok {
			return nil
		}
		if time.Now().After(until) {
			return s.needsUser(fmt.Sprintf("the form did not keep your answer to %q", e.label), nil)
		}
		if err := sleep(s.ctx, poll); err != nil {
			return s.lost(err)
		}
	}
}
