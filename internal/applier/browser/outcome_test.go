package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The after-click classifier, rule by rule, without a browser. Each case
// is what the browser saw; the verdict is what the task becomes.
func TestClassify(t *testing.T) {
	t.Parallel()
	const (
		form = "https://job-boards.greenhouse.io/acme/jobs/1"
		api  = "https://job-boards.greenhouse.io/acme/jobs/1/applications"
	)
	own := func(u string) bool { return strings.HasPrefix(u, "https://job-boards.greenhouse.io/") }
	filled := view{URL: form, Form: true, Holds: true}
	description := view{URL: form, Form: true, Holds: true, Signals: []string{"text:thank you for applying"}}
	thanks := view{URL: form + "/confirmation", Signals: []string{"path", "text:thank you for applying"}}
	post := func(u string, status int64) request { return request{Method: "POST", URL: u, Status: status} }
	long := 20 * time.Second

	for _, tc := range []struct {
		name   string
		o      observation
		want   verdictKind
		throt  bool
		why    string // a part of the reason
		shown  []string
		refuse bool // RefusesWith200
	}{
		// submitted: the own request accepted and a confirmation new on the page.
		{name: "accepted with a confirmation page", want: submitted,
			o: observation{Before: filled, After: thanks, Requests: []request{{Method: "POST", URL: form, Document: true, Status: 303}}, Elapsed: time.Second}},
		{name: "accepted by fetch, confirmation shown in place", want: submitted,
			o: observation{Before: filled, After: view{URL: form, Signals: []string{"element"}}, Requests: []request{post(api, 200)}, Elapsed: time.Second}},
		// Misreading found: a 429 on a beacon after the 200 submission made
		// a received application "not sent", and it was sent again.
		{name: "429 beacon after an accepted submission is submitted", want: submitted,
			o: observation{Before: filled, After: thanks, Requests: []request{post(api, 200), {Method: "POST", URL: "https://job-boards.greenhouse.io/analytics/events", Status: 429, Ping: true}}, Elapsed: time.Second}},
		{name: "429 on a same-origin analytics call decides nothing", want: submitted,
			o: observation{Before: filled, After: thanks, Requests: []request{post(api, 200), post("https://job-boards.greenhouse.io/analytics/track", 429)}, Elapsed: time.Second}},
		{name: "5xx on another origin decides nothing", want: submitted,
			o: observation{Before: filled, After: thanks, Requests: []request{post("https://o123.ingest.sentry.io/api/1/envelope/", 503), post(api, 200)}, Elapsed: time.Second}},
		// Misreading found: a self-hiding button with "Thank you for
		// applying" already in the description read "submitted" with no
		// request sent.
		{name: "self-hiding button with thanks in the description is not sent", want: notSent, why: "nothing left the page",
			o: observation{Before: description, After: description, Elapsed: 2 * time.Second, Quiet: 2 * time.Second}},
		{name: "confirmation words already on the page never count", want: pending,
			o: observation{Before: description, After: view{URL: form, Signals: []string{"text:thank you for applying"}}, Requests: []request{post(api, 200)}, Elapsed: time.Second, Quiet: time.Second}},
		{name: "a confirmation with no request of the application is not a submission", want: unknown,
			o: observation{Before: filled, After: thanks, Requests: []request{post("https://tracker.example/collect", 200)}, Elapsed: long, Quiet: long, Own: own}},
		// Misreading found: a 422 then a thank-you read "submitted".
		{name: "422 with the form's errors then thanks elsewhere needs the user", want: needsUser, why: "refused", shown: []string{"Email: This field is required."},
			o: observation{Before: filled, After: view{URL: form, Form: true, Holds: true, Signals: []string{"text:thanks for applying"}, Messages: []string{"Email: This field is required."}},
				Requests: []request{{Method: "POST", URL: form, Document: true, Status: 422}}, Elapsed: time.Second}},
		// not sent with proof.
		{name: "the application's own 429 is not sent, throttled", want: notSent, throt: true,
			o: observation{Before: filled, After: filled, Requests: []request{post(api, 429)}, Elapsed: time.Second}},
		{name: "a 4xx with too-many words new on the page is throttled", want: notSent, throt: true,
			o: observation{Before: filled, After: view{URL: form, TooMany: true}, Requests: []request{post(api, 403)}, Elapsed: time.Second}},
		{name: "nothing sent, but the form was emptied: not proof", want: pending,
			o: observation{Before: filled, After: view{URL: form, Form: true}, Elapsed: 2 * time.Second, Quiet: 2 * time.Second}},
		{name: "nothing sent, before the page had time to send", want: pending,
			o: observation{Before: filled, After: filled, Elapsed: 200 * time.Millisecond, Quiet: 200 * time.Millisecond}},
		{name: "a captcha service's call is not the application leaving", want: notSent,
			o: observation{Before: filled, After: filled, Requests: []request{post("https://www.google.com/recaptcha/enterprise/reload?k=x", 200)}, Elapsed: 2 * time.Second, Quiet: 2 * time.Second}},
		{name: "an unknown foreign POST is not proof nothing left", want: pending,
			o: observation{Before: filled, After: filled, Requests: []request{post("https://api.segment.io/v1/t", 200)}, Elapsed: 2 * time.Second, Quiet: 2 * time.Second}},
		// needs the user.
		{name: "client-side validation: nothing sent, new messages", want: needsUser, shown: []string{"This field is required."},
			o: observation{Before: filled, After: view{URL: form, Form: true, Holds: true, Messages: []string{"This field is required."}}, Elapsed: 2 * time.Second}},
		{name: "messages shown before the click do not count", want: notSent,
			o: observation{Before: view{URL: form, Form: true, Holds: true, Messages: []string{"We use cookies"}}, After: view{URL: form, Form: true, Holds: true, Messages: []string{"We use cookies"}}, Elapsed: 2 * time.Second, Quiet: 2 * time.Second}},
		{name: "a posed image grid on submit, nothing sent", want: needsUser, why: "image grid",
			o: observation{Before: filled, After: view{URL: form, Form: true, Holds: true, Challenge: "image grid"}, Requests: []request{post("https://www.google.com/recaptcha/enterprise/reload?k=x", 200)}, Elapsed: 2 * time.Second}},
		{name: "refused until a reCAPTCHA is completed, no widget shown", want: needsUser, why: "CAPTCHA",
			o: observation{Before: filled, After: view{URL: form, Form: true, Holds: true, ChallengeRefusal: true, Messages: []string{"Please complete the reCAPTCHA and resubmit your application"}},
				Requests: []request{post(api, 400)}, Elapsed: time.Second}},
		{name: "the form tried to post elsewhere and was blocked", want: needsUser, why: "https://careers.example",
			o: observation{Before: filled, After: filled, Requests: []request{{Method: "POST", URL: "https://careers.example/apply", Document: true, Blocked: true}}, Elapsed: time.Second}},
		{name: "a blocked page load after an accepted submission decides nothing", want: submitted,
			o: observation{Before: filled, After: view{URL: form, Signals: []string{"element"}}, Requests: []request{post(api, 200), {Method: "GET", URL: "https://careers.example/thanks", Document: true, Blocked: true}}, Elapsed: time.Second}},
		{name: "a 200 with errors on a platform that refuses with 200", want: needsUser, refuse: true, shown: []string{"Resume is required"},
			o: observation{Before: filled, After: view{URL: form, Form: true, Holds: true, Messages: []string{"Resume is required"}}, Requests: []request{post(api, 200)}, Elapsed: time.Second}},
		{name: "a 200 with errors elsewhere is not proof of a refusal", want: pending,
			o: observation{Before: filled, After: view{URL: form, Form: true, Holds: true, Messages: []string{"Resume is required"}}, Requests: []request{post(api, 200)}, Elapsed: time.Second, Quiet: time.Second}},
		// the security code.
		{name: "accepted, then the code step", want: needsCode,
			o: observation{Before: filled, After: view{URL: form, Form: true, CodeStep: true}, Requests: []request{post(api, 200)}, Elapsed: time.Second}},
		{name: "a refused code keeps the step with a message", want: codeRefused, shown: []string{"Incorrect security code"},
			o: observation{Before: view{URL: form, Form: true, CodeStep: true}, After: view{URL: form, Form: true, CodeStep: true, Messages: []string{"Incorrect security code"}}, Requests: []request{post(api, 422)}, Elapsed: time.Second}},
		{name: "the code accepted, the confirmation", want: submitted,
			o: observation{Before: view{URL: form, Form: true, CodeStep: true}, After: thanks, Requests: []request{post(api, 200)}, Elapsed: time.Second}},
		{name: "a confirmation signal beside the code step is not a submission", want: needsCode,
			o: observation{Before: filled, After: view{URL: form, CodeStep: true, Signals: []string{"text:thank you"}}, Requests: []request{post(api, 200)}, Elapsed: time.Second}},
		// unknown.
		{name: "the application's own 5xx", want: unknown, why: "answered 502",
			o: observation{Before: filled, After: filled, Requests: []request{post(api, 502)}, Elapsed: time.Second}},
		{name: "the application's request failed on its way", want: unknown, why: "net::ERR_CONNECTION_RESET",
			o: observation{Before: filled, After: filled, Requests: []request{{Method: "POST", URL: api, Failed: "net::ERR_CONNECTION_RESET"}}, Elapsed: time.Second}},
		{name: "accepted, no confirmation, quiet too long", want: unknown, why: "HTTP 200",
			o: observation{Before: filled, After: view{URL: form}, Requests: []request{post(api, 200)}, Elapsed: long, Quiet: long}},
		{name: "accepted, no confirmation yet", want: pending,
			o: observation{Before: filled, After: view{URL: form}, Requests: []request{post(api, 200)}, Elapsed: 3 * time.Second, Quiet: 3 * time.Second}},
		{name: "still waiting for the answer at the deadline", want: unknown, why: "sent; no answer came",
			o: observation{Before: filled, After: filled, Requests: []request{post(api, 0)}, Elapsed: long, Quiet: long, Done: true}},
		{name: "waiting for the answer is never quiet", want: pending,
			o: observation{Before: filled, After: filled, Requests: []request{post(api, 0)}, Elapsed: long, Quiet: long}},
		{name: "the browser died", want: unknown, why: "the browser ended",
			o: observation{Before: filled, Requests: []request{post(api, 0)}, Elapsed: time.Second, Done: true, Gone: "the browser ended after the submit click"}},
		{name: "a 4xx without a message on the page", want: unknown,
			o: observation{Before: filled, After: filled, Requests: []request{post(api, 400)}, Elapsed: long, Quiet: long}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.o.Own == nil {
				tc.o.Own = own
			}
			tc.o.RefusesWith200 = tc.refuse
			v := classify(tc.o)
			require.Equal(t, tc.want.String(), v.Kind.String(), "why: %s", v.Why)
			require.Equal(t, tc.throt, v.Throttled)
			require.Contains(t, v.Why, tc.why)
			if tc.shown != nil {
				require.Equal(t, tc.shown, v.Messages)
			}
		})
	}
}

// classify is pure and cheap: the benchmark keeps it so (go test -bench Classify).
func BenchmarkClassify(b *testing.B) {
	own := func(u string) bool { return strings.HasPrefix(u, "https://job-boards.greenhouse.io/") }
	o := observation{Own: own, Before: view{Form: true, Holds: true, Signals: []string{"text:thank you for applying"}},
		After:    view{Signals: []string{"path", "text:thank you for applying"}},
		Requests: []request{{Method: "POST", URL: "https://job-boards.greenhouse.io/acme/jobs/1", Document: true, Status: 303}, {Method: "POST", URL: "https://x.example/collect", Ping: true, Status: 429}}}
	for b.Loop() {
		if classify(o).Kind != submitted {
			b.Fatal("not submitted")
		}
	}
}
