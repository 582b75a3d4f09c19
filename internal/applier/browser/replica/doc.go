// Package replica serves, on 127.0.0.1 with net/http/httptest, local
// replicas of the hosted job application forms of Greenhouse, Lever and
// Ashby, for the tests of a browser-based applier. A replica records every
// POST of the application it receives (Submissions) and says which ones the
// platform took (Accepted). Its pages reference nothing outside the replica:
// styles and scripts are inline, captcha widgets are served by the replica.
//
// # Pages
//
// Greenhouse (job-boards.greenhouse.io): the form is on the job page,
// GET /{board}/jobs/{id}: <form id="application-form"
// class="application--form" method="post" enctype="multipart/form-data"
// novalidate> posting to the same path; inputs with id and name first_name,
// last_name, email (type=email), phone (type=tel); file inputs resume and
// cover_letter; custom questions question_{id} (input, textarea, select, a
// file input) and question_{id}[] (a multi select as checkboxes whose value
// is the option id); a yes/no question is a select of Yes (1) and No (0).
// <button type="submit">Submit application</button>. An accepted POST is
// answered 303 to /{board}/jobs/{id}/confirmation ("Thank you for
// applying.").
//
// Lever (jobs.lever.co): GET /{board}/{id}/apply: <form
// id="application-form" method="POST" enctype="multipart/form-data"
// novalidate> posting to the same path; file input name resume (id
// resume-upload-input), inputs name, email, phone, location (id
// location-input), org, urls[LinkedIn], urls[GitHub], urls[Portfolio],
// urls[Other]; one card per custom question: a hidden
// cards[{id}][baseTemplate] (the card's JSON) and its control
// cards[{id}][field0] (id card-{id}-field0): input, textarea, select,
// checkboxes, radios Yes/No, a file input; textarea comments ("Additional
// information"); <button type="submit" id="btn-submit"
// class="postings-btn template-btn-submit">Submit application</button>. An
// accepted POST is answered 303 to /{board}/{id}/thanks ("Application
// submitted!", "Thank you for applying ...").
//
// Ashby (jobs.ashbyhq.com): GET /{board}/{id}/application serves a page
// whose script renders the form into div#form after AshbyRenderDelay (the
// markup travels in <template id="ashby-application-form-template">).
// There is no <form> element, as on Ashby: controls with id and name
// _systemfield_name, _systemfield_email, _systemfield_phone,
// _systemfield_location, file _systemfield_resume, custom questions named
// and identified by their id (a yes/no question is two radios Yes/No),
// each in .ashby-application-form-field-entry with a
// label.ashby-application-form-question-title; <button
// class="ashby-application-form-submit-button" type="submit">Submit
// Application</button>. The button's script validates, then sends a
// multipart FormData with fetch() to AshbySubmitPath and, on success,
// replaces #form's content with .ashby-application-form-success-container
// ("Thanks for applying", "Your application was successfully submitted.")
// without navigating. Refusals are shown in
// .ashby-application-form-failure-container (role="alert").
//
// Every fillable control has a name, an id and a <label for>; a checkbox
// or radio group is a <fieldset data-group> whose <legend> is the question
// and whose options have their own <label for>. Required controls carry
// required and aria-required="true" (a group: its fieldset has
// aria-required="true"). On submit (and on Next) the page's script checks
// required fields and email addresses; it sends nothing when one fails,
// marks the control aria-invalid="true" and puts the message
// (RequiredMessage, EmailMessage) in an element with role="alert" and
// data-field-error, with the platform's error class. The server checks the
// same again (and that a choice is one of the options) and answers a
// Greenhouse or Lever POST that fails with the form again, HTTP 422,
// prefilled, the messages in a .error-summary role="alert" and at each
// field; Ashby answers HTTP 200 with GraphQL-style "errors" that the page
// shows. Such a POST is recorded but not accepted. The error classes are
// helper-text--error (Greenhouse), error-message application-error (Lever)
// and ashby-application-form-field-entry-error (Ashby).
//
// The variants: Captcha shows the platform's widget (Greenhouse and Ashby
// div.g-recaptcha with iframe[title=reCAPTCHA] from /recaptcha/api2/anchor,
// Lever div#h-captcha.h-captcha with an iframe from /hcaptcha/checkbox.html;
// ticking its checkbox puts CaptchaToken in CaptchaField) and refuses a POST
// without the token (Greenhouse, Lever: 400 with the form again; Ashby: 200
// with errors). LoginWall serves a "Sign in to apply" page (email,
// type=password, "Continue with Google") instead of the form and refuses a
// POST with 403. ConfirmationDelay holds an accepted POST's answer.
// ErrorAfterClick accepts the POST and answers 500 ("Something went wrong";
// Ashby: JSON, and the page shows a generic banner). TooMany answers 429
// with TooManyText. ServerErrors refuses an otherwise valid POST with its
// messages (422; Ashby 200 with errors). UnrecognisedRequired adds
// UnrecognisedQuestion. MultiStep splits the form into
// section[data-step] (the others hidden), each but the last ending in
// <button type="button" data-next>Next</button>, the submit button only in
// the last.
//
// # What public material confirmed, and what it did not
//
// Checked against open-source form fillers and their fixtures (found with a
// code search; no live site was visited):
//
//   - Greenhouse: #first_name, #last_name, #email, #phone, a file input
//     whose id holds "resume", form#application-form.application--form on
//     job-boards.greenhouse.io (older boards: #application_form, #main_fields,
//     job_application[...] names) — confirmed. Not confirmed: the exact
//     confirmation path and text, the error class, the custom-question markup
//     (public fillers say the new boards draw selects as React-select
//     comboboxes, not native selects; without Live the replica uses native
//     selects and checkboxes so that every field is a real control; Live
//     draws the comboboxes). Public material also says Greenhouse may ask
//     for an emailed security code after submit: the SecurityCode variant.
//   - Lever: name, email, phone, org, location, urls[LinkedIn], urls[GitHub],
//     urls[Portfolio], comments, file input name=resume with
//     id resume-upload-input, cards[{uuid}][baseTemplate] (JSON) with
//     cards[{uuid}][field{n}], form#application-form,
//     button.template-btn-submit with data-qa="btn-submit", and an invisible
//     hCaptcha on every form — confirmed. Not confirmed: the /thanks page's
//     exact text, the error class (error-message here is a guess).
//   - Ashby: #_systemfield_name (one full-name field), #_systemfield_email,
//     #_systemfield_resume, _systemfield_location, UUID ids for custom
//     questions, .ashby-application-form-field-entry,
//     label.ashby-application-form-question-title,
//     button.ashby-application-form-submit-button "Submit Application",
//     .ashby-application-form-success-container replacing the form in place
//     ("Your application was successfully submitted"),
//     .ashby-application-form-failure-container — confirmed. Corrected: the
//     hosted form posts to /api/non-user-graphql?op=ApiSubmitSingleApplicationForm
//     (applicationForm.submit is Ashby's API for custom careers pages) and
//     answers 200 even when it refuses; the page is a client-rendered app
//     without a <form> element; its captcha is Google reCAPTCHA
//     (textarea#g-recaptcha-response), not hCaptcha, so the Ashby replica
//     shows the reCAPTCHA widget. Not confirmed: whether the phone field is
//     _systemfield_phone (one source says tenants ask for it as a custom
//     question), the field error class, how yes/no is posted (the replica's
//     radios post Yes/No), whether system fields carry a name (one source
//     says only the id; the replica gives both).
//
// # The live variants
//
// The applier, written against the pages above, failed on the live forms.
// The fields of Variant below reproduce the live mechanics, each from the
// public evidence cited with it (found with the search tool's issue and
// code corpora; no live site was visited). Where a detail was unknown the
// replica chose something plausible; such details are listed as not
// confirmed.
//
// Live, Greenhouse. GET FormURL serves the job page. A <button
// type="button" data-apply aria-label="Apply">Apply</button> at the top,
// outside the form, scrolls (smooth) to div#application. The form is
// form#application-form.application--form with no action or method; the
// page's script sends it (fetch, multipart) to SubmitURL, which is
// FormURL + "/applications"; a POST to FormURL is 405. Text inputs are as
// without Live (id and name first_name, last_name, email, phone; custom
// text and textarea questions question_{id}). Every single select, yes/no
// (options Yes=1, No=0) and multi select is a React-Select-like combobox:
// div.select__container[data-field=NAME] > label#ID-label[for=ID] and
// input#ID.select__input[role=combobox][aria-expanded][aria-haspopup]
// (aria-required="true" when required) inside .select__control; focus, a
// click on the control, ArrowDown or typing open the menu, whose options
// arrive after 200–400 ms in div.select__menu >
// div.select__menu-list[role=listbox]#react-select-ID-listbox (the input
// then has aria-controls and aria-activedescendant), each
// div.select__option[role=option]#react-select-ID-option-N (N: the
// option's index in the question's options), filtered by the typed text.
// A click on an option or Enter on the highlighted one
// (.select__option--is-focused; ArrowDown/ArrowUp move it) commits; the
// committed label shows in .select__single-value (multi: chips
// .select__multi-value > .select__multi-value__label and a
// .select__multi-value__remove[role=button]) and the input is cleared
// (blur clears typed text too; Backspace on the empty input removes the
// last choice). A hidden input[name=NAME] mirrors the choice, but the page
// sends only what the component committed: setting that hidden input, or
// the combobox input's value, by script sends nothing. The system field
// "Location (City)" (LocationLabel; name location, input
// #candidate-location, optional) is such a combobox whose options come
// from GET FormURL + "/locations?q=" only once two characters are typed
// (Locations lists them); a pick posts location (the label) and
// location_place_id (hidden inputs of those names mirror it); the server
// refuses a pair it did not offer. The phone field carries a hidden
// country list ([role=listbox]#phone-country-listbox of [role=option]s)
// that is never shown. Uploads (#resume, #cover_letter, a file question's
// #question_{id}) are input[type=file].visually-hidden with no name,
// inside div.file-upload__wrapper[data-dropzone=NAME] with a
// button[data-attach=ID] "Attach" (aria-describedby
// ID-allowable-file-types) and a label[for=ID]; after a file is chosen (or
// dropped) a div.file-upload__progress[role=progressbar] shows for
// FileProcessingDelay, then the file input is removed from the DOM and
// div.file-upload__chip[data-file-chip=NAME] shows
// span.file-upload__filename and a button.file-upload__remove (which
// brings a new input back); the page keeps the File and sends it.
// Client-side errors are div.helper-text--error[role=alert] in the field's
// wrapper, aria-invalid on its control. At the end of body the invisible
// reCAPTCHA Enterprise: div.grecaptcha-badge (fixed, bottom right) with
// iframe[title=reCAPTCHA] whose src is
// /recaptcha/enterprise/anchor?…&size=invisible… and
// textarea#g-recaptcha-response[name=g-recaptcha-response] (hidden). On
// submit the page POSTs /recaptcha/enterprise/reload, puts the token in
// that textarea and sends it as g-recaptcha-response, asking nothing; the
// server refuses a POST without CaptchaToken with 400 and
// RecaptchaRefusalMessage. Answers are JSON: 200
// {"status":"success","redirect":"/…/confirmation"} (the page then goes
// there), or {"status":"error","errors":[{"message","field","label"}]}
// with 400, 403, 422, 429 or 500, shown in a div.error-summary[role=alert]
// above the form and at each field.
//
// SecurityCode (Greenhouse, Live). The first valid POST is recorded, not
// accepted, and answered 200 {"status":"security_code_required","email"};
// the replica generates a random SecurityCodeLength-character code of
// letters and digits and "mails" it from SecurityCodeSender to the
// application's email (MailedCodes). The page shows
// div#security-code[role=group] above the submit button: "Verify your
// email", p#security-code-prompt SecurityCodePrompt + email + ".", and
// eight input#security-input-0 … #security-input-7 (type text,
// maxlength=1; typing advances to the next, Backspace on an empty one goes
// back, a paste into any fills all from the first), and the same submit
// button. The next POST (all fields again plus security_code, the eight
// characters joined) is accepted only with the exact code (case-sensitive)
// and then answered success; a wrong one is recorded and answered 422
// {"status":"security_code_invalid","errors":[{"message":
// SecurityCodeMessage,"field":"security_code"}]}, shown in
// #security-code-error[role=alert], and the step stays. Fewer than eight
// characters: the page says SecurityCodeIncompleteMessage and sends
// nothing. After an acceptance the next valid POST starts a new step, so a
// code is accepted once. There is no resend button.
//
// Challenge (Greenhouse, Live). ChallengeImageGrid: the reload answers a
// challenge instead of a token, and the page appends a fixed overlay with
// iframe[title="recaptcha challenge expires in two minutes"] whose src is
// /recaptcha/enterprise/bframe?…&c=ID: "Select all images with traffic
// lights", a 3×3 table of td.rc-imageselect-tile[data-i=0..8] and
// button#recaptcha-verify-button "Verify". Nothing is posted until it is
// passed. Only trusted clicks (event.isTrusted: real input, e.g. CDP
// Input.dispatchMouseEvent) select a tile (.rc-imageselect-tileselected)
// or press Verify; the three right tiles then yield the token, the overlay
// goes and the form is sent; wrong tiles show "Please try again.".
// ChallengeCheckbox: no badge; div.g-recaptcha in the form with a visible
// iframe[title=reCAPTCHA] from /recaptcha/enterprise/anchor?…&size=normal
// whose "I'm not a robot" checkbox puts the token in
// textarea#g-recaptcha-response; a POST without it is refused (400,
// RecaptchaRefusalMessage). ChallengeRefusal: the badge only, and every
// POST is refused with 400 and RecaptchaRefusalMessage (recorded, not
// accepted).
//
// Live, Lever. The page is as without Live, but every custom question is
// Lever's card: ul.application-questions > li.application-question
// .custom-question with the hidden cards[{id}][baseTemplate], the
// question in div.application-label.full-width > div.text (required:
// span.required "✱"; there is no <label for>), and
// div.application-field.full-width(.required-field) holding the control:
// input/textarea/select named cards[{id}][field0] (id card-{id}-field0),
// or for yes/no, Question.Radios and multi selects ul[data-qa=
// multiple-choice|checkboxes] of li > label > input[type=radio|checkbox]
// (no id; value the option's text) + span.application-answer-alternative,
// so each option's <label> is the option, not the question. The page's
// style always carries Lever's rule ".page-centered,.g-recaptcha
// div,.h-captcha-spacing {display: block; margin: 0 auto;}", with no
// reCAPTCHA element anywhere.
//
// LeverCaptcha (Lever). LeverCaptchaInvisible: in the form
// div.h-captcha-spacing > div#h-captcha.h-captcha[data-size=invisible]
// with a hidden iframe from /hcaptcha/static/hcaptcha.html?size=invisible
// and a hidden textarea#h-captcha-response; on submit the page POSTs
// /hcaptcha/checkcaptcha, puts generated_pass_UUID in the textarea and
// sends the form, asking nothing; a POST without the token is refused as
// with Captcha (400, CaptchaMessage). LeverCaptchaCheckbox: the visible
// hCaptcha checkbox widget of the Captcha variant, with its refusal.
//
// Live, Ashby. The form is still rendered by script into div#form, with no
// <form>. Each field is div.ashby-application-form-field-entry
// [data-field-path=ID] with label.ashby-application-form-question-title
// (id ID-label, for=ID); a required field is marked only by
// AshbyRequiredClass on that label (CSS draws the "*"): no control carries
// required or aria-required. Text: input/textarea
// .ashby-application-form-input. Yes/no:
// div.ashby-application-form-input-yesno[role=group] with <button
// type="button" data-option="yes|no" aria-pressed> Yes and No (the picked
// one gets aria-pressed="true" and a class) and a hidden
// input[type=checkbox]#ID[name=ID] (checked for yes) that the label points
// at; the page sends Yes or No from its state, never from that checkbox.
// Single select: input#ID[role=combobox] whose options
// [role=option]#ID-option-N come in [role=listbox]#ID-listbox after
// 200–400 ms; a pick puts the label in the input. Question.Radios:
// radios with labels ID-labeled-radio-N; multi select: checkboxes
// ID-labeled-checkbox-N. Résumé: div.ashby-application-form-input-file
// [data-dropzone] with an "Upload File" button and the hidden
// input[type=file]#_systemfield_resume (kept in place); a chosen file shows
// span.ashby-application-form-input-file-item-name. Submission as without
// Live (fetch, multipart, to AshbySubmitPath); an empty required field is
// AshbyMissingMessage, client- and server-side.
//
// Redirect. RedirectHTTP: GET FormURL answers 302 to ForeignURL, a second
// httptest server on 127.0.0.1 (another port: another origin), "the
// employer's careers site", with its own form#careers-application
// (candidate_name, candidate_email, candidate_phone, candidate_cv,
// candidate_motivation; "Send application"). RedirectScript: the form page
// loads, then its script sets location to ForeignURL after
// ScriptRedirectDelay. The foreign site records every request
// (ForeignRequests) and its page reports every keydown, input and change
// on a named control with a beacon to its own /events (ForeignTyped counts
// them).
//
// The post-click traps (from applyq's own black-box testing, applyq issue
// #21; they are not platform behaviour). BeaconAfterSubmit: after an
// accepted submission the page POSTs a beacon (navigator.sendBeacon) to
// AnalyticsPath, answered 429 (AnalyticsHits): from the confirmation page
// of a native form (Greenhouse and Lever without Live), from the form page
// itself on Live Greenhouse (before it leaves for the confirmation) and on
// Ashby. ThankYouInDescription: ThankYouDescriptionText in the job
// description. SelfHidingButton: a click on the submit button hides it
// (display:none, hidden) and the page sends no request at all (every
// submit is stopped before the page's own script). RejectThenThanks: every
// otherwise valid POST is refused with 422 and the form's errors
// (ServerErrors, or RejectMessage; Ashby: its errors JSON with 422), and
// the page then also shows RejectThanksText in an aside.sidebar-promo
// [data-promo] outside the form (in the 422 page, or added by the page's
// script).
//
// Variants combine where that makes sense (say Live + SecurityCode +
// Challenge + BeaconAfterSubmit); New panics on the rest: SecurityCode
// without Live Greenhouse or with a variant that never lets a valid
// application through; Challenge without Live Greenhouse; LeverCaptcha off
// Lever or with Captcha; Captcha on a Live Greenhouse form; MultiStep with
// Live Greenhouse or Ashby; Redirect with LoginWall; SelfHidingButton with
// BeaconAfterSubmit, RejectThenThanks or ChallengeImageGrid; Radios off a
// single select or on a Live Greenhouse form.
//
// A note for drivers of these pages over CDP: chromedp.KeyEvent(kb.Enter)
// sends a keyDown and then a separate char event. The comboboxes, like
// React-Select, prevent the keydown of Enter while their menu is open, but
// Chrome still delivers the separate char, and Enter in an input of a form
// submits that form: on a Live Greenhouse page that picks the option and
// sends the application in one key. A keyDown that carries its text
// ("\r") is prevented whole (see pressEnter in the tests).
//
// # Evidence for the live variants
//
//   - strelov1/freehire PR #2684, "Stop parking every Greenhouse posting on
//     an invisible reCAPTCHA" (https://github.com/strelov1/freehire/pull/2684):
//     every vanilla job-boards.greenhouse.io posting loads an invisible,
//     score-based reCAPTCHA Enterprise; a bframe iframe is the image-grid
//     challenge, present only when one is posed; otherwise the corner
//     badge means the invisible kind, which asks nothing; a mounted widget
//     with no badge is a checkbox; #application-form shows in 0.8–1.7 s.
//     (Live, ChallengeNone, ChallengeImageGrid, ChallengeCheckbox.)
//   - webcompat/web-bugs issue #169329
//     (https://github.com/webcompat/web-bugs/issues/169329): on
//     job-boards.greenhouse.io/grafanalabs, submitting answered "Please
//     complete the reCAPTCHA and resubmit your application." while no
//     captcha was displayed. (ChallengeRefusal, RecaptchaRefusalMessage.)
//   - browser-use/browser-harness, domain-skills/greenhouse/application-forms.md
//     (https://github.com/browser-use/browser-harness/blob/main/domain-skills/greenhouse/application-forms.md,
//     PR #806 https://github.com/browser-use/browser-harness/pull/806,
//     "verified from a live hosted application form"): the top Apply
//     button scrolls, animated, to the form on the same page; React Select
//     comboboxes [role=combobox], options [role=option] with ids
//     react-select-<field-id>-option-<index>, loaded asynchronously; a
//     typed search string is not a committed choice; the committed label
//     shows in .select__container while the input may be empty; ArrowDown
//     opens the menu; the phone component can keep a hidden full country
//     list in the DOM; location and school options load asynchronously; do
//     not insert values into hidden inputs; #resume and #cover_letter, the
//     input can disappear during processing while a progress bar shows,
//     then the filename shows in the attachment UI; custom questions can be
//     checkbox groups; after submit an email-code step with eight
//     #security-input-0…7 controls, maxlength="1", an eight-character code
//     whose case matters, mailed from no-reply@us.greenhouse-mail.io; an
//     invalid code gives an error; no resend button; the step is not a
//     submitted application. (Live Greenhouse, SecurityCode.)
//   - Ches-ctrl/Cheddar, app/models/concerns/ats/ashbyhq.rb (a commented
//     Greenhouse-style template): the résumé upload located by
//     button[aria-describedby="resume-allowable-file-types"]. (The Attach
//     button's aria-describedby; weak evidence.)
//   - strelov1/freehire PR #2721
//     (https://github.com/strelov1/freehire/pull/2721): a live measurement
//     of six Lever postings: two with no captcha of any kind, four with
//     hCaptcha loaded as an invisible one; on all six the only "recaptcha"
//     is ".g-recaptcha div" inside a CSS rule; the captcha is a
//     per-employer setting. PR #2739
//     (https://github.com/strelov1/freehire/pull/2739): Lever ships
//     ".page-centered,.g-recaptcha div,.h-captcha-spacing {display: block;
//     margin: 0 auto;}" on every posting, with no reCAPTCHA iframe, badge or
//     anchor. (Live Lever's CSS, LeverCaptchaNone, LeverCaptchaInvisible.)
//   - browser-use/browser-harness, agent-workspace/domain-skills/lever/application.md
//     (PR #809 https://github.com/browser-use/browser-harness/pull/809):
//     #resume-upload-input; cards[<card-id>][field0] names; a hidden
//     #selected-location that must not be set by hand (not replicated).
//   - Public form-filler code found by the code search (the index names
//     neither repository nor path, so these are quoted, not linked): Lever
//     cards as li.application-question > div.application-label
//     (.full-width .multiple-select|.textarea) > div.text with
//     span.required "✱", div.application-field.full-width.required-field >
//     ul[data-qa="multiple-choice"|"checkboxes"] > li > label > input +
//     span.application-answer-alternative; Ashby field entries
//     div.ashby-application-form-field-entry[data-field-path] whose path is
//     the control's id, "Boolean fields rendered as a Yes/No button pair
//     (button[data-option], committed via aria-pressed="true", with a
//     hidden checkbox that is only checked for yes)", required read from a
//     "_required_" class on the label (an asterisk from ::after), radio
//     labels label[for$="-radio-N"], the résumé input
//     #_systemfield_resume kept in place with a chip
//     ashby-application-form-input-file-item-name, the location a
//     typeahead [role=combobox] with [role=option] results; and Ashby's
//     hosted form submitting /api/non-user-graphql?op=
//     ApiSubmitSingleApplicationFormAction. (Live Lever, Live Ashby.)
//   - browser-use/browser-harness, agent-workspace/domain-skills/ashbyhq/candidate-forms.md
//     (PR #809): "Yes/No questions may render as buttons backed by a
//     checkbox. Inspect aria-pressed"; the Resume field may use
//     input#_systemfield_resume, confirm the displayed attachment name;
//     location may need a canonical autocomplete result; "A form can still
//     report Missing entry for required field after native text insertion".
//     (Live Ashby, AshbyMissingMessage.)
//   - cravessant/valedictorian issue #37
//     (https://github.com/cravessant/valedictorian/issues/37): Ashby's
//     "React-backed comboboxes, structured location/education fields, and
//     rerendered application controls". Ashby's own guide
//     (https://ashbyhq.notion.site/Application-Forms-25920a2e471e4615837113cbac3c89e7,
//     https://docs.ashbyhq.com/application-forms): question types include
//     Multiple Choice (select a single option) and Checkboxes (select
//     multiple options); every type can be made Required. (Live Ashby,
//     Question.Radios.)
//   - applyq issue #21 (applyq's own black-box testing): the post-click
//     traps BeaconAfterSubmit, ThankYouInDescription, SelfHidingButton and
//     RejectThenThanks.
//
// # Not confirmed (chosen to be plausible)
//
// Greenhouse Live: the submission endpoint (FormURL + "/applications"),
// its JSON answers and statuses; that the server refuses a POST without
// the invisible token; the token and challenge endpoints
// (/recaptcha/enterprise/reload, /bframe, /userverify are reCAPTCHA's
// names, the exchange is simplified), the image-grid markup, its three
// right tiles and its texts; the label "Location (City)" (from the brief,
// not from the sources), the location endpoint, its places and the posted
// names location and location_place_id; the 200–400 ms option delay,
// option ids numbered by position in the full option list, opening on
// focus, Backspace clearing a choice; the 400 ms processing, the progress
// and chip markup, that the input is removed for good (a new one comes
// back only when the file is removed), inputs without a name; the Apply
// button's markup; the country list's markup; the code step's texts and
// markup beyond the ids and maxlength, the error text, the JSON of the
// step, an alphanumeric alphabet, and that a POST after an acceptance
// starts a new step. Lever: the card classes beyond those quoted, the
// invisible hCaptcha's markup and exchange (/hcaptcha/checkcaptcha,
// generated_pass_UUID is hCaptcha's field name) and the server's refusal;
// LeverCaptchaCheckbox draws the Captcha variant's widget. Ashby: the name
// of AshbyRequiredClass and of the button classes (Ashby's are hashed
// CSS-module names), the combobox's ids and menu markup (the listbox is
// not portalled to body here, and the other entries are not
// aria-hidden while it is open, as one source says the live form does),
// the drop zone's markup, AshbyMissingMessage as the server's message
// too; the operation name: public code names it
// ApiSubmitSingleApplicationFormAction with a JSON GraphQL body and files
// uploaded by separate operations, while AshbySubmitPath keeps the
// replica's earlier ApiSubmitSingleApplicationForm and a multipart body,
// so that existing users keep working. Redirect: the foreign site is
// invented whole. The post-click traps are applyq's observations, not any
// platform's.
package replica
