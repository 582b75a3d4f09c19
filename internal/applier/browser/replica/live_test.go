package replica

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/applyq/applyq/internal/domain"
)

// liveValid is validForm plus the invisible reCAPTCHA's token a Live
// Greenhouse page sends.
func liveValid(s *Server) (map[string][]string, map[string][]File) {
	fields, files := validForm(s)
	if s.liveGreenhouse() {
		fields["g-recaptcha-response"] = []string{s.CaptchaToken()}
	}
	return fields, files
}

func postPath(t *testing.T, s *Server, path string) (int, string) {
	t.Helper()
	resp, err := noRedirect.Post(s.URL()+path, "application/x-www-form-urlencoded", strings.NewReader(""))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func decodeJSON(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return m
}

func inside(n *html.Node, pred func(*html.Node) bool) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && pred(p) {
			return true
		}
	}
	return false
}

func hasAttr(key string) func(*html.Node) bool {
	return func(n *html.Node) bool { _, ok := attrOf(n, key); return ok }
}

func TestLiveGreenhousePage(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformGreenhouse, testJob(domain.PlatformGreenhouse), Variant{Live: true})
	defer s.Close()
	status, body := get(t, s.FormURL())
	require.Equal(t, http.StatusOK, status)
	requireNoExternalURL(t, body)
	doc := parse(t, body)
	isForm := byAttr("id", "application-form")

	form := findAll(doc, isForm)
	require.Len(t, form, 1)
	for _, a := range []string{"action", "method"} {
		_, ok := attrOf(form[0], a)
		require.False(t, ok, "the live form is sent by script, it has no %s", a)
	}
	apply := findAll(doc, hasAttr("data-apply"))
	require.Len(t, apply, 1)
	require.Equal(t, "Apply", text(apply[0]))
	require.False(t, inside(apply[0], isForm), "Apply is outside the form")

	require.Empty(t, findAll(form[0], func(n *html.Node) bool { return n.Data == "select" }), "no native select")
	for _, id := range []string{"question_1003", "question_1004", "question_1005", "candidate-location"} {
		in := findAll(doc, byAttr("id", id))
		require.Len(t, in, 1, id)
		role, _ := attrOf(in[0], "role")
		require.Equal(t, "combobox", role, id)
		exp, _ := attrOf(in[0], "aria-expanded")
		require.Equal(t, "false", exp, id)
		require.True(t, inside(in[0], hasClass("select__container")), id)
		require.Len(t, findAll(doc, func(n *html.Node) bool { v, _ := attrOf(n, "for"); return n.Data == "label" && v == id }), 1, id)
	}
	for _, name := range []string{"question_1003", "question_1004[]", "question_1005", "location", "location_place_id"} {
		h := findAll(doc, byAttr("name", name))
		require.Len(t, h, 1, name)
		typ, _ := attrOf(h[0], "type")
		require.Equal(t, "hidden", typ, name)
	}
	label := findAll(doc, byAttr("for", "candidate-location"))
	require.Equal(t, LocationLabel, text(label[0]))
	require.Contains(t, s.FieldNames(), "location")
	require.NotContains(t, s.RequiredFieldNames(), "location")

	for _, id := range []string{"resume", "cover_letter", "question_1006"} {
		in := findAll(doc, byAttr("id", id))
		require.Len(t, in, 1, id)
		typ, _ := attrOf(in[0], "type")
		require.Equal(t, "file", typ)
		require.True(t, hasClass("visually-hidden")(in[0]), id)
		require.True(t, inside(in[0], hasAttr("data-dropzone")), id)
		btn := findAll(doc, byAttr("data-attach", id))
		require.Len(t, btn, 1)
		require.Equal(t, "Attach", text(btn[0]))
	}

	badge := findAll(doc, hasClass("grecaptcha-badge"))
	require.Len(t, badge, 1)
	require.False(t, inside(badge[0], isForm))
	frames := findAll(badge[0], func(n *html.Node) bool { return n.Data == "iframe" })
	require.Len(t, frames, 1)
	src, _ := attrOf(frames[0], "src")
	require.Contains(t, src, "recaptcha/enterprise/anchor")
	require.Contains(t, src, "size=invisible")
	ta := findAll(badge[0], byAttr("id", "g-recaptcha-response"))
	require.Len(t, ta, 1)
	require.Equal(t, "textarea", ta[0].Data)
	status, anchor := get(t, s.URL()+src)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, anchor, "protected by reCAPTCHA")

	// The phone component's country list: options in the DOM, hidden.
	countries := findAll(doc, byAttr("id", "phone-country-listbox"))
	require.Len(t, countries, 1)
	require.True(t, inside(countries[0], hasAttr("hidden")))

	// The page posts elsewhere: a POST to the page itself is refused.
	resp, err := noRedirect.PostForm(s.FormURL(), url.Values{"first_name": {"Ada"}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	require.Equal(t, s.FormURL()+"/applications", s.SubmitURL())
	require.Empty(t, s.Submissions())
}

func TestLiveGreenhouseSubmission(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformGreenhouse, testJob(domain.PlatformGreenhouse), Variant{Live: true})
	defer s.Close()
	status, body := postPath(t, s, "/recaptcha/enterprise/reload?k="+RecaptchaSiteKey)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, s.CaptchaToken(), decodeJSON(t, body)["token"])

	fields, files := validForm(s)
	resp, body := post(t, s, fields, files)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "no token")
	require.Contains(t, body, RecaptchaRefusalMessage)

	fields, files = liveValid(s)
	fields["location"] = []string{"Atlantis"}
	fields["location_place_id"] = []string{"nowhere"}
	resp, body = post(t, s, fields, files)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `"field":"location"`)

	fields["location"] = []string{"London, England, United Kingdom"}
	fields["location_place_id"] = []string{"replica-place-london"}
	resp, body = post(t, s, fields, files)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"status":"success","redirect":"/acme/jobs/4012345/confirmation"}`, body)
	require.Len(t, s.Submissions(), 3)
	acc := s.Accepted()
	require.Len(t, acc, 1)
	requireRecorded(t, acc[0], fields, files)

	status, body = get(t, s.FormURL()+"/locations?q=lon")
	require.Equal(t, http.StatusOK, status)
	var res struct {
		Results []place `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	require.Len(t, res.Results, 3)
	require.Equal(t, "London, England, United Kingdom", res.Results[0].Label)
	_, body = get(t, s.FormURL()+"/locations?q=l")
	require.JSONEq(t, `{"results":[]}`, body, "two characters at least")
	require.Len(t, Locations(), len(places))
}

func TestChallengeVariantsHTTP(t *testing.T) {
	t.Parallel()
	job := testJob(domain.PlatformGreenhouse)
	t.Run("refusal", func(t *testing.T) {
		t.Parallel()
		s := New(domain.PlatformGreenhouse, job, Variant{Live: true, Challenge: ChallengeRefusal})
		defer s.Close()
		_, page := get(t, s.FormURL())
		doc := parse(t, page)
		require.Len(t, findAll(doc, hasClass("grecaptcha-badge")), 1)
		require.Empty(t, findAll(doc, hasClass("g-recaptcha")))
		require.False(t, strings.Contains(page, "recaptcha/enterprise/bframe"), "no challenge on this page")
		fields, files := liveValid(s)
		resp, body := post(t, s, fields, files)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		require.Contains(t, body, RecaptchaRefusalMessage)
		require.Len(t, s.Submissions(), 1)
		require.Empty(t, s.Accepted())
	})
	t.Run("checkbox", func(t *testing.T) {
		t.Parallel()
		s := New(domain.PlatformGreenhouse, job, Variant{Live: true, Challenge: ChallengeCheckbox})
		defer s.Close()
		_, page := get(t, s.FormURL())
		doc := parse(t, page)
		require.Empty(t, findAll(doc, hasClass("grecaptcha-badge")), "a mounted widget, no badge")
		w := findAll(doc, hasClass("g-recaptcha"))
		require.Len(t, w, 1)
		require.True(t, inside(w[0], byAttr("id", "application-form")))
		f := findAll(w[0], func(n *html.Node) bool { return n.Data == "iframe" })
		require.Len(t, f, 1)
		src, _ := attrOf(f[0], "src")
		require.Contains(t, src, "recaptcha/enterprise/anchor")
		require.NotContains(t, src, "size=invisible")
		_, anchor := get(t, s.URL()+src)
		require.Contains(t, anchor, "I'm not a robot")
		require.Contains(t, anchor, s.CaptchaToken())
		status, _ := postPath(t, s, "/recaptcha/enterprise/reload")
		require.Equal(t, http.StatusNotFound, status, "nothing to execute: the checkbox gives the token")

		fields, files := validForm(s)
		resp, _ := post(t, s, fields, files)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		fields["g-recaptcha-response"] = []string{s.CaptchaToken()}
		resp, _ = post(t, s, fields, files)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Len(t, s.Accepted(), 1)
	})
	t.Run("imagegrid", func(t *testing.T) {
		t.Parallel()
		s := New(domain.PlatformGreenhouse, job, Variant{Live: true, Challenge: ChallengeImageGrid})
		defer s.Close()
		status, body := postPath(t, s, "/recaptcha/enterprise/reload")
		require.Equal(t, http.StatusOK, status)
		m := decodeJSON(t, body)
		require.NotContains(t, m, "token", "a challenge, not a token")
		id, _ := m["challenge"].(string)
		require.NotEmpty(t, id)
		_, frame := get(t, s.URL()+"/recaptcha/enterprise/bframe?k="+RecaptchaSiteKey+"&c="+id)
		doc := parse(t, frame)
		require.Len(t, findAll(doc, hasClass("rc-imageselect-tile")), 9)
		require.Len(t, findAll(doc, byAttr("id", "recaptcha-verify-button")), 1)
		require.Contains(t, frame, "isTrusted")
		requireNoExternalURL(t, frame)
		right := s.challengeTiles(id)
		verify := func(tiles string) map[string]any {
			resp, err := noRedirect.PostForm(s.URL()+"/recaptcha/enterprise/userverify", url.Values{"c": {id}, "response": {tiles}})
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			b, _ := io.ReadAll(resp.Body)
			return decodeJSON(t, string(b))
		}
		require.NotContains(t, verify("0"), "token")
		require.Equal(t, s.CaptchaToken(), verify(joinInts(right))["token"])
		fields, files := validForm(s)
		resp, _ := post(t, s, fields, files)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "no token: refused")
		require.Empty(t, s.Accepted())
	})
}

func TestSecurityCodeHTTP(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformGreenhouse, Job{Board: "acme", ID: "77"}, Variant{Live: true, SecurityCode: true})
	defer s.Close()
	fields, files := liveValid(s)
	resp, body := post(t, s, fields, files)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"status":"security_code_required","email":"ada@example.com"}`, body)
	codes := s.MailedCodes()
	require.Len(t, codes, 1)
	require.Equal(t, "ada@example.com", codes[0].Address)
	require.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9]{8}$`), codes[0].Code)
	require.False(t, codes[0].At.IsZero())
	code := codes[0].Code

	for _, wrong := range []string{"", "AAAAAAAA", flipCase(code)} {
		if wrong == code {
			continue // a code of digits only has no other case
		}
		fields["security_code"] = []string{wrong}
		resp, body = post(t, s, fields, files)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, wrong)
		require.Contains(t, body, SecurityCodeMessage)
		require.Contains(t, body, `"status":"security_code_invalid"`)
	}
	require.Empty(t, s.Accepted())
	require.Len(t, s.MailedCodes(), 1, "a wrong code keeps the step")

	fields["security_code"] = []string{code}
	resp, body = post(t, s, fields, files)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `"status":"success"`)
	require.Len(t, s.Accepted(), 1)

	// The same code again: a new application, a new step, not accepted.
	resp, body = post(t, s, fields, files)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "security_code_required")
	require.Len(t, s.Accepted(), 1, "accepted exactly once")
	require.Len(t, s.MailedCodes(), 2)
	accepted := 0
	for _, sub := range s.Submissions() {
		if sub.Accepted {
			accepted++
			require.Equal(t, []string{code}, sub.Fields["security_code"])
		}
	}
	require.Equal(t, 1, accepted)
}

func flipCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 32
		case r >= 'A' && r <= 'Z':
			return r + 32
		}
		return r
	}, s)
}

func TestLeverLiveHTTP(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformLever, testJob(domain.PlatformLever), Variant{Live: true})
	defer s.Close()
	_, body := get(t, s.FormURL())
	requireNoExternalURL(t, body)
	require.Contains(t, body, `.page-centered,.g-recaptcha div,.h-captcha-spacing {display: block; margin: 0 auto;}`)
	doc := parse(t, body)
	require.Empty(t, findAll(doc, func(n *html.Node) bool {
		return n.Data == "iframe" || hasClass("g-recaptcha")(n) || hasClass("h-captcha")(n)
	}), "the only recaptcha on the page is the CSS rule")
	for _, q := range s.Questions() {
		name := FieldName(domain.PlatformLever, q)
		controls := findAll(doc, byAttr("name", name))
		require.NotEmpty(t, controls, name)
		card := findAll(doc, func(n *html.Node) bool {
			return hasClass("custom-question")(n) && len(findAll(n, byAttr("name", name))) > 0
		})
		require.Len(t, card, 1, name)
		head := findAll(card[0], hasClass("application-label"))
		require.Len(t, head, 1)
		require.Contains(t, text(head[0]), q.Label)
		require.Empty(t, findAll(card[0], func(n *html.Node) bool { _, ok := attrOf(n, "for"); return n.Data == "label" && ok }), "no <label for> in a card")
		if q.Kind == KindBoolean || q.Kind == KindMultiSelect {
			for _, c := range controls {
				require.Equal(t, "label", c.Parent.Data, "each option in its own label")
				require.True(t, hasClass("application-answer-alternative")(c.NextSibling))
			}
		}
	}
	postValid(t, s)
	require.Len(t, s.Accepted(), 1)

	inv := New(domain.PlatformLever, testJob(domain.PlatformLever), Variant{LeverCaptcha: LeverCaptchaInvisible})
	defer inv.Close()
	_, body = get(t, inv.FormURL())
	doc = parse(t, body)
	w := findAll(doc, byAttr("id", "h-captcha"))
	require.Len(t, w, 1)
	size, _ := attrOf(w[0], "data-size")
	require.Equal(t, "invisible", size)
	f := findAll(w[0], func(n *html.Node) bool { return n.Data == "iframe" })
	src, _ := attrOf(f[0], "src")
	require.Contains(t, src, "size=invisible")
	status, _ := get(t, inv.URL()+src)
	require.Equal(t, http.StatusOK, status)
	fields, files := validForm(inv)
	resp, body := post(t, inv, fields, files)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, CaptchaMessage)
	status, body = postPath(t, inv, "/hcaptcha/checkcaptcha?sitekey="+HcaptchaSiteKey)
	require.Equal(t, http.StatusOK, status)
	fields["h-captcha-response"] = []string{decodeJSON(t, body)["generated_pass_UUID"].(string)}
	resp, _ = post(t, inv, fields, files)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, inv.Accepted(), 1)

	box := New(domain.PlatformLever, testJob(domain.PlatformLever), Variant{Live: true, LeverCaptcha: LeverCaptchaCheckbox})
	defer box.Close()
	_, body = get(t, box.FormURL())
	require.Contains(t, body, `src="/hcaptcha/checkbox.html"`)
	status, widget := get(t, box.URL()+"/hcaptcha/checkbox.html")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, widget, box.CaptchaToken())
	fields, files = validForm(box)
	resp, _ = post(t, box, fields, files)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestAshbyLiveHTTP(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformAshby, testJob(domain.PlatformAshby), Variant{Live: true})
	defer s.Close()
	_, body := get(t, s.FormURL())
	requireNoExternalURL(t, body)
	doc := parse(t, body)
	require.Empty(t, findAll(doc, func(n *html.Node) bool { return n.Data == "form" }))
	tpl := findAll(doc, byAttr("id", "ashby-application-form-template"))
	require.Len(t, tpl, 1)
	require.Empty(t, findAll(tpl[0], func(n *html.Node) bool {
		_, r := attrOf(n, "required")
		_, a := attrOf(n, "aria-required")
		return r || a
	}), "no required or aria-required anywhere")
	required := s.RequiredFieldNames()
	for _, f := range s.fields {
		entry := findAll(tpl[0], byAttr("data-field-path", f.ID))
		require.Len(t, entry, 1, f.Name)
		title := findAll(entry[0], hasClass("ashby-application-form-question-title"))
		require.Len(t, title, 1)
		require.Equal(t, slices.Contains(required, f.Name), hasClass(AshbyRequiredClass)(title[0]), f.Name)
		require.NotContains(t, text(title[0]), "*", "the asterisk is drawn by CSS")
	}
	yes := s.Questions()[4]
	entry := findAll(tpl[0], byAttr("data-field-path", yes.ID))[0]
	btns := findAll(entry, func(n *html.Node) bool { return n.Data == "button" })
	require.Len(t, btns, 2)
	for i, b := range btns {
		typ, _ := attrOf(b, "type")
		require.Equal(t, "button", typ)
		p, _ := attrOf(b, "aria-pressed")
		require.Equal(t, "false", p)
		require.Equal(t, []string{"Yes", "No"}[i], text(b))
	}
	sel := findAll(tpl[0], byAttr("id", s.Questions()[2].ID))
	role, _ := attrOf(sel[0], "role")
	require.Equal(t, "combobox", role)
	resume := findAll(tpl[0], byAttr("id", "_systemfield_resume"))
	require.True(t, inside(resume[0], hasAttr("data-dropzone")))
	style, _ := attrOf(resume[0], "style")
	require.Contains(t, style, "display:none")

	postValid(t, s)
	require.Len(t, s.Accepted(), 1)
	fields, files := validForm(s)
	delete(fields, "_systemfield_name")
	_, body = post(t, s, fields, files)
	require.Contains(t, body, AshbyMissingMessage)
}

func TestRedirectHTTP(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformLever, testJob(domain.PlatformLever), Variant{Redirect: RedirectHTTP})
	defer s.Close()
	resp, err := noRedirect.Get(s.FormURL())
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, s.ForeignURL(), resp.Header.Get("Location"))
	fu, _ := url.Parse(s.ForeignURL())
	su, _ := url.Parse(s.URL())
	require.NotEqual(t, su.Host, fu.Host)
	status, page := get(t, s.ForeignURL())
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, `id="careers-application"`)
	for _, ev := range []string{`{"type":"input","field":"candidate_name"}`, `{"type":"keydown"}`, `{"type":"focus"}`} {
		r, err := noRedirect.Post(fu.Scheme+"://"+fu.Host+"/events", "text/plain", strings.NewReader(ev))
		require.NoError(t, err)
		_ = r.Body.Close()
	}
	require.Equal(t, 2, s.ForeignTyped(), "input and keydown count, focus does not")
	require.Equal(t, []string{"GET " + fu.Path, "POST /events", "POST /events", "POST /events"}, s.ForeignRequests())

	script := New(domain.PlatformAshby, testJob(domain.PlatformAshby), Variant{Redirect: RedirectScript})
	defer script.Close()
	status, page = get(t, script.FormURL())
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, script.ForeignURL())

	plain := New(domain.PlatformAshby, testJob(domain.PlatformAshby), Variant{})
	defer plain.Close()
	require.Empty(t, plain.ForeignURL())
	require.Empty(t, plain.ForeignRequests())
}

func TestPostClickTrapsHTTP(t *testing.T) {
	t.Parallel()
	t.Run("beacon", func(t *testing.T) {
		t.Parallel()
		forEachPlatform(t, Variant{BeaconAfterSubmit: true}, func(t *testing.T, p domain.Platform, s *Server) {
			status, _ := postPath(t, s, AnalyticsPath)
			require.Equal(t, http.StatusTooManyRequests, status)
			require.Equal(t, 1, s.AnalyticsHits())
			require.Empty(t, s.Submissions(), "a beacon is not an application")
			if p != domain.PlatformAshby {
				_, page := get(t, s.ConfirmationURL())
				require.Contains(t, page, AnalyticsPath)
			} else {
				_, page := get(t, s.FormURL())
				require.Contains(t, page, AnalyticsPath)
			}
		})
		plain := New(domain.PlatformLever, testJob(domain.PlatformLever), Variant{})
		defer plain.Close()
		status, _ := postPath(t, plain, AnalyticsPath)
		require.Equal(t, http.StatusNotFound, status)
	})
	t.Run("thank-you-in-description", func(t *testing.T) {
		t.Parallel()
		forEachPlatform(t, Variant{ThankYouInDescription: true}, func(t *testing.T, p domain.Platform, s *Server) {
			_, page := get(t, s.FormURL())
			require.Contains(t, page, ThankYouDescriptionText)
			plain := New(p, testJob(p), Variant{})
			defer plain.Close()
			_, page = get(t, plain.FormURL())
			require.NotContains(t, page, ThankYouDescriptionText)
		})
	})
	t.Run("reject-then-thanks", func(t *testing.T) {
		t.Parallel()
		forEachPlatform(t, Variant{RejectThenThanks: true}, func(t *testing.T, p domain.Platform, s *Server) {
			resp, body := postValid(t, s)
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
			require.Contains(t, body, RejectMessage)
			if p != domain.PlatformAshby {
				doc := parse(t, body)
				promo := findAll(doc, hasAttr("data-promo"))
				require.Len(t, promo, 1)
				require.Contains(t, text(promo[0]), RejectThanksText)
				require.False(t, inside(promo[0], byAttr("id", "application-form")), "outside the form")
				require.Len(t, findAll(doc, byAttr("role", "alert")), 1)
			}
			subs := s.Submissions()
			require.Len(t, subs, 1)
			require.False(t, subs[0].Accepted)
		})
	})
	t.Run("self-hiding-button", func(t *testing.T) {
		t.Parallel()
		forEachPlatform(t, Variant{SelfHidingButton: true}, func(t *testing.T, p domain.Platform, s *Server) {
			_, page := get(t, s.FormURL())
			require.Contains(t, page, "stopImmediatePropagation")
		})
	})
}

func TestNewRefusesMeaninglessVariants(t *testing.T) {
	t.Parallel()
	gh, lever, ashby := domain.PlatformGreenhouse, domain.PlatformLever, domain.PlatformAshby
	job := Job{Board: "acme", ID: "1"}
	for _, c := range []struct {
		p domain.Platform
		v Variant
	}{
		{lever, Variant{Live: true, SecurityCode: true}},
		{gh, Variant{SecurityCode: true}},
		{ashby, Variant{Live: true, Challenge: ChallengeImageGrid}},
		{gh, Variant{Challenge: ChallengeRefusal}},
		{gh, Variant{LeverCaptcha: LeverCaptchaInvisible}},
		{lever, Variant{Captcha: true, LeverCaptcha: LeverCaptchaCheckbox}},
		{gh, Variant{Live: true, Captcha: true}},
		{gh, Variant{Live: true, MultiStep: true}},
		{ashby, Variant{Live: true, MultiStep: true}},
		{gh, Variant{Redirect: RedirectHTTP, LoginWall: true}},
		{gh, Variant{Live: true, SecurityCode: true, TooMany: true}},
		{gh, Variant{Live: true, SecurityCode: true, Challenge: ChallengeRefusal}},
		{gh, Variant{SelfHidingButton: true, BeaconAfterSubmit: true}},
		{lever, Variant{SelfHidingButton: true, RejectThenThanks: true}},
		{gh, Variant{Challenge: ChallengeKind(9), Live: true}},
		{gh, Variant{Redirect: RedirectKind(-1)}},
	} {
		require.Panics(t, func() { New(c.p, job, c.v) }, "%s %+v", c.p, c.v)
	}
	require.Panics(t, func() {
		New(lever, Job{Board: "acme", ID: "1", Questions: []Question{{ID: "a", Label: "A", Kind: KindText, Radios: true}}}, Variant{})
	})
	require.Panics(t, func() {
		New(gh, Job{Board: "acme", ID: "1", Questions: []Question{{ID: "1", Label: "A", Kind: KindSingleSelect, Radios: true,
			Options: []Option{{Label: "x"}}}}}, Variant{Live: true})
	})
	// Combinations that make sense start.
	for _, c := range []struct {
		p domain.Platform
		v Variant
	}{
		{gh, Variant{Live: true, SecurityCode: true, BeaconAfterSubmit: true, ThankYouInDescription: true}},
		{gh, Variant{Live: true, SecurityCode: true, Challenge: ChallengeImageGrid, ConfirmationDelay: 1}},
		{gh, Variant{Live: true, Challenge: ChallengeCheckbox, RejectThenThanks: true, Redirect: RedirectScript}},
		{lever, Variant{Live: true, LeverCaptcha: LeverCaptchaInvisible, MultiStep: true, BeaconAfterSubmit: true}},
		{ashby, Variant{Live: true, Captcha: true, SelfHidingButton: true, Redirect: RedirectHTTP}},
	} {
		s := New(c.p, testJob(c.p), c.v)
		status, _ := get(t, s.URL()+"/")
		require.Equal(t, http.StatusNotFound, status)
		s.Close()
	}
}
