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
//     comboboxes, not native selects; the replica uses native selects and
//     checkboxes so that every field is a real control). Public material also
//     says Greenhouse may ask for an emailed security code after submit; the
//     replica has no such step.
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
package replica
