package replica

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/proctest"
)

// browserFor starts a headless Chromium for one test (skipped where there
// is none) and returns its context.
func browserFor(t *testing.T) context.Context {
	t.Helper()
	chromiumPath := proctest.Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Do(browserCtx, chromedp.Navigate("about:blank")))
	return browserCtx
}

// tabFor is a new tab of browser, bounded to 25 s.
func tabFor(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	ctx, cancelT := context.WithTimeout(ctx, 25*time.Second)
	t.Cleanup(cancelT)
	return ctx
}

// do runs actions and fails the test on an error.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// eval evaluates expr in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// waitTrue polls expr until it is truthy (10 s at most).
func waitTrue(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, expr)
}

// waitURL waits until the tab is at want and loaded.
func waitURL(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	require.Eventually(t, func() bool {
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.href : ''`))
		return err == nil && href == want
	}, 10*time.Second, 50*time.Millisecond, "never reached %s", want)
}

// pressEnter presses Enter as a keyboard does: one keyDown that carries
// its text, so a page that prevents the keydown also prevents the
// character. (chromedp.KeyEvent(kb.Enter) sends the char as an event of
// its own, which the page's preventDefault on keydown does not cancel:
// Chrome then submits the form the focused input is in.)
func pressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, p := range []input.DispatchKeyEventParams{
			{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r"},
			{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13},
		} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeResume writes a résumé file and returns its path and bytes.
func writeResume(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "resume.pdf")
	data := []byte("%PDF-1.4 live replica resume")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path, data
}

// uploadGreenhouse chooses path in the Live Greenhouse #id input and waits
// for the chip; it checks the progress indicator showed and the input went.
func uploadGreenhouse(t *testing.T, ctx context.Context, id, path string) {
	t.Helper()
	eval[bool](t, ctx, `window.__progress = false; new MutationObserver(function () {
		if (document.querySelector('[data-dropzone] [role=progressbar]')) window.__progress = true;
	}).observe(document.body, {subtree: true, childList: true}); true`)
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#"+id), []string{path}))
	waitTrue(t, ctx, `document.querySelector('[data-file-chip="`+id+`"] .file-upload__filename') &&
		document.querySelector('[data-file-chip="`+id+`"] .file-upload__filename').textContent === '`+filepath.Base(path)+`'`)
	require.True(t, eval[bool](t, ctx, `window.__progress`), "a progress indicator showed")
	require.False(t, eval[bool](t, ctx, `!!document.getElementById('`+id+`')`), "the file input is gone from the DOM")
}

func fillGreenhouseNames(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#first_name"), "Ada"),
		chromedp.SendKeys(chromedp.CSS("#last_name"), "Lovelace"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
	)
}

// TestLiveGreenhouseComboboxes: a choice set by script (hidden input, the
// combobox's value) is not submitted; one picked with real clicks or typed
// and committed with Enter is; the résumé chip replaces the file input and
// the file's bytes arrive; Apply scrolls to the form.
func TestLiveGreenhouseComboboxes(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	ctx := tabFor(t, browser)
	resume, resumeBytes := writeResume(t)
	job := Job{Board: "acme", ID: "4012345", Title: "Backend Engineer", Questions: []Question{
		{ID: "31", Label: "Which office?", Kind: KindSingleSelect, Options: []Option{{"Berlin", "311"}, {"Lisbon", "312"}}},
		{ID: "32", Label: "Are you authorised to work in the EU?", Kind: KindBoolean, Required: true},
		{ID: "33", Label: "Which languages do you write?", Kind: KindMultiSelect, Options: []Option{{"Go", "331"}, {"SQL", "332"}, {"Rust", "333"}}},
	}}
	s := New(domain.PlatformGreenhouse, job, Variant{Live: true})
	defer s.Close()

	do(t, ctx, chromedp.Navigate(s.FormURL()), chromedp.WaitReady(chromedp.CSS("#first_name")))
	require.Zero(t, eval[int](t, ctx, `window.scrollY`))
	do(t, ctx, chromedp.Click(chromedp.CSS("[data-apply]")))
	waitTrue(t, ctx, `window.scrollY > 200`)

	fillGreenhouseNames(t, ctx)
	uploadGreenhouse(t, ctx, "resume", resume)

	// Set by script: nothing commits.
	eval[bool](t, ctx, `document.querySelector('input[type=hidden][name=question_31]').value = '311';
		document.getElementById('question_31').value = 'Berlin';
		document.querySelector('input[type=hidden][name=question_32]').value = '1';
		document.getElementById('question_32').value = 'Yes'; true`)
	do(t, ctx, chromedp.Click(chromedp.CSS("#application-form button[type=submit]")))
	waitTrue(t, ctx, `document.querySelector('[data-field="question_32"] [role=alert]')`)
	require.Equal(t, RequiredMessage, eval[string](t, ctx, `document.querySelector('[data-field="question_32"] [role=alert]').textContent`))
	require.Empty(t, s.Submissions(), "the required yes/no set by script did not commit, so nothing was sent")

	// Picked with real clicks.
	do(t, ctx, chromedp.Click(chromedp.CSS("#question_32")))
	require.Equal(t, "true", eval[string](t, ctx, `document.getElementById('question_32').getAttribute('aria-expanded')`))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#react-select-question_32-option-0")))
	require.Equal(t, "react-select-question_32-listbox", eval[string](t, ctx, `document.getElementById('question_32').getAttribute('aria-controls')`))
	do(t, ctx, chromedp.Click(chromedp.CSS("#react-select-question_32-option-0")))
	waitTrue(t, ctx, `document.querySelector('[data-field="question_32"] .select__container .select__single-value, [data-field="question_32"] .select__single-value')`)
	require.Equal(t, "Yes", eval[string](t, ctx, `document.querySelector('[data-field="question_32"] .select__single-value').textContent`))
	require.Equal(t, "", eval[string](t, ctx, `document.getElementById('question_32').value`), "the input is cleared after the pick")

	// Typed, then Enter on the highlighted option (a multi select: a chip).
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#question_33"), "ru"),
		chromedp.WaitVisible(chromedp.CSS("#react-select-question_33-option-2")))
	require.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#react-select-question_33-listbox [role=option]').length`), "filtered by the typed text")
	do(t, ctx, pressEnter(), chromedp.Sleep(200*time.Millisecond))
	waitTrue(t, ctx, `document.querySelector('[data-field="question_33[]"] .select__multi-value__label')`)
	require.Empty(t, s.Submissions(), "Enter on the open menu picks the option and submits nothing")
	require.Equal(t, "Rust", eval[string](t, ctx, `document.querySelector('[data-field="question_33[]"] .select__multi-value__label').textContent`))

	// The location autocomplete: options only after two characters.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#candidate-location"), "l"), chromedp.Sleep(500*time.Millisecond))
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#react-select-candidate-location-listbox [role=option]').length`))
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#candidate-location"), "is"),
		chromedp.WaitVisible(chromedp.CSS("#react-select-candidate-location-option-0")),
		chromedp.Click(chromedp.CSS("#react-select-candidate-location-option-0")))
	waitTrue(t, ctx, `document.querySelector('[data-field="location"] .select__single-value')`)
	require.Equal(t, "replica-place-lisbon", eval[string](t, ctx, `document.querySelector('input[type=hidden][name=location_place_id]').value`))

	do(t, ctx, chromedp.Click(chromedp.CSS("#application-form button[type=submit]")))
	waitURL(t, ctx, s.ConfirmationURL())

	subs := s.Submissions()
	require.Len(t, subs, 1)
	require.True(t, subs[0].Accepted)
	f := subs[0].Fields
	require.Equal(t, []string{"1"}, f["question_32"])
	require.Equal(t, []string{"333"}, f["question_33[]"])
	require.NotContains(t, f, "question_31", "the choice set by script was not submitted")
	require.Equal(t, []string{"Lisbon, Lisbon, Portugal"}, f["location"])
	require.Equal(t, []string{"replica-place-lisbon"}, f["location_place_id"])
	require.Equal(t, []string{s.CaptchaToken()}, f["g-recaptcha-response"], "the invisible reCAPTCHA's token, filled on submit")
	require.Len(t, subs[0].Files["resume"], 1)
	require.Equal(t, "resume.pdf", subs[0].Files["resume"][0].Filename)
	require.Equal(t, resumeBytes, subs[0].Files["resume"][0].Data)
}

// TestLiveGreenhouseSecurityCode: the first submission gets the email-code
// step and a mailed code; a wrong code is refused and keeps the step; the
// pasted right code is accepted once and the confirmation shows; then the
// page's beacon is answered 429.
func TestLiveGreenhouseSecurityCode(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	ctx := tabFor(t, browser)
	resume, _ := writeResume(t)
	s := New(domain.PlatformGreenhouse, Job{Board: "acme", ID: "77"}, Variant{Live: true, SecurityCode: true, BeaconAfterSubmit: true})
	defer s.Close()

	do(t, ctx, chromedp.Navigate(s.FormURL()), chromedp.WaitReady(chromedp.CSS("#first_name")))
	fillGreenhouseNames(t, ctx)
	uploadGreenhouse(t, ctx, "resume", resume)
	submit := chromedp.Click(chromedp.CSS("#application-form button[type=submit]"))
	do(t, ctx, submit, chromedp.WaitVisible(chromedp.CSS("#security-input-0")))
	require.Contains(t, eval[string](t, ctx, `document.getElementById('security-code').innerText`), SecurityCodePrompt+"ada@example.com.")
	require.Equal(t, 8, eval[int](t, ctx, `document.querySelectorAll('#security-code input[maxlength="1"]').length`))
	subs := s.Submissions()
	require.Len(t, subs, 1)
	require.False(t, subs[0].Accepted)
	codes := s.MailedCodes()
	require.Len(t, codes, 1)
	require.Equal(t, "ada@example.com", codes[0].Address)
	code := codes[0].Code
	require.Len(t, code, SecurityCodeLength)

	// A wrong code, typed: each key advances to the next input.
	last := "x"
	if strings.HasSuffix(code, "x") {
		last = "y"
	}
	wrong := code[:7] + last
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#security-input-0"), wrong))
	require.Equal(t, wrong, eval[string](t, ctx, `Array.from({length: 8}, function (_, i) { return document.getElementById('security-input-' + i).value; }).join('')`))
	do(t, ctx, submit)
	waitTrue(t, ctx, `document.getElementById('security-code-error')`)
	require.Equal(t, SecurityCodeMessage, eval[string](t, ctx, `document.getElementById('security-code-error').textContent`))
	require.Len(t, s.Submissions(), 2)
	require.Empty(t, s.Accepted())
	require.True(t, eval[bool](t, ctx, `!!document.getElementById('security-input-7')`), "the step stays")

	// The right code, pasted: it fills all eight inputs.
	require.Equal(t, code, eval[string](t, ctx, `(function () {
		var dt = new DataTransfer(); dt.setData('text/plain', `+strconv.Quote(code)+`);
		document.getElementById('security-input-0').dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
		return Array.from({length: 8}, function (_, i) { return document.getElementById('security-input-' + i).value; }).join('');
	})()`))
	do(t, ctx, submit)
	waitURL(t, ctx, s.ConfirmationURL())
	require.Contains(t, eval[string](t, ctx, `document.body.innerText`), "Thank you for applying")
	subs = s.Submissions()
	require.Len(t, subs, 3)
	require.Len(t, s.Accepted(), 1)
	require.True(t, subs[2].Accepted)
	require.Equal(t, []string{code}, subs[2].Fields["security_code"])
	require.Len(t, s.MailedCodes(), 1)
	require.Eventually(t, func() bool { return s.AnalyticsHits() == 1 }, 5*time.Second, 20*time.Millisecond, "the beacon after the accepted POST")
}

// TestLiveGreenhouseImageGrid: the submit click poses the bframe challenge
// and nothing is posted; script clicks do not pass it; trusted clicks on
// the right tiles and Verify do, and the form is sent.
func TestLiveGreenhouseImageGrid(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	ctx := tabFor(t, browser)
	resume, _ := writeResume(t)
	s := New(domain.PlatformGreenhouse, Job{Board: "acme", ID: "78"}, Variant{Live: true, Challenge: ChallengeImageGrid})
	defer s.Close()

	do(t, ctx, chromedp.Navigate(s.FormURL()), chromedp.WaitReady(chromedp.CSS("#first_name")))
	fillGreenhouseNames(t, ctx)
	uploadGreenhouse(t, ctx, "resume", resume)
	do(t, ctx, chromedp.Click(chromedp.CSS("#application-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`iframe[src*="recaptcha/enterprise/bframe"]`)))
	frame := `document.querySelector('iframe[src*="recaptcha/enterprise/bframe"]')`
	waitTrue(t, ctx, frame+`.contentDocument && `+frame+`.contentDocument.querySelectorAll('.rc-imageselect-tile').length === 9`)
	src := eval[string](t, ctx, frame+`.getAttribute('src')`)
	u, err := url.Parse(src)
	require.NoError(t, err)
	right := s.challengeTiles(u.Query().Get("c"))
	require.Len(t, right, 3)
	do(t, ctx, chromedp.Sleep(300*time.Millisecond))
	require.Empty(t, s.Submissions(), "nothing is posted while the challenge is up")

	// Script clicks are not trusted: nothing selected, nothing passed.
	eval[bool](t, ctx, `(function () { var d = `+frame+`.contentDocument, tiles = d.querySelectorAll('.rc-imageselect-tile');
		[`+joinInts(right)+`].forEach(function (i) { tiles[i].click(); });
		d.getElementById('recaptcha-verify-button').click(); return true; })()`)
	do(t, ctx, chromedp.Sleep(300*time.Millisecond))
	require.Zero(t, eval[int](t, ctx, frame+`.contentDocument.querySelectorAll('.rc-imageselect-tileselected').length`))
	require.Empty(t, s.Submissions())

	// Trusted clicks.
	center := func(sel string) (float64, float64) {
		xy := eval[[]float64](t, ctx, `(function () { var f = `+frame+`, fr = f.getBoundingClientRect(),
			r = f.contentDocument.querySelector(`+strconv.Quote(sel)+`).getBoundingClientRect();
			return [fr.left + f.clientLeft + r.left + r.width / 2, fr.top + f.clientTop + r.top + r.height / 2]; })()`)
		return xy[0], xy[1]
	}
	for _, i := range right {
		x, y := center(`.rc-imageselect-tile[data-i="` + strconv.Itoa(i) + `"]`)
		do(t, ctx, chromedp.MouseClickXY(x, y))
	}
	require.Equal(t, 3, eval[int](t, ctx, frame+`.contentDocument.querySelectorAll('.rc-imageselect-tileselected').length`))
	x, y := center("#recaptcha-verify-button")
	do(t, ctx, chromedp.MouseClickXY(x, y))
	waitURL(t, ctx, s.ConfirmationURL())
	acc := s.Accepted()
	require.Len(t, acc, 1)
	require.Equal(t, []string{s.CaptchaToken()}, acc[0].Fields["g-recaptcha-response"])
}

func joinInts(ns []int) string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, strconv.Itoa(n))
	}
	return strings.Join(out, ",")
}

// TestRedirectVariants: the browser lands on the foreign origin (by a 302
// and by the page's script), and typing there is counted.
func TestRedirectVariants(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	for _, kind := range []RedirectKind{RedirectHTTP, RedirectScript} {
		t.Run(kind.String(), func(t *testing.T) {
			ctx := tabFor(t, browser)
			s := New(domain.PlatformGreenhouse, Job{Board: "acme", ID: "79"}, Variant{Redirect: kind})
			defer s.Close()
			start := time.Now()
			do(t, ctx, chromedp.Navigate(s.FormURL()))
			waitURL(t, ctx, s.ForeignURL())
			if kind == RedirectScript {
				require.GreaterOrEqual(t, time.Since(start), ScriptRedirectDelay)
				require.Contains(t, s.hitsCopy(), "GET "+s.FormPath(), "the form page loaded first")
			}
			fu, err := url.Parse(s.ForeignURL())
			require.NoError(t, err)
			su, err := url.Parse(s.URL())
			require.NoError(t, err)
			require.NotEqual(t, su.Host, fu.Host, "another origin")
			require.Contains(t, s.ForeignRequests(), "GET "+fu.Path)
			require.Zero(t, s.ForeignTyped())
			do(t, ctx, chromedp.SendKeys(chromedp.CSS("#candidate-name"), "Ada"))
			require.Eventually(t, func() bool { return s.ForeignTyped() >= 3 }, 5*time.Second, 20*time.Millisecond)
			require.Empty(t, s.Submissions())
		})
	}
}

// TestSelfHidingButton: the button hides itself on the click and the page
// sends nothing at all.
func TestSelfHidingButton(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	resume, _ := writeResume(t)
	for _, live := range []bool{false, true} {
		t.Run("live="+strconv.FormatBool(live), func(t *testing.T) {
			ctx := tabFor(t, browser)
			s := New(domain.PlatformGreenhouse, Job{Board: "acme", ID: "80"}, Variant{Live: live, SelfHidingButton: true})
			defer s.Close()
			do(t, ctx, chromedp.Navigate(s.FormURL()), chromedp.WaitReady(chromedp.CSS("#first_name")))
			fillGreenhouseNames(t, ctx)
			if live {
				uploadGreenhouse(t, ctx, "resume", resume)
			} else {
				do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#resume"), []string{resume}))
			}
			do(t, ctx, chromedp.Sleep(300*time.Millisecond))
			before := len(s.hitsCopy())
			do(t, ctx, chromedp.Click(chromedp.CSS("#application-form button[type=submit]")))
			waitTrue(t, ctx, `getComputedStyle(document.querySelector('#application-form button[type=submit]')).display === 'none'`)
			do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.Sleep(800*time.Millisecond))
			require.Empty(t, s.Submissions())
			require.Equal(t, before, len(s.hitsCopy()), "no request at all after the click: %v", s.hitsCopy()[before:])
		})
	}
}

// TestAshbyLiveRejectThenThanks: on the Live Ashby form the hidden checkbox
// set by script commits nothing; the Yes button and a combobox option
// picked with clicks do; the server refuses with 422 and the page then
// shows the thanks promo outside the form.
func TestAshbyLiveRejectThenThanks(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	ctx := tabFor(t, browser)
	resume, resumeBytes := writeResume(t)
	yes := "6f1c2d3e-0001-4a5b-8c9d-000000000001"
	sel := "6f1c2d3e-0002-4a5b-8c9d-000000000002"
	job := Job{Board: "acme", ID: "81", Questions: []Question{
		{ID: yes, Label: "Are you authorised to work in the UK?", Kind: KindBoolean, Required: true},
		{ID: sel, Label: "Which office?", Kind: KindSingleSelect, Required: true, Options: []Option{{Label: "Berlin"}, {Label: "Lisbon"}}},
	}}
	s := New(domain.PlatformAshby, job, Variant{Live: true, RejectThenThanks: true})
	defer s.Close()
	do(t, ctx, chromedp.Navigate(s.FormURL()), chromedp.WaitVisible(chromedp.CSS("#_systemfield_name")))
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#form [required], #form [aria-required]').length`))
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('form').length`))

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#_systemfield_name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS("#_systemfield_email"), "ada@example.com"),
		chromedp.SetUploadFiles(chromedp.CSS("#_systemfield_resume"), []string{resume}))
	waitTrue(t, ctx, `document.querySelector('.ashby-application-form-input-file-item-name') && document.querySelector('.ashby-application-form-input-file-item-name').textContent === 'resume.pdf'`)

	// The hidden checkbox behind Yes/No, checked by script: not an answer.
	eval[bool](t, ctx, `document.getElementById('`+yes+`').checked = true; true`)
	do(t, ctx, chromedp.Click(chromedp.CSS(".ashby-application-form-submit-button")))
	waitTrue(t, ctx, `document.querySelector('[data-field-path="`+yes+`"] [role=alert]')`)
	require.Equal(t, AshbyMissingMessage, eval[string](t, ctx, `document.querySelector('[data-field-path="`+yes+`"] [role=alert]').textContent`))
	require.Empty(t, s.Submissions())

	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-field-path="`+yes+`"] button[data-option="yes"]`)))
	require.Equal(t, "true", eval[string](t, ctx, `document.querySelector('[data-field-path="`+yes+`"] button[data-option="yes"]').getAttribute('aria-pressed')`))
	do(t, ctx, chromedp.Click(chromedp.CSS(`[id="`+sel+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[id="`+sel+`-option-1"]`)),
		chromedp.Click(chromedp.CSS(`[id="`+sel+`-option-1"]`)))
	require.Equal(t, "Lisbon", eval[string](t, ctx, `document.getElementById('`+sel+`').value`))

	do(t, ctx, chromedp.Click(chromedp.CSS(".ashby-application-form-submit-button")))
	waitTrue(t, ctx, `document.querySelector('[data-promo]')`)
	body := eval[string](t, ctx, `document.body.innerText`)
	require.Contains(t, body, RejectThanksText)
	require.Contains(t, body, RejectMessage)
	require.False(t, eval[bool](t, ctx, `!!document.querySelector('#form [data-promo]')`), "the promo is outside the form")
	subs := s.Submissions()
	require.Len(t, subs, 1)
	require.False(t, subs[0].Accepted)
	require.Equal(t, 422, subs[0].Status)
	require.Equal(t, []string{"Yes"}, subs[0].Fields[yes])
	require.Equal(t, []string{"Lisbon"}, subs[0].Fields[sel])
	require.Equal(t, resumeBytes, subs[0].Files["_systemfield_resume"][0].Data)
}

// TestLeverLiveInvisibleHcaptcha: the Live Lever cards (the question in
// .application-label, each option in its own label) and the invisible
// hCaptcha, whose token the page fills on submit without asking.
func TestLeverLiveInvisibleHcaptcha(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	ctx := tabFor(t, browser)
	resume, _ := writeResume(t)
	q := Question{ID: "6f1c2d3e-0009-4a5b-8c9d-000000000009", Label: "Preferred office", Kind: KindSingleSelect,
		Required: true, Options: []Option{{Label: "Berlin"}, {Label: "Lisbon"}}}
	job := Job{Board: "acme", ID: "82", Questions: []Question{q}}
	s := New(domain.PlatformLever, job, Variant{Live: true, LeverCaptcha: LeverCaptchaInvisible})
	defer s.Close()
	do(t, ctx, chromedp.Navigate(s.FormURL()), chromedp.WaitReady(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SetUploadFiles(chromedp.CSS("#resume-upload-input"), []string{resume}))
	name := FieldName(domain.PlatformLever, q)
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`select[name="`+name+`"]`), "Lisbon"))
	do(t, ctx, chromedp.Click(chromedp.CSS("#btn-submit")))
	waitURL(t, ctx, s.ConfirmationURL())
	acc := s.Accepted()
	require.Len(t, acc, 1)
	require.Equal(t, []string{s.CaptchaToken()}, acc[0].Fields["h-captcha-response"])
	require.Equal(t, []string{"Lisbon"}, acc[0].Fields[name])
}

// TestLeverLiveRadios: a required radio question drawn as Lever's card;
// its options are labels of their own, and a click on one answers it.
func TestLeverLiveRadios(t *testing.T) {
	browser := browserFor(t)
	t.Parallel()
	ctx := tabFor(t, browser)
	resume, _ := writeResume(t)
	q := Question{ID: "6f1c2d3e-0010-4a5b-8c9d-000000000010", Label: "How many years of experience do you have?", Kind: KindSingleSelect,
		Required: true, Radios: true, Options: []Option{{Label: "Less than 2 years"}, {Label: "2-5 years"}, {Label: "More than 5 years"}}}
	s := New(domain.PlatformLever, Job{Board: "acme", ID: "83", Questions: []Question{q}}, Variant{Live: true})
	defer s.Close()
	name := FieldName(domain.PlatformLever, q)
	do(t, ctx, chromedp.Navigate(s.FormURL()), chromedp.WaitReady(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SetUploadFiles(chromedp.CSS("#resume-upload-input"), []string{resume}))
	// Empty: the page's own check flags the card.
	do(t, ctx, chromedp.Click(chromedp.CSS("#btn-submit")))
	waitTrue(t, ctx, `document.querySelector('.application-field[data-group] [role=alert]')`)
	labels := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('input[name="`+name+`"]')).map(function (r) { return r.labels[0].textContent; })`)
	require.Equal(t, []string{"Less than 2 years", "2-5 years", "More than 5 years"}, labels, "each option is its own label")
	require.Equal(t, "How many years of experience do you have?✱", eval[string](t, ctx, `document.querySelector('.custom-question .application-label').textContent`))
	do(t, ctx, chromedp.Click(chromedp.CSS(`.custom-question li:nth-child(2) label`)))
	do(t, ctx, chromedp.Click(chromedp.CSS("#btn-submit")))
	waitURL(t, ctx, s.ConfirmationURL())
	acc := s.Accepted()
	require.Len(t, acc, 1)
	require.Equal(t, []string{"2-5 years"}, acc[0].Fields[name])
}

func (s *Server) hitsCopy() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hits)
}
