package replica

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// requiredMark is the platform's visible required marker.
func requiredMark(th theme, required bool) string {
	if !required {
		return ""
	}
	return `<span class="required" aria-hidden="true">` + th.mark + `</span>`
}

// ghLiveField is one field of the Live Greenhouse form.
func (s *Server) ghLiveField(f field, th theme) string {
	switch {
	case f.Name == "location" || f.Kind == KindSingleSelect || f.Kind == KindMultiSelect || f.Kind == KindBoolean:
		return s.ghCombobox(f, th)
	case f.Kind == KindFile:
		return ghDropzone(f, th)
	case f.Name == "phone":
		// The phone component keeps a hidden full country list in the DOM.
		html := s.renderNative(f, th, nil, "")
		return strings.TrimSuffix(html, "</div>") + phoneCountryList() + "</div>"
	}
	return s.renderNative(f, th, nil, "")
}

// ghCombobox is a React-Select-like combobox: input#ID[role=combobox] in a
// .select__container; the options are drawn by the page's script into
// [role=listbox]#react-select-ID-listbox, each
// [role=option]#react-select-ID-option-N.
func (s *Server) ghCombobox(f field, th theme) string {
	id := f.ID
	kind := "select"
	switch {
	case f.Name == "location":
		kind = "location"
	case f.Kind == KindMultiSelect:
		kind = "multi"
	}
	placeholder := "Select..."
	if kind == "location" {
		placeholder = "Start typing..."
	}
	req := ""
	if f.Required {
		req = ` aria-required="true"`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="field-wrapper select__container"%s%s%s>`, attr("data-field", f.Name), attr("data-combobox", id), attr("data-kind", kind))
	fmt.Fprintf(&b, `<label class="label select__label"%s%s>%s%s</label>`, attr("id", id+"-label"), attr("for", id), esc(f.Label), requiredMark(th, f.Required))
	b.WriteString(`<div class="select-shell"><div class="select__control"><div class="select__value-container">`)
	fmt.Fprintf(&b, `<div class="select__placeholder"%s>%s</div>`, attr("id", "react-select-"+id+"-placeholder"), esc(placeholder))
	fmt.Fprintf(&b, `<div class="select__input-container"><input class="select__input" type="text"%s role="combobox" aria-autocomplete="list" aria-expanded="false" aria-haspopup="true"%s%s%s autocapitalize="none" autocomplete="off" autocorrect="off" spellcheck="false" value=""></div>`,
		attr("id", id), attr("aria-labelledby", id+"-label"), attr("aria-describedby", "react-select-"+id+"-placeholder"), req)
	b.WriteString(`</div><div class="select__indicators"><button type="button" class="icon-button select__dropdown-indicator" aria-label="Toggle flyout" tabindex="-1">&#9662;</button></div></div>`)
	if kind == "location" {
		b.WriteString(`<input type="hidden" name="location" value=""><input type="hidden" name="location_place_id" value="">`)
	} else {
		fmt.Fprintf(&b, `<input type="hidden"%s value="">`, attr("name", f.Name))
	}
	b.WriteString(`</div></div>`)
	return b.String()
}

// ghDropzone is a Greenhouse upload: the file input #ID visually hidden in
// a drop zone with an Attach button.
func ghDropzone(f field, th theme) string {
	id := f.ID
	req := ""
	if f.Required {
		req = ` aria-required="true"`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="field-wrapper file-upload"%s%s>`, attr("data-field", f.Name), attr("id", id+"-field"))
	fmt.Fprintf(&b, `<label class="label upload-label"%s%s>%s%s</label>`, attr("id", "upload-label-"+id), attr("for", id), esc(f.Label), requiredMark(th, f.Required))
	fmt.Fprintf(&b, `<div class="file-upload__wrapper"%s>`, attr("data-dropzone", f.Name))
	fmt.Fprintf(&b, `<div class="button-container"><button type="button" class="btn btn--pill file-upload__attach"%s%s>Attach</button></div>`,
		attr("data-attach", id), attr("aria-describedby", id+"-allowable-file-types"))
	fmt.Fprintf(&b, `<input type="file" class="visually-hidden"%s%s%s%s>`, attr("id", id), attr("accept", f.Accept), attr("data-live-file", f.Name), req)
	fmt.Fprintf(&b, `<p class="file-upload__types"%s>Accepted file types: pdf, doc, docx, txt, rtf</p>`, attr("id", id+"-allowable-file-types"))
	b.WriteString(`</div></div>`)
	return b.String()
}

var phoneCountries = []string{"Afghanistan +93", "Albania +355", "Algeria +213", "Argentina +54", "Australia +61",
	"Austria +43", "Belgium +32", "Brazil +55", "Canada +1", "France +33", "Germany +49", "Portugal +351",
	"Spain +34", "United Kingdom +44", "United States +1"}

// phoneCountryList is the phone component's country list, hidden.
func phoneCountryList() string {
	var b strings.Builder
	b.WriteString(`<div class="phone-input__country-list" hidden><div role="listbox" id="phone-country-listbox" aria-label="Country">`)
	for i, c := range phoneCountries {
		fmt.Fprintf(&b, `<div role="option"%s aria-selected="false">%s</div>`, attr("id", fmt.Sprintf("phone-country-option-%d", i)), esc(c))
	}
	b.WriteString(`</div></div>`)
	return b.String()
}

// ashbyLiveField is one field of the Live Ashby form: a
// .ashby-application-form-field-entry[data-field-path] whose label carries
// AshbyRequiredClass when the field is required; no control carries
// required or aria-required.
func (s *Server) ashbyLiveField(f field) string {
	id := f.ID
	labelClass := "ashby-application-form-question-title"
	if f.Required {
		labelClass += " " + AshbyRequiredClass
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="ashby-application-form-field-entry"%s%s>`, attr("data-field-path", id), attr("data-field", f.Name))
	group := f.Group && f.Kind != KindBoolean
	if group {
		fmt.Fprintf(&b, `<label%s%s>%s</label>`, attr("class", labelClass), attr("id", id+"-label"), esc(f.Label))
	} else {
		fmt.Fprintf(&b, `<label%s%s%s>%s</label>`, attr("class", labelClass), attr("id", id+"-label"), attr("for", id), esc(f.Label))
	}
	switch {
	case f.Kind == KindFile:
		fmt.Fprintf(&b, `<div class="ashby-application-form-input-file"%s><div class="_dropzone_k3v9a_1"><p class="_instructions_k3v9a_12">Upload File</p><p class="_hint_k3v9a_20">or drag and drop here</p>`+
			`<button type="button" class="_button_k3v9a_28"%s>Upload File</button></div>`, attr("data-dropzone", f.Name), attr("data-attach", id))
		fmt.Fprintf(&b, `<input type="file" style="display:none" tabindex="-1"%s%s%s%s>`, attr("id", id), attr("name", f.Name), attr("accept", f.Accept), attr("data-live-file", f.Name))
		b.WriteString(`<div class="ashby-application-form-input-file-list"></div></div>`)
	case f.Kind == KindBoolean:
		fmt.Fprintf(&b, `<div class="ashby-application-form-input-yesno" role="group"%s>`, attr("aria-labelledby", id+"-label"))
		b.WriteString(`<button type="button" class="_option_1v5e2_35" data-option="yes" aria-pressed="false">Yes</button>`)
		b.WriteString(`<button type="button" class="_option_1v5e2_35" data-option="no" aria-pressed="false">No</button>`)
		fmt.Fprintf(&b, `<input type="checkbox" tabindex="-1" aria-hidden="true" style="display:none"%s%s></div>`, attr("id", id), attr("name", f.Name))
	case group:
		typ, suffix := "checkbox", "-labeled-checkbox-"
		if f.Kind == KindSingleSelect {
			typ, suffix = "radio", "-labeled-radio-"
		}
		fmt.Fprintf(&b, `<div class="ashby-application-form-input-%ss" role="group"%s>`, typ, attr("aria-labelledby", id+"-label"))
		for i, o := range f.Options {
			oid := fmt.Sprintf("%s%s%d", id, suffix, i)
			fmt.Fprintf(&b, `<div class="option"><input%s%s%s%s><label%s>%s</label></div>`, attr("type", typ), attr("id", oid), attr("name", f.Name), attr("value", o.Value), attr("for", oid), esc(o.Label))
		}
		b.WriteString(`</div>`)
	case f.Kind == KindSingleSelect:
		fmt.Fprintf(&b, `<div class="ashby-application-form-input-combobox"%s%s><input type="text" class="ashby-application-form-input" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-haspopup="listbox" autocomplete="off" placeholder="Start typing..."%s%s></div>`,
			attr("data-combobox", id), attr("data-kind", "select"), attr("id", id), attr("aria-labelledby", id+"-label"))
	case f.Kind == KindTextarea:
		fmt.Fprintf(&b, `<textarea class="ashby-application-form-input" rows="4"%s%s></textarea>`, attr("id", id), attr("name", f.Name))
	default:
		extra := ""
		if f.Autocomplete != "" {
			extra = attr("autocomplete", f.Autocomplete)
		}
		fmt.Fprintf(&b, `<input class="ashby-application-form-input"%s%s%s%s>`, attr("type", f.Input), attr("id", id), attr("name", f.Name), extra)
	}
	b.WriteString(`</div>`)
	return b.String()
}

// leverCard is one custom question of the Live Lever form, drawn as Lever's
// cards are: the question in .application-label (no <label for>), radios
// and checkboxes each in their own <label> with the option text in
// span.application-answer-alternative.
func (s *Server) leverCard(f field, th theme, vals map[string][]string, msg string) string {
	q := f.Question
	kindClass := map[Kind]string{KindText: "text", KindTextarea: "textarea", KindSingleSelect: "dropdown",
		KindMultiSelect: "multiple-select", KindBoolean: "multiple-choice", KindFile: "file-upload"}[q.Kind]
	cur := vals[f.Name]
	req := ""
	if f.Required {
		req = " required"
	}
	invalid := ""
	errDiv := ""
	if msg != "" {
		errID := f.ID + "-error"
		invalid = ` aria-invalid="true"` + attr("aria-describedby", errID)
		errDiv = `<div` + attr("class", th.errorClass) + ` role="alert"` + attr("id", errID) + ` data-field-error>` + esc(msg) + `</div>`
	}
	var b strings.Builder
	b.WriteString(`<ul class="application-questions"><li class="application-question custom-question">`)
	fmt.Fprintf(&b, `<input type="hidden"%s%s>`, attr("name", "cards["+q.ID+"][baseTemplate]"), attr("value", leverTemplate(q)))
	fmt.Fprintf(&b, `<div class="application-label full-width %s"><div class="text">%s%s</div></div>`, kindClass, esc(f.Label), requiredMark(th, f.Required))
	fieldClass := "application-field full-width"
	if f.Required {
		fieldClass += " required-field"
	}
	switch {
	case q.Kind == KindBoolean || q.Kind == KindMultiSelect || q.Radios:
		typ, qa := "radio", "multiple-choice"
		if q.Kind == KindMultiSelect {
			typ, qa = "checkbox", "checkboxes"
		}
		groupFlags := " data-group"
		if f.Required {
			groupFlags += ` aria-required="true"`
		}
		if msg != "" {
			groupFlags += ` aria-invalid="true"`
		}
		fmt.Fprintf(&b, `<div%s%s%s><ul%s>`, attr("class", fieldClass), attr("id", f.ID), groupFlags, attr("data-qa", qa))
		for _, o := range f.Options {
			r := ""
			if typ == "radio" && f.Required {
				r = " required"
			}
			checked := ""
			if slices.Contains(cur, o.Value) {
				checked = " checked"
			}
			fmt.Fprintf(&b, `<li><label><input%s%s%s%s%s%s><span class="application-answer-alternative">%s</span></label></li>`,
				attr("type", typ), attr("name", f.Name), attr("value", o.Value), r, checked, invalid, esc(o.Label))
		}
		b.WriteString(`</ul>` + errDiv + `</div>`)
	default:
		fmt.Fprintf(&b, `<div%s>`, attr("class", fieldClass))
		common := attr("name", f.Name) + attr("id", f.ID) + req + invalid
		switch q.Kind {
		case KindTextarea:
			fmt.Fprintf(&b, `<textarea class="card-field-input" rows="5"%s>%s</textarea>`, common, esc(first(cur)))
		case KindSingleSelect:
			fmt.Fprintf(&b, `<select class="card-field-input"%s><option value="">%s</option>`, common, esc(th.prompt))
			for _, o := range f.Options {
				sel := ""
				if first(cur) == o.Value {
					sel = " selected"
				}
				fmt.Fprintf(&b, `<option%s%s>%s</option>`, attr("value", o.Value), sel, esc(o.Label))
			}
			b.WriteString(`</select>`)
		case KindFile:
			fmt.Fprintf(&b, `<input type="file"%s%s>`, common, attr("accept", f.Accept))
		default:
			fmt.Fprintf(&b, `<input type="text" class="card-field-input"%s%s>`, common, attr("value", first(cur)))
		}
		b.WriteString(errDiv + `</div>`)
	}
	b.WriteString(`</li></ul>`)
	return b.String()
}

// recaptchaBadge is the invisible reCAPTCHA Enterprise's corner badge, as
// the live Greenhouse page carries it: the anchor iframe (size=invisible)
// and the hidden textarea#g-recaptcha-response.
func (s *Server) recaptchaBadge() string {
	src := "/recaptcha/enterprise/anchor?ar=1&k=" + RecaptchaSiteKey + "&co=cmVwbGljYQ..&hl=en&v=replica&size=invisible&cb=replica"
	return `<div><div class="grecaptcha-badge" data-style="bottomright" style="width:256px;height:60px;display:block;transition:right 0.3s ease;position:fixed;bottom:14px;right:-186px;box-shadow:gray 0px 0px 5px;border-radius:2px;overflow:hidden;">` +
		`<div class="grecaptcha-logo"><iframe title="reCAPTCHA" width="256" height="60" role="presentation" name="a-replica" frameborder="0" scrolling="no"` + attr("src", src) + `></iframe></div>` +
		`<div class="grecaptcha-error"></div>` +
		`<textarea id="g-recaptcha-response" name="g-recaptcha-response" class="g-recaptcha-response" style="width:250px;height:40px;border:1px solid rgb(193,193,193);margin:10px 25px;padding:0;resize:none;display:none;"></textarea></div></div>`
}

// enterpriseCheckbox is ChallengeCheckbox's widget: a visible reCAPTCHA
// Enterprise checkbox mounted on load, with no badge.
func (s *Server) enterpriseCheckbox() string {
	src := "/recaptcha/enterprise/anchor?ar=1&k=" + RecaptchaSiteKey + "&co=cmVwbGljYQ..&hl=en&v=replica&size=normal&cb=replica"
	return `<div class="captcha-section"><div class="g-recaptcha"` + attr("data-sitekey", RecaptchaSiteKey) + `><div style="width:304px;height:78px;">` +
		`<iframe title="reCAPTCHA" width="304" height="78" role="presentation" name="a-replica" frameborder="0" scrolling="no"` + attr("src", src) + `></iframe></div>` +
		`<textarea id="g-recaptcha-response" name="g-recaptcha-response" class="g-recaptcha-response" style="display:none"></textarea></div></div>`
}

// enterpriseAnchor is the anchor frame: the badge's face when size is
// invisible, the checkbox otherwise.
func (s *Server) enterpriseAnchor(size string) string {
	if size == "invisible" {
		return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>reCAPTCHA</title><style>` + captchaCSS + `</style></head><body>` +
			`<div class="anchor invisible"><div class="brand"><b>protected by reCAPTCHA</b><small>Privacy - Terms</small></div></div></body></html>`
	}
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>reCAPTCHA</title><style>` + captchaCSS + `</style></head><body>` +
		`<div class="anchor"><input type="checkbox" id="recaptcha-anchor" role="checkbox" aria-checked="false"><label for="recaptcha-anchor">I'm not a robot</label>` +
		`<div class="brand"><b>reCAPTCHA</b><small>Privacy - Terms</small></div></div>` +
		`<script>window.TOKEN=` + jsString(s.token) + `;</script>` +
		`<script>` + strings.Replace(captchaScript, "__FIELD__", jsString("g-recaptcha-response"), 1) + `</script></body></html>`
}

// bframePage is the image-grid challenge's frame for challenge id.
func (s *Server) bframePage(id string) string {
	right := s.challengeTiles(id)
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>reCAPTCHA challenge</title><style>` + bframeCSS + `</style></head><body>`)
	if right == nil {
		b.WriteString(`<div class="rc-imageselect-error">This challenge has expired.</div></body></html>`)
		return b.String()
	}
	b.WriteString(`<div class="rc-imageselect"><div class="rc-imageselect-desc-wrapper"><div class="rc-imageselect-desc-no-canonical">Select all images with <strong>traffic lights</strong><span>Click verify once there are none left.</span></div></div>`)
	b.WriteString(`<table class="rc-imageselect-table-33"><tbody>`)
	others := []string{"&#127795;", "&#128663;", "&#127968;", "&#128690;", "&#9968;", "&#128652;"}
	for i := range 9 {
		if i%3 == 0 {
			b.WriteString(`<tr>`)
		}
		pic := others[i%len(others)]
		if slices.Contains(right, i) {
			pic = "&#128678;"
		}
		fmt.Fprintf(&b, `<td class="rc-imageselect-tile" role="button" tabindex="0" data-i="%d"><div class="rc-image-tile-wrapper"><span class="rc-image-tile">%s</span></div></td>`, i, pic)
		if i%3 == 2 {
			b.WriteString(`</tr>`)
		}
	}
	b.WriteString(`</tbody></table>`)
	b.WriteString(`<div class="rc-imageselect-error-select-more" hidden>Please select all matching images.</div><div class="rc-imageselect-incorrect-response" hidden>Please try again.</div>`)
	b.WriteString(`<div class="rc-footer"><button type="button" id="recaptcha-verify-button" class="rc-button-default">Verify</button></div></div>`)
	cfg, _ := json.Marshal(map[string]string{"c": id, "verify": "/recaptcha/enterprise/userverify?k=" + RecaptchaSiteKey})
	b.WriteString(`<script>` + strings.Replace(bframeScript, "__CFG__", string(cfg), 1) + `</script></body></html>`)
	return b.String()
}

// hcaptchaInvisibleMarkup is LeverCaptchaInvisible's widget: nothing
// visible.
func hcaptchaInvisibleMarkup() string {
	return `<div class="h-captcha-spacing"><div id="h-captcha" class="h-captcha"` + attr("data-sitekey", HcaptchaSiteKey) + ` data-size="invisible" data-callback="onHcaptchaSubmit">` +
		`<iframe src="/hcaptcha/static/hcaptcha.html?size=invisible#frame=checkbox-invisible&amp;sitekey=` + HcaptchaSiteKey + `" title="Widget containing checkbox for hCaptcha security challenge" tabindex="-1" aria-hidden="true" style="display:none" frameborder="0" scrolling="no"></iframe>` +
		`<textarea id="h-captcha-response" name="h-captcha-response" style="display:none"></textarea></div></div>`
}

// descriptionHTML is the job description's paragraphs.
func (s *Server) descriptionHTML(long bool) string {
	j := s.job
	title, board := esc(j.Title), esc(j.Board)
	out := `<p>` + board + ` is hiring a ` + title + `. You will build and run the systems our customers rely on, with a small team that ships every day.</p>`
	if long {
		out += `<h3>What you will do</h3><p>Design, build and operate services end to end; review code; take part in a fair on-call rotation; write the documents that let others change what you built.</p>` +
			`<h3>What we look for</h3><p>Several years of building production software, care for the people who use it, and the habit of measuring before changing things.</p>` +
			`<h3>What we offer</h3><p>A competitive salary, equity, remote work within a few time zones of the team, a learning budget and a calm schedule.</p>` +
			`<h3>How we hire</h3><p>A short call with the hiring manager, a practical exercise we pay for, and a conversation with the team.</p>`
	}
	if s.v.ThankYouInDescription {
		out += `<p>` + esc(ThankYouDescriptionText) + `</p>`
	}
	return out
}

// promoHTML is RejectThenThanks's sidebar promo, outside the form.
func (s *Server) promoHTML() string {
	return `<aside class="sidebar-promo" data-promo><h3>` + esc(RejectThanksText) + `</h3><p>While you wait, follow ` + esc(s.job.Board) + ` to hear about new roles.</p></aside>`
}

// liveGreenhousePage is the Live Greenhouse job page: the Apply button
// outside the form, the form posted by the page's script, and the
// reCAPTCHA Enterprise badge (except with ChallengeCheckbox).
func (s *Server) liveGreenhousePage() string {
	j := s.job
	title, board := esc(j.Title), esc(j.Board)
	badge := ""
	if s.v.Challenge != ChallengeCheckbox {
		badge = s.recaptchaBadge()
	}
	body := `<header class="company-header"><div class="logo">` + board + `</div></header>` +
		`<main class="job-post"><div class="job__header"><div class="job__title"><h1 class="section-header section-header--large">` + title + `</h1>` +
		`<div class="job__location">Remote</div></div>` +
		`<div class="job__apply"><button type="button" class="btn btn--pill apply-button" aria-label="Apply" data-apply>Apply</button></div></div>` +
		`<div class="job__description">` + s.descriptionHTML(true) + `</div>` +
		`<div class="application--container" id="application"><h2 class="section-header">Apply for this job</h2>` +
		`<p class="required-legend"><span class="required">*</span> indicates a required field</p>` +
		`<form id="application-form" class="application--form" novalidate>` + s.formBody(nil, nil, nil) + `</form></div></main>` +
		`<footer class="footer">Powered by Greenhouse</footer>` + badge
	return s.page("Job Application for "+j.Title+" at "+j.Board, body, s.liveScript()+s.trapScript())
}

// liveField is a field as the live script sees it.
type liveField struct {
	Name     string       `json:"name"`
	ID       string       `json:"id"`
	Label    string       `json:"label"`
	Kind     string       `json:"kind"` // text, textarea, email, file, select, multi, location, yesno, checkboxes
	Required bool         `json:"required"`
	Options  []liveOption `json:"options,omitempty"`
}

// liveOption is one option as the live script sees it.
type liveOption struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// liveScript is the live page's script (Greenhouse or Ashby), configured.
func (s *Server) liveScript() string {
	gh := s.platform == domain.PlatformGreenhouse
	var fs []liveField
	for _, f := range s.fields {
		lf := liveField{Name: f.Name, ID: f.ID, Label: f.Label, Required: f.Required}
		switch {
		case f.Kind == KindFile:
			lf.Kind = "file"
		case gh && f.Name == "location":
			lf.Kind = "location"
		case f.Kind == KindMultiSelect && gh:
			lf.Kind = "multi"
		case f.Kind == KindBoolean && !gh:
			lf.Kind = "yesno"
		case f.Group:
			lf.Kind = "checkboxes" // radios too: the checked ones are sent
		case len(f.Options) > 0:
			lf.Kind = "select"
		case f.Kind == KindTextarea:
			lf.Kind = "textarea"
		case f.Input == "email":
			lf.Kind = "email"
		default:
			lf.Kind = "text"
		}
		if lf.Kind == "select" || lf.Kind == "multi" {
			for _, o := range f.Options {
				lf.Options = append(lf.Options, liveOption(o))
			}
		}
		fs = append(fs, lf)
	}
	required := RequiredMessage
	if !gh {
		required = AshbyMissingMessage
	}
	cfg := map[string]any{
		"platform":      string(s.platform),
		"fields":        fs,
		"errorClass":    s.theme().errorClass,
		"optionDelayMs": liveOptionDelay,
		"fileDelayMs":   FileProcessingDelay.Milliseconds(),
		"beacon":        s.v.BeaconAfterSubmit,
		"analyticsURL":  AnalyticsPath,
		"rejectThanks":  s.v.RejectThenThanks,
		"thanksText":    RejectThanksText,
		"promoText":     "While you wait, follow " + s.job.Board + " to hear about new roles.",
		"activeClass":   "_active_1v5e2_60",
		"codeLength":    SecurityCodeLength,
		"messages": map[string]string{
			"required": required, "email": EmailMessage, "generic": ErrorText + ". Please try again.",
			"corrections": "Your form needs corrections.", "codeIncomplete": SecurityCodeIncompleteMessage,
			"codePrompt": SecurityCodePrompt,
		},
	}
	if gh {
		cfg["root"] = "#application-form"
		cfg["submitURL"] = strings.TrimPrefix(s.SubmitURL(), s.ts.URL)
		cfg["locationURL"] = s.FormPath() + "/locations"
		cfg["confirmationURL"] = strings.TrimPrefix(s.ConfirmationURL(), s.ts.URL)
		cfg["challenge"] = s.v.Challenge.String()
		cfg["reloadURL"] = "/recaptcha/enterprise/reload?k=" + RecaptchaSiteKey
		if s.v.Challenge == ChallengeImageGrid {
			cfg["bframeURL"] = "/recaptcha/enterprise/bframe?hl=en&v=replica&k=" + RecaptchaSiteKey
		}
	} else {
		cfg["root"] = "#form"
		cfg["submitURL"] = AshbySubmitPath
		cfg["renderDelayMs"] = AshbyRenderDelay.Milliseconds()
	}
	b, _ := json.Marshal(cfg)
	return strings.Replace(liveScriptJS, "__CFG__", string(b), 1)
}

// trapScript is the script of the variants that act on any form page:
// RedirectScript and SelfHidingButton ("" when neither is on).
func (s *Server) trapScript() string {
	cfg := map[string]any{}
	if s.v.Redirect == RedirectScript {
		cfg["redirectTo"] = s.ForeignURL()
		cfg["redirectMs"] = ScriptRedirectDelay.Milliseconds()
	}
	if s.v.SelfHidingButton {
		cfg["selfHiding"] = "#application-form button[type=submit], #btn-submit, .ashby-application-form-submit-button"
	}
	if len(cfg) == 0 {
		return ""
	}
	b, _ := json.Marshal(cfg)
	return "\n" + strings.Replace(trapScriptJS, "__CFG__", string(b), 1)
}

// beaconScript is the confirmation page's script of BeaconAfterSubmit.
func beaconScript() string {
	return strings.Replace(beaconScriptJS, "__URL__", jsString(AnalyticsPath), 1)
}

// extraCSS is the style the Live variants add.
func (s *Server) extraCSS() string {
	out := ""
	if s.v.Live {
		out += liveCSS[s.platform]
	}
	if s.v.RejectThenThanks {
		out += `.sidebar-promo{max-width:760px;margin:24px auto;padding:16px 24px;border:1px solid #e6e8eb;border-radius:8px;background:#f7f9fb}`
	}
	return out
}
