package replica

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// ChallengeKind is what the reCAPTCHA Enterprise of a Live Greenhouse form
// does when the application is sent (see doc.go for the evidence).
type ChallengeKind int

// The reCAPTCHA situations of a Live Greenhouse form.
const (
	// ChallengeNone is the invisible, score-based reCAPTCHA Enterprise every
	// job-boards.greenhouse.io posting loads: a corner badge
	// (.grecaptcha-badge) with an anchor iframe whose src holds
	// recaptcha/enterprise/anchor and size=invisible, and a hidden
	// textarea#g-recaptcha-response that the page fills with a token on
	// submit without asking anything.
	ChallengeNone ChallengeKind = iota
	// ChallengeImageGrid poses a challenge on the submit click: a visible
	// overlay iframe whose src holds recaptcha/enterprise/bframe, with an
	// image grid and a Verify button. Nothing is posted until it is passed,
	// and only trusted input (event.isTrusted clicks on the right tiles and
	// on Verify) passes it.
	ChallengeImageGrid
	// ChallengeCheckbox mounts a visible "I'm not a robot" checkbox widget
	// on load (anchor iframe with size=normal, no badge); a POST without
	// its token is refused.
	ChallengeCheckbox
	// ChallengeRefusal shows nothing more than the invisible badge; the
	// server refuses every POST with RecaptchaRefusalMessage.
	ChallengeRefusal
)

// String names the kind.
func (k ChallengeKind) String() string {
	switch k {
	case ChallengeNone:
		return "none"
	case ChallengeImageGrid:
		return "imagegrid"
	case ChallengeCheckbox:
		return "checkbox"
	case ChallengeRefusal:
		return "refusal"
	}
	return fmt.Sprintf("ChallengeKind(%d)", int(k))
}

// LeverCaptchaKind is the hCaptcha a Lever employer configured: Lever's
// captcha is a per-employer setting.
type LeverCaptchaKind int

// The hCaptcha situations of a Lever form.
const (
	// LeverCaptchaNone: no captcha of any kind.
	LeverCaptchaNone LeverCaptchaKind = iota
	// LeverCaptchaInvisible: hCaptcha loaded invisibly (div#h-captcha with
	// data-size="invisible", a hidden iframe whose src holds
	// size=invisible); on submit the page fills the hidden
	// h-captcha-response itself and asks nothing. A POST without the token
	// is refused.
	LeverCaptchaInvisible
	// LeverCaptchaCheckbox: a visible hCaptcha checkbox (posed), as the
	// Captcha variant draws it on Lever.
	LeverCaptchaCheckbox
)

// String names the kind.
func (k LeverCaptchaKind) String() string {
	switch k {
	case LeverCaptchaNone:
		return "none"
	case LeverCaptchaInvisible:
		return "invisible"
	case LeverCaptchaCheckbox:
		return "checkbox"
	}
	return fmt.Sprintf("LeverCaptchaKind(%d)", int(k))
}

// RedirectKind is how the form's address sends the browser to another
// origin, "the employer's careers site" (see ForeignURL).
type RedirectKind int

// The redirect situations.
const (
	// RedirectNone: the form is where FormURL says.
	RedirectNone RedirectKind = iota
	// RedirectHTTP: GET FormURL answers 302 to ForeignURL.
	RedirectHTTP
	// RedirectScript: the form page loads, then its script sets location
	// to ForeignURL after ScriptRedirectDelay.
	RedirectScript
)

// String names the kind.
func (k RedirectKind) String() string {
	switch k {
	case RedirectNone:
		return "none"
	case RedirectHTTP:
		return "http"
	case RedirectScript:
		return "script"
	}
	return fmt.Sprintf("RedirectKind(%d)", int(k))
}

// MailedCode is one security code the SecurityCode variant "mailed":
// Address is the application's email, Code the 8 characters (letters and
// digits, case-sensitive), At when it was generated.
type MailedCode struct {
	Address, Code string
	At            time.Time
}

// Texts and settings of the variants added for the live forms.
const (
	// RecaptchaRefusalMessage is what a Live Greenhouse form answers a POST
	// without a valid reCAPTCHA token, and every POST of ChallengeRefusal
	// (the words of webcompat issue #169329).
	RecaptchaRefusalMessage = "Please complete the reCAPTCHA and resubmit your application."
	// SecurityCodeMessage is the error of a wrong security code.
	SecurityCodeMessage = "Incorrect security code. Please try again."
	// SecurityCodeIncompleteMessage is the page's own error when fewer than
	// SecurityCodeLength characters were entered; nothing is sent.
	SecurityCodeIncompleteMessage = "Please enter all 8 characters of the security code."
	// SecurityCodePrompt starts the text of the email-code step; the
	// address and a full stop follow.
	SecurityCodePrompt = "Please enter the 8-character code sent to "
	// SecurityCodeSender is the address the security code is mailed from.
	SecurityCodeSender = "no-reply@us.greenhouse-mail.io"
	// SecurityCodeLength is how many characters the code has.
	SecurityCodeLength = 8
	// AshbyRequiredClass is the class a Live Ashby form puts on the label of
	// a required question (and nowhere else); CSS draws the asterisk.
	AshbyRequiredClass = "_required_x7k2p_44"
	// AshbyMissingMessage is a Live Ashby form's message for an empty
	// required field.
	AshbyMissingMessage = "Missing entry for required field"
	// LocationLabel is the label of a Live Greenhouse form's location
	// autocomplete (a system field named "location", id candidate-location).
	LocationLabel = "Location (City)"
	// AnalyticsPath is where the BeaconAfterSubmit variant's page sends its
	// beacon (POST); the replica answers 429.
	AnalyticsPath = "/analytics/collect"
	// ThankYouDescriptionText is the sentence ThankYouInDescription puts in
	// the job description.
	ThankYouDescriptionText = "Thank you for applying to join us! A person on the team reads every application."
	// RejectThanksText is the promo text the RejectThenThanks variant shows
	// outside the form after the refusal.
	RejectThanksText = "Thanks for applying!"
	// RejectMessage is the refusal of the RejectThenThanks variant when
	// ServerErrors is empty.
	RejectMessage = "We could not submit your application. Please review the form and try again."
	// ScriptRedirectDelay is how long the RedirectScript variant's page
	// waits before it leaves for ForeignURL.
	ScriptRedirectDelay = 300 * time.Millisecond
	// FileProcessingDelay is how long a Live Greenhouse form shows its
	// progress indicator after a file is chosen, before the file input is
	// removed and the chip shows the filename.
	FileProcessingDelay = 400 * time.Millisecond
)

// liveOptionDelay is the range (ms) a Live combobox waits before it draws
// its options.
var liveOptionDelay = [2]int{200, 400}

// checkVariant panics on a variant the replica cannot play on platform p or
// whose parts make no sense together.
func checkVariant(p domain.Platform, v Variant) {
	gh := p == domain.PlatformGreenhouse
	fail := func(msg string) { panic("replica: " + msg) }
	switch {
	case v.Challenge < ChallengeNone || v.Challenge > ChallengeRefusal:
		fail(fmt.Sprintf("unknown Challenge %d", v.Challenge))
	case v.LeverCaptcha < LeverCaptchaNone || v.LeverCaptcha > LeverCaptchaCheckbox:
		fail(fmt.Sprintf("unknown LeverCaptcha %d", v.LeverCaptcha))
	case v.Redirect < RedirectNone || v.Redirect > RedirectScript:
		fail(fmt.Sprintf("unknown Redirect %d", v.Redirect))
	case v.SecurityCode && !gh:
		fail("SecurityCode is Greenhouse's email-code step; it needs PlatformGreenhouse")
	case v.SecurityCode && !v.Live:
		fail("SecurityCode needs Live (the step is drawn by the live page's script)")
	case v.Challenge != ChallengeNone && !gh:
		fail("Challenge is the reCAPTCHA Enterprise of Greenhouse; it needs PlatformGreenhouse")
	case v.Challenge != ChallengeNone && !v.Live:
		fail("Challenge needs Live (only the live Greenhouse page loads reCAPTCHA Enterprise)")
	case v.LeverCaptcha != LeverCaptchaNone && p != domain.PlatformLever:
		fail("LeverCaptcha needs PlatformLever")
	case v.LeverCaptcha != LeverCaptchaNone && v.Captcha:
		fail("LeverCaptcha and Captcha both put an hCaptcha on the form; choose one")
	case v.Live && gh && v.Captcha:
		fail("a Live Greenhouse form already loads reCAPTCHA Enterprise: use Challenge, not Captcha")
	case v.Live && v.MultiStep && p != domain.PlatformLever:
		fail("MultiStep is not supported with a Live Greenhouse or Ashby form")
	case v.Redirect != RedirectNone && v.LoginWall:
		fail("Redirect and LoginWall both replace the form page; choose one")
	case v.SecurityCode && (v.LoginWall || v.TooMany || len(v.ServerErrors) > 0 || v.RejectThenThanks ||
		v.SelfHidingButton || v.Challenge == ChallengeRefusal):
		fail("SecurityCode with a variant that never lets a valid application through makes no sense")
	case v.SelfHidingButton && (v.BeaconAfterSubmit || v.RejectThenThanks || v.Challenge == ChallengeImageGrid):
		fail("SelfHidingButton sends nothing, so a variant about what follows the POST makes no sense with it")
	}
}

// liveGreenhouse says the replica plays the live job-boards.greenhouse.io
// form.
func (s *Server) liveGreenhouse() bool {
	return s.v.Live && s.platform == domain.PlatformGreenhouse
}

// needsToken says whether a POST must carry CaptchaToken in CaptchaField.
func (s *Server) needsToken() bool {
	return s.v.Captcha || s.liveGreenhouse() ||
		(s.platform == domain.PlatformLever && s.v.LeverCaptcha != LeverCaptchaNone)
}

// captchaMessage is the refusal of a POST without the captcha token.
func (s *Server) captchaMessage() string {
	if s.liveGreenhouse() {
		return RecaptchaRefusalMessage
	}
	return CaptchaMessage
}

// rejectMessages are the RejectThenThanks variant's refusal.
func (s *Server) rejectMessages() []string {
	if len(s.v.ServerErrors) > 0 {
		return slices.Clone(s.v.ServerErrors)
	}
	return []string{RejectMessage}
}

// MailedCodes is every security code the SecurityCode variant mailed, in
// order (one per application that reached the email-code step).
func (s *Server) MailedCodes() []MailedCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.codes)
}

// AnalyticsHits is how many beacons the BeaconAfterSubmit variant's page
// sent to AnalyticsPath (each answered 429).
func (s *Server) AnalyticsHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.analytics
}

// ForeignURL is the address of the application form on "the employer's
// careers site" the Redirect variant sends the browser to: another
// httptest server on 127.0.0.1 (another origin: another port). It is ""
// when Redirect is RedirectNone.
func (s *Server) ForeignURL() string {
	if s.foreign == nil {
		return ""
	}
	return s.foreign.URL + s.foreignPath()
}

// ForeignRequests is every request the foreign site received, in order, as
// "METHOD /path?query" (its page, its form's POST and its event beacons).
func (s *Server) ForeignRequests() []string {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return slices.Clone(s.foreignReqs)
}

// ForeignTyped is how many input events (keydown, input and change on a
// named control) the foreign site's page reported to its server.
func (s *Server) ForeignTyped() int {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.foreignTyped
}

// serveAnalytics answers the beacon of BeaconAfterSubmit: 429.
func (s *Server) serveAnalytics(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
	s.mu.Lock()
	s.analytics++
	s.mu.Unlock()
	w.Header().Set("Retry-After", "60")
	http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
}
