package browser_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/domain"
)

// The browser applier on replicas of the forms as they are live (the
// replica's Live variants and their public sources: replica/doc.go). Every
// test asserts what the platform received — the approved values and the
// documents' bytes, once — or that it received nothing.

// liveQuestions are a job's custom questions on p's live form: one of each
// kind its form draws (a select and a yes/no as comboboxes on Greenhouse,
// as radios and buttons on Lever and Ashby), all required.
func liveQuestions(p domain.Platform) []replica.Question {
	qs := questions(p)
	if p == domain.PlatformLever {
		// Lever's multiple-choice card: radios whose labels are the
		// options (the question's label is the card's).
		qs = append(qs, replica.Question{ID: "7c3f0a51-0000-4000-8000-000000000007", Label: "How many years of experience do you have?",
			Kind: replica.KindSingleSelect, Required: true, Radios: true,
			Options: []replica.Option{{Label: "Less than 2 years"}, {Label: "2-5 years"}, {Label: "More than 5 years"}}})
	}
	return qs
}

// liveSetup is a Live replica of p in variant v (Live set), an applier
// whose forms are there, the job and its approved form, and what the
// platform must receive.
func liveSetup(t *testing.T, p domain.Platform, v replica.Variant, o browser.Options) (*replica.Server, *browser.Applier, replica.Job, *domain.Form, map[string][]string, map[string][]byte) {
	t.Helper()
	v.Live = true
	j := job(p)
	j.Questions = liveQuestions(p)
	srv := replica.New(p, j, v)
	t.Cleanup(srv.Close)
	form, want, files := answered(p, j.Questions)
	return srv, newApplier(t, o, srv), j, form, want, files
}

// TestApply_LiveForms: on each platform's live form — Greenhouse's React
// comboboxes, upload chips, Apply button and invisible reCAPTCHA
// Enterprise; Lever's cards without a captcha and with an invisible
// hCaptcha; Ashby's script-drawn form with Yes/No buttons, a combobox and a
// drop zone — the platform receives exactly the approved values and the
// documents' bytes, once, and the result carries the filled form and the
// confirmation.
func TestApply_LiveForms(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		p    domain.Platform
		v    replica.Variant
	}{
		{"greenhouse", domain.PlatformGreenhouse, replica.Variant{}},
		{"lever without a captcha", domain.PlatformLever, replica.Variant{}},
		{"lever with an invisible hCaptcha", domain.PlatformLever, replica.Variant{LeverCaptcha: replica.LeverCaptchaInvisible}},
		{"ashby", domain.PlatformAshby, replica.Variant{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, a, j, form, want, wantFiles := liveSetup(t, c.p, c.v, browser.Options{MaxBrowsers: 1})
			res, err := a.Apply(context.Background(), packet(c.p, j, form))
			require.NoError(t, err)
			subs := srv.Submissions()
			require.Len(t, subs, 1, "exactly one submission")
			require.True(t, subs[0].Accepted)
			require.Equal(t, want, received(subs[0]), "exactly the approved fields")
			require.Equal(t, wantFiles, receivedFiles(subs[0]), "exactly the approved documents' bytes")
			require.Equal(t, []string{"filled_form screenshot", "filled_form application/json", "confirmation screenshot"}, kinds(res.Evidence))
		})
	}
}

// mailbox is the user's side of the mailed security code, for the tests:
// it gives the applier the code the replica mailed — after wrong ones,
// when told — or never.
type mailbox struct {
	srv   *replica.Server
	wrong int  // codes to get wrong first
	never bool // nobody gives a code: the window passes

	mu     sync.Mutex
	asked  []domain.CodeRequest
	closed int
}

func (m *mailbox) Await(ctx context.Context, req domain.CodeRequest) (string, error) {
	m.mu.Lock()
	m.asked = append(m.asked, req)
	wrong := m.wrong > 0
	if wrong {
		m.wrong--
	}
	m.mu.Unlock()
	if m.never {
		select {
		case <-time.After(time.Until(req.Until)):
			return "", domain.ErrCodeWindowPassed
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	for {
		if codes := m.srv.MailedCodes(); len(codes) > 0 {
			code := codes[len(codes)-1]
			if code.Address != req.Address {
				return "", errors.New("the code went to " + code.Address)
			}
			if wrong {
				return strings.Repeat("Z", len(code.Code)), nil
			}
			return code.Code, nil
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func (m *mailbox) Close(context.Context, domain.ID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed++
	return nil
}

// TestApply_TheMailedSecurityCode: Greenhouse's form answers the first
// submission with its security-code step; the applier asks the user for
// the code mailed to the application's address, types it into the eight
// inputs and submits again: the application is accepted once, with the
// approved values. A refused code is asked again (the form's message with
// it); nobody giving one in the window leaves the application not
// received, for the user, never retried by itself.
func TestApply_TheMailedSecurityCode(t *testing.T) {
	t.Parallel()
	p := domain.PlatformGreenhouse
	t.Run("given", func(t *testing.T) {
		t.Parallel()
		box := &mailbox{wrong: 1}
		srv, a, j, form, want, wantFiles := liveSetup(t, p, replica.Variant{SecurityCode: true, BeaconAfterSubmit: true}, browser.Options{MaxBrowsers: 1, Codes: box})
		box.srv = srv
		pk := packet(p, j, form)
		res, err := a.Apply(context.Background(), pk)
		require.NoError(t, err)
		require.Len(t, srv.MailedCodes(), 1, "one code mailed")
		acc := srv.Accepted()
		require.Len(t, acc, 1, "accepted once")
		require.Len(t, srv.Submissions(), 3, "the application, a wrong code, the right code")
		got := received(acc[0])
		require.Equal(t, []string{srv.MailedCodes()[0].Code}, got["security_code"])
		delete(got, "security_code")
		require.Equal(t, want, got)
		require.Equal(t, wantFiles, receivedFiles(acc[0]))
		require.Equal(t, []string{"filled_form screenshot", "filled_form application/json", "confirmation screenshot"}, kinds(res.Evidence))
		require.Len(t, box.asked, 2, "asked again after the refused code")
		require.Equal(t, "ada@example.test", box.asked[0].Address, "where the code went")
		require.Equal(t, pk.TaskID, box.asked[0].TaskID)
		require.Equal(t, 2, box.asked[1].Attempt)
		require.Equal(t, replica.SecurityCodeMessage, box.asked[1].Refused, "the form's own words")
		require.Positive(t, srv.AnalyticsHits(), "the page's beacon answered 429 and decided nothing")
		require.Equal(t, 1, box.closed, "the request is closed")
	})
	t.Run("never given", func(t *testing.T) {
		t.Parallel()
		box := &mailbox{never: true}
		srv, a, j, form, _, _ := liveSetup(t, p, replica.Variant{SecurityCode: true}, browser.Options{MaxBrowsers: 1, Codes: box, CodeWindow: 2 * time.Second})
		box.srv = srv
		_, err := a.Apply(context.Background(), packet(p, j, form))
		require.Equal(t, domain.OutcomeNeedsUser, domain.ClassifyApply(err, false), "error: %v", err)
		var nu *domain.NeedsUserError
		require.ErrorAs(t, err, &nu)
		require.Contains(t, nu.Why, "not given in time")
		require.Contains(t, nu.Why, "did not receive")
		require.Empty(t, srv.Accepted(), "Greenhouse completes an application only with its code")
		require.Len(t, srv.Submissions(), 1)
	})
	t.Run("refused every time", func(t *testing.T) {
		t.Parallel()
		box := &mailbox{wrong: domain.MaxCodeTries}
		srv, a, j, form, _, _ := liveSetup(t, p, replica.Variant{SecurityCode: true}, browser.Options{MaxBrowsers: 1, Codes: box})
		box.srv = srv
		_, err := a.Apply(context.Background(), packet(p, j, form))
		var nu *domain.NeedsUserError
		require.ErrorAs(t, err, &nu, "error: %v", err)
		require.Contains(t, nu.Why, "refused 3 security codes")
		require.Empty(t, srv.Accepted())
		require.Len(t, box.asked, domain.MaxCodeTries)
	})
	t.Run("no way to ask", func(t *testing.T) {
		t.Parallel()
		srv, a, j, form, _, _ := liveSetup(t, p, replica.Variant{SecurityCode: true}, browser.Options{MaxBrowsers: 1})
		_, err := a.Apply(context.Background(), packet(p, j, form))
		require.Equal(t, domain.OutcomeNeedsUser, domain.ClassifyApply(err, false), "error: %v", err)
		require.Empty(t, srv.Accepted())
	})
}

// TestApply_PosedChallengesAndForeignSites: a challenge shown before the
// click, or a page that sends the browser to another site, stops the
// application before anything is typed; a challenge posed on submit, or a
// refusal asking to complete one, stops it with nothing accepted. applyq
// never solves, clicks or bypasses a challenge.
func TestApply_PosedChallengesAndForeignSites(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		p        domain.Platform
		v        replica.Variant
		why      string
		sent     int  // submissions the platform records
		filled   bool // the form was filled before it stopped (the challenge came on submit)
		messages string
	}{
		{"greenhouse checkbox", domain.PlatformGreenhouse, replica.Variant{Challenge: replica.ChallengeCheckbox}, "CAPTCHA", 0, false, ""},
		{"lever checkbox", domain.PlatformLever, replica.Variant{LeverCaptcha: replica.LeverCaptchaCheckbox}, "CAPTCHA", 0, false, ""},
		{"greenhouse image grid on submit", domain.PlatformGreenhouse, replica.Variant{Challenge: replica.ChallengeImageGrid}, "challenge", 0, true, ""},
		{"greenhouse refuses until a reCAPTCHA is completed", domain.PlatformGreenhouse, replica.Variant{Challenge: replica.ChallengeRefusal}, "CAPTCHA", 1, true, replica.RecaptchaRefusalMessage},
		{"redirect to the employer's site", domain.PlatformGreenhouse, replica.Variant{Redirect: replica.RedirectHTTP}, "which is not Greenhouse's own site", 0, false, ""},
		{"script sends the page to the employer's site", domain.PlatformLever, replica.Variant{Redirect: replica.RedirectScript}, "which is not Lever's own site", 0, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, a, j, form, _, _ := liveSetup(t, c.p, c.v, browser.Options{MaxBrowsers: 1})
			_, err := a.Apply(context.Background(), packet(c.p, j, form))
			require.Equal(t, domain.OutcomeNeedsUser, domain.ClassifyApply(err, false), "error: %v", err)
			var nu *domain.NeedsUserError
			require.ErrorAs(t, err, &nu)
			require.Contains(t, nu.Why, c.why)
			if c.messages != "" {
				require.Contains(t, strings.Join(nu.Messages, "\n"), c.messages)
			}
			require.Len(t, srv.Submissions(), c.sent)
			require.Empty(t, srv.Accepted(), "nothing was taken")
			if c.filled {
				require.Equal(t, []string{"filled_form screenshot", "filled_form application/json", "needs_user screenshot"}, kinds(nu.Evidence))
			} else {
				require.Equal(t, []string{"needs_user screenshot"}, kinds(nu.Evidence), "stopped before anything was typed")
			}
			if c.v.Redirect != replica.RedirectNone {
				u, err := url.Parse(srv.ForeignURL())
				require.NoError(t, err)
				require.Contains(t, nu.Why, u.Scheme+"://"+u.Host, "it names where the page went")
				require.Empty(t, srv.ForeignRequests(), "the browser never reached the other site")
				require.Zero(t, srv.ForeignTyped(), "nothing typed there")
			}
		})
	}
}

// TestApply_OutcomesAreReadOnlyWithProof: the three misreadings found from
// the outside, on the live forms — a 429 beacon after an accepted
// submission, a self-hiding button with thanks already in the job's
// description, a refusal followed by a thank-you elsewhere on the page.
func TestApply_OutcomesAreReadOnlyWithProof(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		p        domain.Platform
		v        replica.Variant
		want     domain.ApplyOutcome
		accepted int
		sent     int
	}{
		{"a 429 beacon after the accepted submission", domain.PlatformGreenhouse, replica.Variant{BeaconAfterSubmit: true}, domain.OutcomeSubmitted, 1, 1},
		{"a 429 beacon on ashby", domain.PlatformAshby, replica.Variant{BeaconAfterSubmit: true}, domain.OutcomeSubmitted, 1, 1},
		{"a self-hiding button, thanks in the description", domain.PlatformGreenhouse, replica.Variant{SelfHidingButton: true, ThankYouInDescription: true}, domain.OutcomeNotSent, 0, 0},
		{"a refusal, then thanks beside the form", domain.PlatformGreenhouse, replica.Variant{RejectThenThanks: true}, domain.OutcomeNeedsUser, 0, 1},
		{"a refusal, then thanks, on lever", domain.PlatformLever, replica.Variant{RejectThenThanks: true, ThankYouInDescription: true}, domain.OutcomeNeedsUser, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, a, j, form, _, _ := liveSetup(t, c.p, c.v, browser.Options{MaxBrowsers: 1})
			_, err := a.Apply(context.Background(), packet(c.p, j, form))
			require.Equal(t, c.want, domain.ClassifyApply(err, false), "error: %v", err)
			require.False(t, errors.Is(err, domain.ErrThrottled), "nothing here backs the platform off")
			require.Len(t, srv.Submissions(), c.sent)
			require.Len(t, srv.Accepted(), c.accepted)
		})
	}
}

// TestReadForm_LiveForms: reading the live forms finds Lever's cards (not
// in its postings API) and Ashby's script-drawn questions — labels from
// the card or the entry, never an option's; required from the marks the
// platform uses; the options a combobox shows once opened — and nothing
// is sent.
func TestReadForm_LiveForms(t *testing.T) {
	t.Parallel()
	for _, p := range platforms {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			v := replica.Variant{Live: true}
			j := job(p)
			j.Questions = liveQuestions(p)
			srv := replica.New(p, j, v)
			t.Cleanup(srv.Close)
			a := newApplier(t, browser.Options{MaxBrowsers: 1}, srv)
			form, err := a.ReadForm(context.Background(), domain.FormTarget{Platform: p, Board: j.Board, PostingID: j.ID})
			require.NoError(t, err)
			require.Empty(t, srv.Submissions())
			byField := map[string]domain.Question{}
			for _, q := range form.Questions {
				byField[q.Field] = q
			}
			for _, q := range j.Questions {
				got, ok := byField[replica.FieldName(p, q)]
				require.True(t, ok, "question %q (%s) among %v", q.Label, replica.FieldName(p, q), fieldsOf(form.Questions))
				require.Equal(t, q.Label, got.Label)
				require.True(t, got.Required, q.Label)
				require.Equal(t, q.Kind, got.Kind, q.Label)
				if len(q.Options) > 0 {
					require.Equal(t, replicaLabels(q.Options), optionLabels(got.Options), q.Label)
				}
			}
		})
	}
}
