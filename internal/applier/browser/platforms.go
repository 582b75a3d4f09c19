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
	// BaseURL is where its hosted forms live; Path the form's address
	// under it, with {board} and {id} (the posting's id on the board).
	BaseURL, Path string
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
// Value, or the document of kind File.
type standard struct {
	Names []string
	Label string
	Value func(*domain.Packet) string
	File  domain.DocumentKind
}

// platforms are the forms the browser applier fills.
var platforms = map[domain.Platform]platform{
	domain.PlatformGreenhouse: {
		BaseURL: "https://job-boards.greenhouse.io", Path: "/{board}/jobs/{id}",
		Form:              []string{"form#application-form", "form#application_form", "form.application--form", "main form"},
		Submit:            `button[type=submit], input[type=submit], #submit_app`,
		Confirmation:      "#application_confirmation, .application-confirmation, [data-testid=confirmation]",
		ConfirmationPaths: []string{"/confirmation"},
		Errors:            ".helper-text--error, .error-message, .field-error, #error_message",
		TextOf:            map[string]string{"cover_letter": "cover_letter_text", "resume": "resume_text"},
		Standard: []standard{
			{Names: []string{"first_name", "job_application[first_name]"}, Label: "First name", Value: func(p *domain.Packet) string { return firstName(p.Applicant) }},
			{Names: []string{"last_name", "job_application[last_name]"}, Label: "Last name", Value: func(p *domain.Packet) string { return lastName(p.Applicant) }},
			{Names: []string{"email", "job_application[email]"}, Label: "Email", Value: func(p *domain.Packet) string { return p.Email }},
			{Names: []string{"phone", "job_application[phone]"}, Label: "Phone", Value: func(p *domain.Packet) string { return p.Applicant.Phone }},
			{Names: []string{"resume", "job_application[resume]"}, Label: "Resume/CV", File: domain.DocumentResume},
			{Names: []string{"cover_letter", "job_application[cover_letter]"}, Label: "Cover letter", File: domain.DocumentCoverLetter},
			{Names: []string{"cover_letter_text", "job_application[cover_letter_text]"}, Label: "Cover letter", Value: func(p *domain.Packet) string { return p.CoverLetter }},
		},
	},
	domain.PlatformLever: {
		BaseURL: "https://jobs.lever.co", Path: "/{board}/{id}/apply",
		Form:              []string{"form#application-form", "form.application-form"},
		Submit:            "#btn-submit, button.template-btn-submit, button[type=submit]",
		Confirmation:      ".application-confirmation, .thanks, [data-qa=thanks]",
		ConfirmationPaths: []string{"/thanks"},
		Errors:            ".error-message, .application-error, .field-error",
		Standard: []standard{
			{Names: []string{"name"}, Label: "Full name", Value: func(p *domain.Packet) string { return fullName(p.Applicant) }},
			{Names: []string{"email"}, Label: "Email", Value: func(p *domain.Packet) string { return p.Email }},
			{Names: []string{"phone"}, Label: "Phone", Value: func(p *domain.Packet) string { return p.Applicant.Phone }},
			{Names: []string{"org"}, Label: "Current company", Value: func(p *domain.Packet) string { return p.Applicant.CurrentCompany }},
			{Names: []string{"location"}, Label: "Current location", Value: func(p *domain.Packet) string { return p.Applicant.Location }},
			{Names: []string{"urls[LinkedIn]"}, Label: "LinkedIn URL", Value: func(p *domain.Packet) string { return p.Applicant.LinkedIn }},
			{Names: []string{"urls[GitHub]"}, Label: "GitHub URL", Value: func(p *domain.Packet) string { return p.Applicant.GitHub }},
			{Names: []string{"urls[Portfolio]"}, Label: "Portfolio URL", Value: func(p *domain.Packet) string { return p.Applicant.Website }},
			{Names: []string{"resume"}, Label: "Resume/CV", File: domain.DocumentResume},
			{Names: []string{"comments"}, Label: "Additional information", Value: func(p *domain.Packet) string { return p.CoverLetter }},
		},
	},
	domain.PlatformAshby: {
		BaseURL: "https://jobs.ashbyhq.com", Path: "/{board}/{id}/application",
		Form:         []string{".ashby-application-form-container", "form.ashby-application-form", "form"},
		Submit:       "button.ashby-application-form-submit-button, button[type=submit]",
		Confirmation: ".ashby-application-form-success-container",
		Errors:       ".ashby-application-form-field-entry-error, ._error, .ashby-application-form-failure-container",
		Standard: []standard{
			{Names: []string{"_systemfield_name"}, Label: "Name", Value: func(p *domain.Packet) string { return fullName(p.Applicant) }},
			{Names: []string{"_systemfield_email"}, Label: "Email", Value: func(p *domain.Packet) string { return p.Email }},
			{Names: []string{"_systemfield_phone"}, Label: "Phone", Value: func(p *domain.Packet) string { return p.Applicant.Phone }},
			{Names: []string{"_systemfield_location"}, Label: "Location", Value: func(p *domain.Packet) string { return p.Applicant.Location }},
			{Names: []string{"_systemfield_resume"}, Label: "Resume", File: domain.DocumentResume},
		},
	},
}

// common are the conventions every hosted form shares.
var common = struct {
	// Captcha finds a CAPTCHA widget, visible or not: applyq never
	// solves one, the user does.
	Captcha string
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
	// NextTexts are the labels of a multi-step form's next-step button.
	NextTexts []string
}{
	Captcha: `.g-recaptcha, .h-captcha, #h-captcha, .cf-turnstile, [data-sitekey], iframe[src*="recaptcha"], iframe[src*="hcaptcha"], ` +
		`iframe[src*="challenges.cloudflare.com"], iframe[title*="captcha" i], textarea[name="g-recaptcha-response"], textarea[name="h-captcha-response"]`,
	Login:      `input[type=password]`,
	LoginTexts: []string{"sign in to apply", "log in to apply", "login to apply", "continue with google", "continue with linkedin", "sign in with"},
	Errors:     `[role=alert], [aria-live=assertive]`,
	ConfirmationTexts: []string{"thank you for applying", "thanks for applying", "application submitted", "application has been submitted",
		"application was successfully submitted", "application was submitted", "we have received your application", "we've received your application"},
	TooManyTexts: []string{"too many applications", "too many requests", "you have already applied too many"},
	NextTexts:    []string{"next", "continue", "next step", "save and continue"},
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
