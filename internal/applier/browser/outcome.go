package browser

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// What a click on a form's submit button came to, read by one pure
// function (classify) from what the browser saw: the requests the page
// made after the click and what the page showed before and after it.
//
// The rules, strictest first:
//
//   - submitted only with evidence tied to this submission: its own
//     request (a request that sends data to one of the platform's own
//     origins, not a beacon or a captcha service's) was accepted (2xx or
//     3xx) AND the page shows a confirmation that was not there before the
//     click. Confirmation words already on the page (a job description
//     that thanks its applicants) never count.
//   - not sent only with proof: the submission's own request was answered
//     429 (or a 4xx with "too many" words new on the page); or nothing left
//     the page at all and the form still holds its values.
//   - needs the user: the form refused (its own request answered 4xx, or
//     nothing sent) and shows messages it did not show before; or a posed
//     challenge, or a refusal asking to complete one; or the form tried to
//     send the application to another site (blocked).
//   - a security-code step newly shown after an accepted request: the
//     application waits for the mailed code.
//   - a 429 or 5xx on a beacon, an analytics call or another origin
//     decides nothing.
//   - everything else, once the page settled or time ran out, is unknown.

// request is one request the page made after the click that sends data
// (any method but GET, HEAD and OPTIONS) or navigates the page.
type request struct {
	ID       string
	Method   string
	URL      string
	Document bool // a navigation of the page (a form posted the classic way)
	Ping     bool // a beacon or a report: never the application
	// Status is the first answer (a redirect's own status for a form post
	// answered 303); 0 while none came.
	Status int64
	// Failed is why it failed on its way ("" when it did not); Blocked
	// that applyq blocked it before it left (another origin).
	Failed  string
	Blocked bool
}

// view is what the page showed at one moment (page.js "inspect").
type view struct {
	URL string
	// Form: the application form is shown; Holds: its fields still hold
	// what applyq filled in.
	Form, Holds bool
	// Signals are the confirmation signals shown: "element", "path" and
	// the confirmation phrases found in the page's text ("text:…").
	Signals  []string
	Messages []string // validation and error messages shown
	// Challenge names a posed challenge shown ("" for none): an image
	// grid, a checkbox to tick. Invisible, score-based widgets are not.
	Challenge string
	// ChallengeRefusal: the page asks to complete a challenge it does not
	// show ("Please complete the reCAPTCHA and resubmit").
	ChallengeRefusal bool
	TooMany          bool // "too many applications" words
	CodeStep         bool // it asks for a code mailed to the applicant
}

// observation is everything classify reads.
type observation struct {
	Before, After view
	Requests      []request
	// Own reports whether a URL is on one of the platform's own origins.
	Own func(string) bool
	// RefusesWith200: the platform answers a refused submission 2xx and
	// shows why on the form (Ashby's GraphQL endpoint): a 2xx with the
	// form still there, new messages and no confirmation is a refusal.
	RefusesWith200 bool
	// Elapsed is the time since the click; Quiet how long no request has
	// been made or answered.
	Elapsed, Quiet time.Duration
	// Done: time is up (the deadline) or the browser is gone; Gone says
	// which, for the reason.
	Done bool
	Gone string
}

// verdictKind is what a click came to.
type verdictKind int

const (
	pending     verdictKind = iota // wait and look again
	submitted                      // accepted, with evidence
	notSent                        // nothing was taken, with proof
	needsUser                      // nothing was taken; a person must act
	needsCode                      // accepted so far: the form waits for the mailed code
	codeRefused                    // the form refused the code given
	unknown                        // it may have gone out: a person must check
)

func (k verdictKind) String() string {
	return [...]string{"pending", "submitted", "not_sent", "needs_user", "needs_code", "code_refused", "unknown"}[k]
}

// verdict is classify's answer.
type verdict struct {
	Kind      verdictKind
	Why       string
	Messages  []string
	Throttled bool // not sent because the platform refused as too many
}

// Timings of classify.
const (
	// settle is how long after the click a page that sent nothing is taken
	// to have refused to send (its own validation).
	settle = 1500 * time.Millisecond
	// answerQuiet is how long a page whose submission was accepted may stay
	// quiet without a confirmation before the outcome is unknown.
	answerQuiet = 15 * time.Second
)

// serviceMarks are parts of URLs of the third-party services a form page
// talks to that never carry the application: captcha providers.
var serviceMarks = []string{"/recaptcha/", "google.com/recaptcha", "recaptcha.net", "hcaptcha.com", "challenges.cloudflare.com"}

// telemetryMarks are path parts of analytics and logging calls.
var telemetryMarks = []string{"/analytics", "/telemetry", "/beacon", "/collect", "/track", "/metrics", "/log", "/events", "/sentry", "/rum"}

// isOwn reports whether r is the application's own: data sent to one of
// the platform's origins, not a beacon, a captcha service's call or an
// analytics call.
func (o observation) isOwn(r request) bool {
	if r.Ping || o.Own == nil || !o.Own(r.URL) {
		return false
	}
	for _, m := range serviceMarks {
		if strings.Contains(r.URL, m) {
			return false
		}
	}
	if u, err := url.Parse(r.URL); err == nil {
		p := strings.ToLower(u.Path)
		for _, m := range telemetryMarks {
			if strings.Contains(p, m) {
				return false
			}
		}
	}
	return true
}

// service reports a request that cannot carry the application: a beacon,
// a captcha service's call.
func service(r request) bool {
	if r.Ping {
		return true
	}
	for _, m := range serviceMarks {
		if strings.Contains(r.URL, m) {
			return true
		}
	}
	return false
}

// newIn lists what after holds that before did not.
func newIn(before, after []string) []string {
	var out []string
	for _, s := range after {
		if !slices.Contains(before, s) {
			out = append(out, s)
		}
	}
	return out
}

// classify reads what a submit click came to.
func classify(o observation) verdict {
	var own []request
	left := false // something that could carry the application left the page
	for _, r := range o.Requests {
		if r.Blocked {
			continue
		}
		if o.isOwn(r) {
			own = append(own, r)
		}
		if !service(r) {
			left = true
		}
	}
	for _, r := range o.Requests {
		if r.Blocked && r.Document && r.Method != "GET" {
			return verdict{Kind: needsUser, Why: "the form tried to send your application to " + origin(r.URL) +
				", which is not the platform's own site: applyq blocked it (nothing was sent there) — apply by hand if you trust that site"}
		}
	}
	var accepted, refused, pendingOwn, throttled, failed, serverError = false, false, false, false, "", int64(0)
	for _, r := range own {
		switch {
		case r.Failed != "":
			failed = r.Failed
		case r.Status == 0:
			pendingOwn = true
		case r.Status == 429:
			throttled = true
		case r.Status >= 500:
			serverError = r.Status
		case r.Status >= 400:
			refused = true
		case r.Status >= 200:
			accepted = true
		}
	}
	shown := newIn(o.Before.Messages, o.After.Messages)
	confirmed := len(newIn(o.Before.Signals, o.After.Signals)) > 0 && !o.After.CodeStep
	if o.RefusesWith200 && accepted && !refused && !confirmed && o.After.Form && len(shown) > 0 {
		accepted, refused = false, true
	}
	switch {
	case throttled || (refused && o.After.TooMany && !o.Before.TooMany):
		return verdict{Kind: notSent, Throttled: true, Why: "the platform refused the submission as too many for now (HTTP 429)"}
	case serverError != 0:
		return verdict{Kind: unknown, Why: fmt.Sprintf("the platform answered %d to the submission: it may or may not have taken it", serverError)}
	case failed != "":
		return verdict{Kind: unknown, Why: "the submission's request failed on its way (" + failed + "): it may have reached the platform"}
	case accepted && confirmed:
		return verdict{Kind: submitted, Why: "the platform accepted the submission and showed its confirmation"}
	case accepted && o.After.CodeStep && o.Before.CodeStep && len(shown) > 0:
		return verdict{Kind: codeRefused, Why: "the form refused the security code", Messages: shown}
	case accepted && o.After.CodeStep && !o.Before.CodeStep:
		return verdict{Kind: needsCode, Why: "the form asks for the security code the platform mailed to the applicant"}
	case refused && o.After.CodeStep && o.Before.CodeStep && len(shown) > 0:
		return verdict{Kind: codeRefused, Why: "the form refused the security code", Messages: shown}
	case refused && o.After.ChallengeRefusal && !o.Before.ChallengeRefusal:
		return verdict{Kind: needsUser, Why: "the form asks to complete a CAPTCHA before it takes the application: applyq never solves one — it was not sent", Messages: shown}
	case refused && o.After.Challenge != "":
		return verdict{Kind: needsUser, Why: "the form poses a challenge (" + o.After.Challenge + "): applyq never solves one — it was not sent", Messages: shown}
	case refused && o.After.Form && len(shown) > 0:
		return verdict{Kind: needsUser, Why: "the form refused the application", Messages: shown}
	case !left && o.After.Challenge != "" && o.Before.Challenge == "" && o.Elapsed >= settle:
		return verdict{Kind: needsUser, Why: "the form posed a challenge (" + o.After.Challenge + ") when submitted: applyq never solves one — nothing was sent"}
	case !left && o.After.Form && len(shown) > 0 && o.Elapsed >= settle:
		return verdict{Kind: needsUser, Why: "the form refused the application before sending it", Messages: shown}
	case !left && o.After.Form && o.After.Holds && o.Elapsed >= settle && o.Quiet >= settle:
		return verdict{Kind: notSent, Why: "nothing left the page after the submit click and the form still holds what was filled in"}
	}
	if o.Done {
		why := "no answer applyq recognises came before the application's deadline"
		if o.Gone != "" {
			why = o.Gone
		}
		return verdict{Kind: unknown, Why: why + what(own, accepted, refused, left)}
	}
	if !pendingOwn && o.Elapsed >= settle && o.Quiet >= answerQuiet {
		return verdict{Kind: unknown, Why: "the page went quiet without a confirmation applyq recognises" + what(own, accepted, refused, left)}
	}
	return verdict{Kind: pending}
}

// what says what is known of the submission's requests, for an unknown
// outcome's reason.
func what(own []request, accepted, refused, left bool) string {
	switch {
	case accepted:
		return fmt.Sprintf(" (the platform answered HTTP %d to the submission, but no confirmation showed)", own[len(own)-1].Status)
	case refused:
		return " (the platform refused the submission without saying why on the page)"
	case len(own) > 0:
		return " (the submission was sent; no answer came)"
	case left:
		return " (the page sent something, not recognisably the application)"
	}
	return ""
}

// origin is the scheme and host of a URL, for messages.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}
