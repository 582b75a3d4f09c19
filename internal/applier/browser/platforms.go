package browser

import (
	"net/url"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// The hosted application forms applyq fills, as data: where each form
// lives, how its parts are found, and which of the packet's values go in
// its standard fields. When a platform changes its form, this file is the
// fix.
//
// Sources, checked against public material (open-source form fillers,
// the platforms' job pages) in November 2026:
//   - Greenhouse (job-boards.greenhouse.io/{board}/jobs/{id}): the form
//     is on the job page; fields by id and name first_name, last_name,
//     email, phone, resume and cover_letter (file inputs),
//     cover_letter_text, and question_{id} / question_{id}[] for custom
//     questions — the names its Job Board API publishes, which is how
//     the packet's form names them. Older boards.greenhouse.io pages name
//     the same fields job_application[first_name]…: those are looked up
//     too. Its confirmation page ends in /confirmation.
//   - Lever (jobs.lever.co/{board}/{id}/apply): form#application-form;
//     name, email, phone, org, location, urls[LinkedIn], urls[GitHub],
//     urls[Portfolio], urls[Other], resume (file), comments; custom
//     question cards cards[{uuid}][field{n}], which its postings API
//     does not publish, so applyq never has an answer the user approved
//     for a required one. Lever forms carry hCaptcha: applyq stops there.
//   - Ashby (jobs.ashbyhq.com/{board}/{id}/application): a script-built
//     form; _systemfield_name, _systemfield_email, _systemfield_phone,
//     _systemfield_location, _systemfield_resume (file); custom fields
//     named by their id; submitted without leaving the page, which then
//     shows .ashby-application-form-success-container.
//
// What every form shares is in common: CAPTCHA widgets (reCAPTCHA,
// hCaptcha, Turnstile), login and SSO walls, the accessible markers of
// validation errors (aria-invalid, role=alert) and the texts of a
// confirmation.

// platform is one hosted form's conventions.
type platform struct {
	// Name is the platform's name as people write it.
	Name string
	// BaseURL is where its hosted forms live; Path the form's address
	// under it, with {board} and {id} (the posting's id on the board).
	BaseURL, Path string
	// Hosts are the platform's own hosts (a leading dot: any subdomain):
	// the browser fills and submits only on pages of these and of the
	// configured base URL, and only requests to them can be the
	// application's own.
	Hosts []string
	// Form finds the application form: the first of its selectors that
	// matches a shown element (Ashby draws its form without a <form>).
	Form []string
	// Submit finds its submit button, Next a multi-step form's button to
	// the next step (besides buttons whose text is one of NextTexts).
	Submit, Next string
	// Confirmation finds what the platform shows once it accepted the
	// application; ConfirmationPaths are the endings of the confirmation
	// page's path.
	Confirmation      string
	ConfirmationPaths []string
	// Errors finds the form's own validation messages.
	Errors string
	// RefusesWith200: the platform answers a refused submission 2xx and
	// shows why on the form (Ashby's GraphQL endpoint).
	RefusesWith200 bool
	// FieldWraps find a field's entry (its label and control); Labels a
	// question's label inside one; RequiredMarks what marks a required
	// field besides the required attribute; ChoiceButtons the buttons of a
	// question answered by pressing one; ComboBoxes and ComboValues a
	// combobox's box and the chosen labels it shows; Uploading a file
	// field still processing an upload; CodeInputs the inputs of a mailed
	// security code. Each is added to what every form shares (common).
	FieldWraps, Labels, RequiredMarks, ChoiceButtons, ComboBoxes, ComboValues, Uploading, CodeInputs string
	// TextOf names the text field a file field may be answered with
	// instead (Greenhouse's "enter manually"): a cover letter the run
	// renders from its template, when the user has no letter document.
	TextOf map[string]string
	// Standard are the packet values the form's standard fields take when
	// the packet carries no form of the posting's own (the board does not
	// publish it): each field by the names the form may give it.
	Standard []standard
}

// standard is a standard field and the packet value it carries: text from
// Value, or the document of kind File. Fills is what a form read by the
// browser says it takes (domain.Question.Fills).
type standard struct {
	Names []string
	Label string
	Fills string
	Value func(*domain.Packet) string
	File  domain.DocumentKind
}

// platforms are the forms the browser applier fills.
var platforms = map[domain.Platform]platform{
	domain.PlatformGreenhouse: {
		Name:    "Greenhouse",
		BaseURL: "https://job-boards.greenhouse.io", Path: "/{board}/jobs/{id}",
		Hosts:             []string{"job-boards.greenhouse.io", "boards.greenhouse.io", "job-boards.eu.greenhouse.io", "boards.eu.greenhouse.io"},
		Form:              []string{"form#application-form", "form#application_form", "form.application--form", "main form"},
		Submit:            `button[type=submit], input[type=submit], #submit_app`,
		Confirmation:      "#application_confirmation, .application-confirmation, [data-testid=confirmation]",
		ConfirmationPaths: []string{"/confirmation"},
		Errors:            ".helper-text--error, .error-message, .field-error, #error_message",
		FieldWraps:        ".field-wrapper, .select__container, .file-upload, [class*=field-wrapper]",
		ComboBoxes:        ".select__container, .select-shell, .select",
		ComboValues:       ".select__single-value, .select__multi-value__label",
		Uploading:         ".file-upload__progress, [role=progressbar], .progress-bar",
		CodeInputs:        `input[id^="security-input-"]`,
		TextOf:            map[string]string{"cover_letter": "cover_letter_text", "resume": "resume_text"},
		Standard: []standard{
			{Names: []string{"first_name", "job_application[first_name]"}, Label: "First name", Fills: "first_name", Value: func(p *domain.Packet) string { return firstName(p.Applicant) }},
			{Names: []string{"last_name", "job_application[last_name]"}, Label: "Last name", Fills: "last_name", Value: func(p *domain.Packet) string { return lastName(p.Applicant) }},
			{Names: []string{"email", "job_application[email]"}, Label: "Email", Fills: "email", Value: func(p *domain.Packet) string { return p.Email }},
			{Names: []string{"phone", "job_application[phone]"}, Label: "Phone", Fills: "phone", Value: func(p *domain.Packet) string { return p.Applicant.Phone }},
			{Names: []string{"resume", "job_application[resume]"}, Label: "Resume/CV", Fills: "resume", File: domain.DocumentResume},
			{Names: []string{"cover_letter", "job_application[cover_letter]"}, Label: "Cover letter", Fills: "cover_letter", File: domain.DocumentCoverLetter},
			{Names: []string{"cover_letter_text", "job_application[cover_letter_text]"}, Label: "Cover letter", Fills: "cover_letter", Value: func(p *domain.Packet) string { return p.CoverLetter }},
		},
	},
	domain.PlatformLever: {
		Name:    "Lever",
		BaseURL: "https://jobs.lever.co", Path: "/{board}/{id}/apply",
		Hosts:             []string{"jobs.lever.co", "jobs.eu.lever.co"},
		Form:              []string{"form#application-form", "form.application-form"},
		Submit:            "#btn-submit, button.template-btn-submit, button[type=submit]",
		Confirmation:      ".application-confirmation, .thanks, [data-qa=thanks]",
		ConfirmationPaths: []string{"/thanks"},
		Errors:            ".error-message, .application-error, .field-error",
		FieldWraps:        ".application-question, li.application-question, .application-additional",
		Labels:            ".application-label, .text",
		Standard: []standard{
			{Names: []string{"name"}, Fills: "name", Label: "Full name", Value: func(p *domain.Packet) string { return fullName(p.Applicant) }},
			{Names: []string{"email"}, Fills: "email", Label: "Email", Value: func(p *domain.Packet) string { return p.Email }},
			{Names: []string{"phone"}, Fills: "phone", Label: "Phone", Value: func(p *domain.Packet) string { return p.Applicant.Phone }},
			{Names: []string{"org"}, Fills: "current_company", Label: "Current company", Value: func(p *domain.Packet) string { return p.Applicant.CurrentCompany }},
			{Names: []string{"location"}, Fills: "location", Label: "Current location", Value: func(p *domain.Packet) string { return p.Applicant.Location }},
			{Names: []string{"urls[LinkedIn]"}, Fills: "linkedin", Label: "LinkedIn URL", Value: func(p *domain.Packet) string { return p.Applicant.LinkedIn }},
			{Names: []string{"urls[GitHub]"}, Fills: "github", Label: "GitHub URL", Value: func(p *domain.Packet) string { return p.Applicant.GitHub }},
			{Names: []string{"urls[Portfolio]"}, Fills: "website", Label: "Portfolio URL", Value: func(p *domain.Packet) string { return p.Applicant.Website }},
			{Names: []string{"resume"}, Fills: "resume", Label: "Resume/CV", File: domain.DocumentResume},
			{Names: []string{"comments"}, Fills: "cover_letter", Label: "Additional information", Value: func(p *domain.Packet) string { return p.CoverLetter }},
		},
	},
	domain.PlatformAshby: {
		Name:    "Ashby",
		BaseURL: "https://jobs.ashbyhq.com", Path: "/{board}/{id}/application",
		Hosts:          []string{"jobs.ashbyhq.com"},
		RefusesWith200: true,
		Form:           []string{".ashby-application-form-container", "form.ashby-application-form", "form"},
		Submit:         "button.ashby-application-form-submit-button, button[type=submit]",
		Confirmation:   ".ashby-application-form-success-container",
		Errors:         ".ashby-application-form-field-entry-error, ._error, .ashby-application-form-failure-container",
		FieldWraps:     ".ashby-application-form-field-entry",
		Labels:         ".ashby-application-form-question-title",
		RequiredMarks:  ".ashby-application-form-question-title[class*=required], [class*=_required]",
		Standard: []standard{
			{Names: []string{"_systemfield_name"}, Fills: "name", Label: "Name", Value: func(p *domain.Packet) string { return fullName(p.Applicant) }},
			{Names: []string{"_systemfield_email"}, Fills: "email", Label: "Email", Value: func(p *domain.Packet) string { return p.Email }},
			{Names: []string{"_systemfield_phone"}, Fills: "phone", Label: "Phone", Value: func(p *domain.Packet) string { return p.Applicant.Phone }},
			{Names: []string{"_systemfield_location"}, Fills: "location", Label: "Location", Value: func(p *domain.Packet) string { return p.Applicant.Location }},
			{Names: []string{"_systemfield_resume"}, Fills: "resume", Label: "Resume", File: domain.DocumentResume},
		},
	},
}

// common are the conventions every hosted form shares.
var common = struct {
	// CaptchaBoxes find the containers of CAPTCHA widgets, whose controls
	// are never fields. Whether a challenge is posed is read from the
	// widgets' frames (page.js challenge), never from these: every
	// Greenhouse posting carries an invisible reCAPTCHA, and Lever's pages
	// name .g-recaptcha in a stylesheet rule (see replica/doc.go).
	CaptchaBoxes string
	// Login finds a login or SSO wall (shown instead of a form).
	Login string
	// LoginTexts are the words of a sign-in wall's buttons and headings.
	LoginTexts []string
	// Errors finds validation messages by their accessible markers.
	Errors string
	// ConfirmationTexts are the words of a confirmation.
	ConfirmationTexts []string
	// TooManyTexts are the words of a platform refusing more applications
	// for now: nothing was accepted, try later.
	TooManyTexts []string
	// ChallengeTexts are the words of a page refusing until a challenge is
	// passed, with no widget shown.
	ChallengeTexts []string
	// CodeTexts are the words of a step asking for a code mailed to the
	// applicant.
	CodeTexts []string
	// NextTexts are the labels of a multi-step form's next-step button;
	// ApplyTexts those of a button that brings the form into view.
	NextTexts, ApplyTexts []string
	// Field markup every platform may use (see platform).
	FieldWraps, Labels, RequiredMarks, ChoiceButtons, ComboBoxes, ComboValues, Uploading string
}{
	CaptchaBoxes: `.g-recaptcha, .grecaptcha-badge, .h-captcha, #h-captcha, .cf-turnstile, [data-sitekey]`,
	Login:        `input[type=password]`,
	LoginTexts:   []string{"sign in to apply", "log in to apply", "login to apply", "continue with google", "continue with linkedin", "sign in with"},
	Errors:       `[role=alert], [aria-live=assertive]`,
	ConfirmationTexts: []string{"thank you for applying", "thanks for applying", "application submitted", "application has been submitted",
		"application was successfully submitted", "application was submitted", "we have received your application", "we've received your application"},
	TooManyTexts: []string{"too many applications", "too many requests", "you have already applied too many"},
	ChallengeTexts: []string{"complete the recaptcha", "complete the captcha", "verify you are not a robot", "verify that you are not a robot",
		"verify you are human", "verify that you are human", "captcha verification failed"},
	CodeTexts:     []string{"security code", "verification code", "code sent to", "code we sent", "enter the code"},
	NextTexts:     []string{"next", "continue", "next step", "save and continue"},
	ApplyTexts:    []string{"apply", "apply now", "apply for this job", "apply for this position", "apply to this job"},
	FieldWraps:    `.field-wrapper, .form-field, .form-group, .application-question, .ashby-application-form-field-entry, fieldset[data-group], [data-field]`,
	Labels:        `label, legend, [id$="-label"], .label`,
	RequiredMarks: `[data-required="true"], [aria-required="true"]`,
	ChoiceButtons: `button[aria-pressed], [role=radio]:not(input)`,
	ComboBoxes:    `[class*="select__container"], [class*="select__control"]`,
	ComboValues:   `[class*="single-value"], [class*="multi-value__label"], [class*="singleValue"], [class*="multiValueLabel"]`,
	Uploading:     `[role=progressbar], progress, [aria-busy="true"]`,
}

// join is a selector list of the platform's and the common selectors.
func join(sels ...string) string {
	var out []string
	for _, s := range sels {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}

// formURL is the address of p's form on pl, under base (pl.BaseURL when
// empty). The browser only ever goes there: never to an address a posting
// or its user supplied.
func (pl platform) formURL(base string, p *domain.Packet) (string, error) {
	if base == "" {
		base = pl.BaseURL
	}
	if err := domain.CheckBoard(p.Platform, p.Board); err != nil {
		return "", &domain.NeedsUserError{Why: "the application does not name its " + string(p.Platform) + " job board: apply by hand",
			Messages: []string{domain.ErrorMessage(err)}}
	}
	id := strings.TrimSpace(p.PlatformPostingID)
	if id == "" || strings.ContainsAny(id, "/?#\\") {
		return "", &domain.NeedsUserError{Why: "the application does not name its posting on " + string(p.Platform) + ": apply by hand"}
	}
	path := strings.NewReplacer("{board}", url.PathEscape(p.Board), "{id}", url.PathEscape(id)).Replace(pl.Path)
	return strings.TrimRight(base, "/") + path, nil
}

// platformName is the platform's name as people write it.
func (pl platform) platformName() string { return pl.Name }

func fullName(p domain.Profile) string {
	if n := strings.TrimSpace(p.Name); n != "" {
		return n
	}
	return strings.TrimSpace(p.FirstName + " " + p.LastName)
}

// firstName and lastName are the profile's own: a full name is never
// split by guesswork (a form that requires them waits for the user).
func firstName(p domain.Profile) string { return strings.TrimSpace(p.FirstName) }

func lastName(p domain.Profile) string { return strings.TrimSpace(p.LastName) }
