package replica

import (
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

var esc = html.EscapeString

// theme is the markup a platform dresses its fields in.
type theme struct {
	wrapClass  string // the field's wrapper
	labelClass string
	inputClass string
	errorClass string // besides role="alert"
	mark       string // the required marker
	prompt     string // a select's empty first option
}

func (s *Server) theme() theme {
	switch s.platform {
	case domain.PlatformGreenhouse:
		return theme{wrapClass: "field-wrapper", labelClass: "label", inputClass: "input", errorClass: "helper-text helper-text--error", mark: "*", prompt: "Select..."}
	case domain.PlatformLever:
		return theme{wrapClass: "application-question", labelClass: "application-label", inputClass: "application-field", errorClass: "error-message application-error", mark: "✱", prompt: "Select ..."}
	}
	return theme{wrapClass: "ashby-application-form-field-entry", labelClass: "ashby-application-form-question-title", inputClass: "ashby-input", errorClass: "ashby-application-form-field-entry-error", mark: "*", prompt: "Select..."}
}

// stepTitles names the sections (steps) of each platform's form.
func (s *Server) stepTitles() [3]string {
	switch s.platform {
	case domain.PlatformGreenhouse:
		return [3]string{"Personal information", "Resume and cover letter", "Additional questions"}
	case domain.PlatformLever:
		return [3]string{"Submit your application", "Links", "Additional questions"}
	}
	return [3]string{"Your details", "Resume", "Questions"}
}

func attr(name, value string) string { return " " + name + `="` + esc(value) + `"` }

// renderField is the markup of one field, with vals prefilled and msg (if
// any) shown as its error: the live markup under Live, else renderNative.
func (s *Server) renderField(f field, th theme, vals map[string][]string, msg string) string {
	if s.v.Live {
		switch s.platform {
		case domain.PlatformGreenhouse:
			return s.ghLiveField(f, th)
		case domain.PlatformAshby:
			return s.ashbyLiveField(f)
		case domain.PlatformLever:
			if f.Question != nil {
				return s.leverCard(f, th, vals, msg)
			}
		}
	}
	return s.renderNative(f, th, vals, msg)
}

// renderNative is the markup of one field as native controls, each with its
// <label for>, with vals prefilled and msg (if any) shown as its error.
func (s *Server) renderNative(f field, th theme, vals map[string][]string, msg string) string {
	var b strings.Builder
	errID := f.ID + "-error"
	mark := ""
	if f.Required {
		mark = `<span class="required" aria-hidden="true">` + th.mark + `</span>`
	}
	req := ""
	if f.Required {
		req = ` required aria-required="true"`
	}
	invalid := ""
	if msg != "" {
		invalid = ` aria-invalid="true"` + attr("aria-describedby", errID)
	}
	errDiv := ""
	if msg != "" {
		errDiv = `<div` + attr("class", th.errorClass) + ` role="alert"` + attr("id", errID) + ` data-field-error>` + esc(msg) + `</div>`
	}
	pre := ""
	if s.platform == domain.PlatformLever && f.Question != nil {
		pre = `<input type="hidden"` + attr("name", "cards["+f.Question.ID+"][baseTemplate]") + attr("value", leverTemplate(f.Question)) + `>`
	}
	cur := vals[f.Name]
	if f.Group {
		typ := "checkbox"
		if f.Kind != KindMultiSelect {
			typ = "radio"
		}
		flags := ""
		if f.Required {
			flags += ` aria-required="true"`
		}
		if msg != "" {
			flags += ` aria-invalid="true"`
		}
		fmt.Fprintf(&b, `<fieldset%s%s data-group%s>`, attr("id", f.ID), attr("class", th.wrapClass+" "+typ+"-group"), flags)
		b.WriteString(pre)
		fmt.Fprintf(&b, `<legend%s>%s%s</legend>`, attr("class", th.labelClass), esc(f.Label), mark)
		for i, o := range f.Options {
			oid := fmt.Sprintf("%s_%d", f.ID, i)
			r := ""
			if typ == "radio" && f.Required {
				r = " required"
			}
			checked := ""
			if slices.Contains(cur, o.Value) {
				checked = " checked"
			}
			inv := ""
			if msg != "" {
				inv = ` aria-invalid="true"` + attr("aria-describedby", errID)
			}
			fmt.Fprintf(&b, `<div class="option"><input type="%s"%s%s%s%s%s%s><label%s>%s</label></div>`,
				typ, attr("id", oid), attr("name", f.Name), attr("value", o.Value), r, checked, inv, attr("for", oid), esc(o.Label))
		}
		b.WriteString(errDiv)
		b.WriteString(`</fieldset>`)
		return b.String()
	}
	fmt.Fprintf(&b, `<div%s>`, attr("class", th.wrapClass))
	b.WriteString(pre)
	fmt.Fprintf(&b, `<label%s%s>%s%s</label>`, attr("for", f.ID), attr("class", th.labelClass), esc(f.Label), mark)
	common := attr("id", f.ID) + attr("name", f.Name) + attr("class", th.inputClass) + req + invalid
	switch {
	case f.Kind == KindTextarea:
		ph := ""
		if f.Placeholder != "" {
			ph = attr("placeholder", f.Placeholder)
		}
		fmt.Fprintf(&b, `<textarea%s rows="5"%s>%s</textarea>`, common, ph, esc(first(cur)))
	case f.Kind == KindFile:
		fmt.Fprintf(&b, `<input type="file"%s%s>`, common, attr("accept", f.Accept))
		b.WriteString(`<div class="file-hint">PDF, DOC, DOCX, TXT or RTF</div>`)
	case len(f.Options) > 0: // single select, Greenhouse's yes/no
		fmt.Fprintf(&b, `<select%s><option value="">%s</option>`, common, esc(th.prompt))
		for _, o := range f.Options {
			sel := ""
			if first(cur) == o.Value {
				sel = " selected"
			}
			fmt.Fprintf(&b, `<option%s%s>%s</option>`, attr("value", o.Value), sel, esc(o.Label))
		}
		b.WriteString(`</select>`)
	default:
		extra := ""
		if f.Autocomplete != "" {
			extra += attr("autocomplete", f.Autocomplete)
		}
		if f.Placeholder != "" {
			extra += attr("placeholder", f.Placeholder)
		}
		fmt.Fprintf(&b, `<input%s%s%s%s>`, attr("type", f.Input), common, attr("value", first(cur)), extra)
	}
	b.WriteString(errDiv)
	b.WriteString(`</div>`)
	return b.String()
}

// captchaMarkup is the platform's captcha widget, served locally.
func (s *Server) captchaMarkup() string {
	if s.liveGreenhouse() {
		if s.v.Challenge == ChallengeCheckbox {
			return s.enterpriseCheckbox()
		}
		return "" // the invisible badge is outside the form
	}
	if s.platform == domain.PlatformLever && s.v.LeverCaptcha == LeverCaptchaInvisible {
		return hcaptchaInvisibleMarkup()
	}
	if !s.v.Captcha && !(s.platform == domain.PlatformLever && s.v.LeverCaptcha == LeverCaptchaCheckbox) {
		return ""
	}
	if s.platform == domain.PlatformLever {
		return `<div class="section captcha-section"><div id="h-captcha" class="h-captcha"` + attr("data-sitekey", HcaptchaSiteKey) + `>` +
			`<iframe src="/hcaptcha/checkbox.html" title="Widget containing checkbox for hCaptcha security challenge" width="303" height="78" frameborder="0" scrolling="no"></iframe>` +
			`<textarea id="h-captcha-response" name="h-captcha-response" style="display:none"></textarea></div></div>`
	}
	return `<div class="captcha-section"><div class="g-recaptcha"` + attr("data-sitekey", RecaptchaSiteKey) + `>` +
		`<iframe title="reCAPTCHA"` + attr("src", "/recaptcha/api2/anchor?k="+RecaptchaSiteKey) + ` width="304" height="78" frameborder="0" scrolling="no"></iframe>` +
		`<textarea id="g-recaptcha-response" name="g-recaptcha-response" class="g-recaptcha-response" style="display:none"></textarea></div></div>`
}

// submitButton is the platform's submit button.
func (s *Server) submitButton() string {
	switch s.platform {
	case domain.PlatformGreenhouse:
		return `<div class="application--submit"><button type="submit" class="btn btn--pill">Submit application</button></div>`
	case domain.PlatformLever:
		return `<div class="section last-section-apply"><button type="submit" id="btn-submit" class="postings-btn template-btn-submit" data-qa="btn-submit">Submit application</button></div>`
	}
	return `<button class="ashby-application-form-submit-button" type="submit">Submit Application</button>`
}

// formBody is the fields, in sections or steps, then the captcha and the
// submit button.
func (s *Server) formBody(vals map[string][]string, errs []fieldError, summary []string) string {
	th := s.theme()
	errByName := map[string]string{}
	firstErrStep := -1
	for _, e := range errs {
		if _, ok := errByName[e.Name]; !ok {
			errByName[e.Name] = e.Message
		}
	}
	n := s.steps()
	sections := make([]strings.Builder, n)
	for _, f := range s.fields {
		step := min(f.Step, n-1)
		if _, ok := errByName[f.Name]; ok && firstErrStep < 0 {
			firstErrStep = step
		}
		_, _ = sections[step].WriteString(s.renderField(f, th, vals, errByName[f.Name]))
	}
	var b strings.Builder
	if len(summary) > 0 {
		b.WriteString(`<div class="error-summary" role="alert"><p>There was a problem with your application.</p><ul>`)
		for _, m := range summary {
			b.WriteString(`<li>` + esc(m) + `</li>`)
		}
		b.WriteString(`</ul></div>`)
	}
	titles := s.stepTitles()
	current := 0
	if len(summary) > 0 || len(errs) > 0 {
		current = n - 1
		if firstErrStep >= 0 {
			current = firstErrStep
		}
	}
	if s.v.MultiStep {
		fmt.Fprintf(&b, `<p class="step-indicator" data-step-indicator>Step %d of %d</p>`, current+1, n)
	}
	for i := range n {
		title := titles[i]
		if s.v.MultiStep {
			hidden := ""
			if i != current {
				hidden = " hidden"
			}
			fmt.Fprintf(&b, `<section class="application-step" data-step="%d"%s%s>`, i+1, attr("aria-label", fmt.Sprintf("Step %d of %d", i+1, n)), hidden)
		} else {
			b.WriteString(`<section class="application-section">`)
		}
		fmt.Fprintf(&b, `<h3 class="section-title">%s</h3>`, esc(title))
		b.WriteString(sections[i].String())
		if i == n-1 {
			b.WriteString(s.captchaMarkup())
			if s.v.MultiStep {
				b.WriteString(s.submitButton())
			}
		} else if s.v.MultiStep {
			b.WriteString(`<div class="step-actions"><button type="button" class="next-button" data-next>Next</button></div>`)
		}
		b.WriteString(`</section>`)
	}
	if !s.v.MultiStep {
		b.WriteString(s.submitButton())
	}
	return b.String()
}

// formPage is the form page, prefilled with vals and showing errs and
// summary when the server refused a POST.
func (s *Server) formPage(vals map[string][]string, errs []fieldError, summary []string) string {
	return s.formPageWith(vals, errs, summary, false)
}

// formPageWith is formPage, with RejectThenThanks's promo outside the form
// when promo is set.
func (s *Server) formPageWith(vals map[string][]string, errs []fieldError, summary []string, promo bool) string {
	j := s.job
	title, board := esc(j.Title), esc(j.Board)
	aside := ""
	if promo {
		aside = s.promoHTML()
	}
	script := s.script() + s.trapScript()
	switch s.platform {
	case domain.PlatformGreenhouse:
		if s.v.Live {
			return s.liveGreenhousePage()
		}
		body := `<header class="company-header"><div class="logo">` + board + `</div></header>` +
			`<main class="job-post"><div class="job__header"><h1 class="section-header section-header--large">` + title + `</h1>` +
			`<div class="job__location">Remote</div></div>` +
			`<div class="job__description">` + s.descriptionHTML(false) + `</div>` +
			`<div class="application--container" id="application"><h2 class="section-header">Apply for this job</h2>` +
			`<p class="required-legend"><span class="required">*</span> indicates a required field</p>` +
			`<form id="application-form" class="application--form"` + attr("action", s.FormPath()) + ` method="post" enctype="multipart/form-data" novalidate>` +
			s.formBody(vals, errs, summary) + `</form></div></main>` + aside +
			`<footer class="footer">Powered by Greenhouse</footer>`
		return s.page("Job Application for "+j.Title+" at "+j.Board, body, script)
	case domain.PlatformLever:
		body := `<div class="main-header page-full-width"><div class="main-header-content"><span class="main-header-logo">` + board + `</span></div></div>` +
			`<div class="page-application"><div class="posting-headline"><h2>` + title + `</h2>` +
			`<div class="posting-categories"><div class="posting-category location">Remote</div><div class="posting-category commitment">Full-time</div></div></div>` +
			s.leverDescription() +
			`<form id="application-form" class="application-form"` + attr("action", s.FormPath()) + ` method="POST" enctype="multipart/form-data" novalidate>` +
			s.formBody(vals, errs, summary) + `</form></div>` + aside +
			`<footer class="main-footer">Jobs powered by Lever</footer>`
		return s.page(j.Board+" - "+j.Title, body, script)
	}
	// Ashby renders the form from script: the page carries it in a
	// template that the script clones into #form after AshbyRenderDelay.
	body := `<div id="root"><div class="ashby-job-posting-header"><div class="ashby-job-posting-organization-name">` + board + `</div>` +
		`<h1 class="ashby-job-posting-heading">` + title + `</h1><div class="ashby-job-posting-location">Remote</div>` + s.ashbyDescription() + `</div>` +
		`<nav class="ashby-job-posting-tabs"><span>Overview</span><span class="active">Application</span></nav>` +
		`<div id="form" class="ashby-application-form" aria-busy="true"></div></div>` +
		`<template id="ashby-application-form-template"><div class="ashby-application-form-container">` +
		s.formBody(vals, errs, summary) + `</div></template>` +
		aside + `<footer class="ashby-footer">Powered by Ashby</footer>`
	return s.page(j.Title+" @ "+j.Board, body, script)
}

// leverDescription is the ThankYouInDescription text on Lever's page.
func (s *Server) leverDescription() string {
	if !s.v.ThankYouInDescription {
		return ""
	}
	return `<div class="section page-centered posting-description"><p>` + esc(ThankYouDescriptionText) + `</p></div>`
}

// ashbyDescription is the ThankYouInDescription text on Ashby's page.
func (s *Server) ashbyDescription() string {
	if !s.v.ThankYouInDescription {
		return ""
	}
	return `<div class="ashby-job-posting-description"><p>` + esc(ThankYouDescriptionText) + `</p></div>`
}

// script is the page's script, configured for the platform (the live
// script under Live on Greenhouse and Ashby).
func (s *Server) script() string {
	if s.v.Live && s.platform != domain.PlatformLever {
		return s.liveScript()
	}
	cfg := map[string]any{
		"mode":       "form",
		"root":       "#application-form",
		"errorClass": s.theme().errorClass,
		"messages": map[string]string{
			"required": RequiredMessage, "email": EmailMessage, "tooMany": TooManyText,
			"generic":     ErrorText + ". Please try again.",
			"corrections": "Your form needs corrections.",
		},
	}
	if s.platform == domain.PlatformAshby {
		cfg["mode"] = "ashby"
		cfg["root"] = "#form"
		cfg["submitURL"] = AshbySubmitPath
		cfg["renderDelayMs"] = AshbyRenderDelay.Milliseconds()
	}
	if s.platform == domain.PlatformLever && s.v.LeverCaptcha == LeverCaptchaInvisible {
		cfg["hcaptchaInvisible"] = true
		cfg["hcaptchaURL"] = "/hcaptcha/checkcaptcha?sitekey=" + HcaptchaSiteKey
	}
	if s.v.BeaconAfterSubmit {
		cfg["beacon"] = true
		cfg["analyticsURL"] = AnalyticsPath
	}
	if s.v.RejectThenThanks {
		cfg["rejectThanks"] = true
		cfg["thanksText"] = RejectThanksText
		cfg["promoText"] = "While you wait, follow " + s.job.Board + " to hear about new roles."
	}
	b, _ := json.Marshal(cfg)
	return strings.Replace(pageScript, "__CFG__", string(b), 1)
}

// page is a whole HTML page with the platform's style.
func (s *Server) page(title, body, script string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">`)
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">`)
	b.WriteString(`<title>` + esc(title) + `</title><style>` + baseCSS + platformCSS[s.platform] + s.extraCSS() + `</style></head>`)
	b.WriteString(`<body class="` + string(s.platform) + `">` + body)
	if script != "" {
		b.WriteString(`<script>` + script + `</script>`)
	}
	b.WriteString(`</body></html>`)
	return b.String()
}

// simplePage is a page with a heading and some markup, no form.
func (s *Server) simplePage(title, heading, inner string) string {
	return s.page(title, `<main class="message-page"><h1>`+esc(heading)+`</h1>`+inner+`</main>`, "")
}

func (s *Server) confirmationPage() string {
	j := s.job
	script := ""
	if s.v.BeaconAfterSubmit && !s.liveGreenhouse() {
		// The native form's page: the beacon goes once the accepted POST's
		// confirmation has loaded. (The live page sends it itself.)
		script = beaconScript()
	}
	if s.platform == domain.PlatformLever {
		return s.page(j.Board+" - Application submitted", `<div class="main-header page-full-width"><div class="main-header-content"><span class="main-header-logo">`+esc(j.Board)+`</span></div></div>`+
			`<main class="message-page application-confirmation"><h3 data-qa="msg-submit-success">Application submitted!</h3>`+
			`<p>Thank you for applying to `+esc(j.Title)+` at `+esc(j.Board)+`. We have received your application and will be in touch if your skills and experience are a good fit.</p></main>`, script)
	}
	return s.page("Thank you for applying", `<header class="company-header"><div class="logo">`+esc(j.Board)+`</div></header>`+
		`<main class="message-page application-confirmation"><h1>Thank you for applying.</h1>`+
		`<p>Your application for `+esc(j.Title)+` has been received. If your application seems like a good fit for the position we will contact you soon.</p></main>`, script)
}

// loginPage is the LoginWall variant's page, with msg as an alert.
func (s *Server) loginPage(msg string) string {
	brand, sub := "MyGreenhouse", "Sign in to your MyGreenhouse account to apply for "
	switch s.platform {
	case domain.PlatformLever:
		brand, sub = s.job.Board+" careers", "Sign in to your candidate account to apply for "
	case domain.PlatformAshby:
		brand, sub = "Ashby", "Sign in with your account to apply for "
	}
	alert := ""
	if msg != "" {
		alert = `<div class="error-summary" role="alert">` + esc(msg) + `</div>`
	}
	body := `<header class="company-header"><div class="logo">` + esc(brand) + `</div></header>` +
		`<main class="login-page"><h1>` + LoginWallHeading + `</h1><p>` + esc(sub+s.job.Title+" at "+s.job.Board) + `.</p>` + alert +
		`<button type="button" class="sso-button" data-provider="google">Continue with Google</button>` +
		`<div class="divider"><span>or</span></div>` +
		`<form id="sign-in-form" action="/users/sign_in" method="post" novalidate>` +
		`<div class="field-wrapper"><label for="email">Email</label><input type="email" id="email" name="email" autocomplete="username" required aria-required="true"></div>` +
		`<div class="field-wrapper"><label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required aria-required="true"></div>` +
		`<button type="submit" class="btn">Sign in</button></form>` +
		`<p class="hint">Don't have an account? <a href="#">Create one</a></p></main>`
	return s.page(LoginWallHeading, body, "")
}

// recaptchaAnchor is the reCAPTCHA widget's frame: ticking its checkbox puts
// the token in the parent page's g-recaptcha-response.
func (s *Server) recaptchaAnchor() string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>reCAPTCHA</title><style>` + captchaCSS + `</style></head><body>` +
		`<div class="anchor"><input type="checkbox" id="recaptcha-anchor" role="checkbox" aria-checked="false"><label for="recaptcha-anchor">I'm not a robot</label>` +
		`<div class="brand"><b>reCAPTCHA</b><small>Privacy - Terms</small></div></div>` +
		`<script>window.TOKEN=` + jsString(s.token) + `;</script>` +
		`<script>` + strings.Replace(captchaScript, "__FIELD__", jsString("g-recaptcha-response"), 1) + `</script></body></html>`
}

// hcaptchaCheckbox is the hCaptcha widget's frame, likewise for
// h-captcha-response.
func (s *Server) hcaptchaCheckbox() string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>hCaptcha</title><style>` + captchaCSS + `</style></head><body>` +
		`<div class="anchor"><input type="checkbox" id="checkbox" role="checkbox" aria-checked="false"><label for="checkbox">I am human</label>` +
		`<div class="brand"><b>hCaptcha</b><small>Privacy - Terms</small></div></div>` +
		`<script>window.TOKEN=` + jsString(s.token) + `;</script>` +
		`<script>` + strings.Replace(captchaScript, "__FIELD__", jsString("h-captcha-response"), 1) + `</script></body></html>`
}
