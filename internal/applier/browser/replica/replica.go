package replica

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// Kind is what kind of answer a custom question takes: the words of
// domain.QuestionKind (an alias, so domain.QuestionText and KindText are the
// same value).
type Kind = domain.QuestionKind

// The kinds a replica can show.
const (
	KindText         = domain.QuestionText
	KindTextarea     = domain.QuestionTextarea
	KindSingleSelect = domain.QuestionSingleSelect
	KindMultiSelect  = domain.QuestionMultiSelect
	KindBoolean      = domain.QuestionBoolean
	KindFile         = domain.QuestionFile
)

// Question is one custom question of a job. ID names the control (see
// FieldName): Greenhouse's question id (digits), Lever's card id and Ashby's
// field id (UUIDs).
type Question struct {
	ID       string
	Label    string
	Kind     Kind
	Required bool
	Options  []Option // single_select and multi_select; ignored otherwise
	// Radios draws a single select as radios, one label per option (Lever's
	// "multiple-choice" card, Ashby's Multiple Choice) instead of a
	// dropdown. Only for KindSingleSelect; not on a Live Greenhouse form,
	// whose single selects are comboboxes.
	Radios bool
}

// Option is one choice of a select question. Value is what the form posts
// (Greenhouse: the option id); an empty Value posts Label.
type Option struct{ Label, Value string }

// Job is the posting whose form a Server shows.
type Job struct {
	Board, ID, Title string
	Questions        []Question
}

// Variant is the situation the replica plays. The zero Variant is the plain
// form that accepts a valid application.
type Variant struct {
	MultiStep            bool          // the form in 2–3 steps with Next buttons
	Captcha              bool          // the platform's captcha widget; a POST without its token is refused
	LoginWall            bool          // a "Sign in to apply" page instead of the form
	ConfirmationDelay    time.Duration // an accepted POST is answered only after this long
	ErrorAfterClick      bool          // the POST is accepted, the answer is a 500 "Something went wrong"
	ServerErrors         []string      // every otherwise valid POST is refused with these messages
	TooMany              bool          // every POST is refused with 429 "too many applications"
	UnrecognisedRequired bool          // one more required question that is not in Job.Questions

	// Live draws the platform's form as the live site does (see doc.go):
	// Greenhouse with React-Select-like comboboxes, a location
	// autocomplete, drop-zone uploads whose file input is removed after
	// processing, an Apply button that scrolls to the form, the invisible
	// reCAPTCHA Enterprise and a fetch() submission to SubmitURL; Lever
	// with its card markup (the question in .application-label, each
	// option in its own label) and the .g-recaptcha CSS rule; Ashby with
	// required marked only by AshbyRequiredClass on the label, Yes/No as
	// two buttons, single selects as comboboxes and a drop zone for the
	// résumé. Not with MultiStep on Greenhouse or Ashby.
	Live bool
	// SecurityCode (Greenhouse, with Live) answers the first valid
	// submission with the email-code step instead of taking it: a code is
	// mailed (MailedCodes) and the page asks for it in eight
	// #security-input-0..7 inputs; only a later submission carrying the
	// exact code (field security_code) is accepted.
	SecurityCode bool
	// Challenge (Greenhouse, with Live) is what the reCAPTCHA Enterprise
	// does: ChallengeNone (invisible, asks nothing), ChallengeImageGrid,
	// ChallengeCheckbox or ChallengeRefusal.
	Challenge ChallengeKind
	// LeverCaptcha (Lever) is the employer's hCaptcha: none, invisible or
	// a visible checkbox.
	LeverCaptcha LeverCaptchaKind
	// Redirect sends the browser from the form's address to another
	// origin, the employer's careers site with its own form (ForeignURL,
	// ForeignRequests, ForeignTyped). Not with LoginWall.
	Redirect RedirectKind
	// BeaconAfterSubmit: after an accepted submission the page POSTs a
	// beacon to AnalyticsPath, which answers 429 (applyq issue #21).
	BeaconAfterSubmit bool
	// ThankYouInDescription puts ThankYouDescriptionText in the job
	// description (applyq issue #21).
	ThankYouInDescription bool
	// SelfHidingButton: the submit button hides itself when clicked and the
	// page sends nothing at all (applyq issue #21).
	SelfHidingButton bool
	// RejectThenThanks refuses every otherwise valid submission with 422 and
	// the form's errors (ServerErrors, or RejectMessage), and the page then
	// also shows RejectThanksText outside the form, in a sidebar promo
	// (applyq issue #21).
	RejectThenThanks bool
}

// File is one uploaded file of a submission.
type File struct {
	Filename, ContentType string
	Data                  []byte
}

// Submission is one POST of the application as the server received it.
// Fields holds every non-file part (file inputs left empty are dropped);
// Files every uploaded file by field name. Accepted says the platform took
// the application (it got through, whatever the answer was afterwards);
// Status is the HTTP status the server answered.
type Submission struct {
	Fields   map[string][]string
	Files    map[string][]File
	Accepted bool
	At       time.Time
	Status   int
}

// Texts the replicas show and the server answers with.
const (
	// RequiredMessage is the message of an empty required field.
	RequiredMessage = "This field is required."
	// EmailMessage is the message of a malformed email address.
	EmailMessage = "Please enter a valid email address."
	// OptionMessage is the message of a choice the question does not offer.
	OptionMessage = "Please select a valid option."
	// CaptchaMessage is the refusal of a POST without the captcha token.
	CaptchaMessage = "Please complete the CAPTCHA to verify you are not a robot."
	// TooManyText is the 429 answer of the TooMany variant.
	TooManyText = "You have submitted too many applications. Please try again later."
	// ErrorText is the heading of the ErrorAfterClick variant's answer.
	ErrorText = "Something went wrong"
	// LoginWallHeading is the heading of the LoginWall variant's page.
	LoginWallHeading = "Sign in to apply"
	// UnrecognisedQuestionLabel is the label of the UnrecognisedRequired
	// variant's extra question.
	UnrecognisedQuestionLabel = "What is your favourite colour?"
)

// MaxBodyBytes caps the body of a POST; a larger one is answered 413 and
// recorded as not accepted.
const MaxBodyBytes = 16 << 20

// AshbyRenderDelay is how long the Ashby page waits after loading before
// its script renders the form, as Ashby's client-rendered page does.
const AshbyRenderDelay = 300 * time.Millisecond

// AshbySubmitPath is where the Ashby replica's page posts the application
// (fetch, multipart), as jobs.ashbyhq.com does.
const AshbySubmitPath = "/api/non-user-graphql?op=ApiSubmitSingleApplicationForm"

// Captcha site keys the widgets carry.
const (
	RecaptchaSiteKey = "6LcReplicaKeyAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	HcaptchaSiteKey  = "10000000-ffff-ffff-ffff-000000000001"
)

// Server is a running replica of one job's application form on loopback.
// It is safe for concurrent use.
type Server struct {
	platform  domain.Platform
	job       Job
	v         Variant
	questions []Question
	fields    []field
	token     string
	ts        *httptest.Server
	done      chan struct{}
	closeOnce sync.Once

	foreign *httptest.Server // the Redirect variant's foreign site, or nil

	mu          sync.Mutex
	subs        []Submission
	hits        []string         // every request to the replica, "METHOD /uri"
	codes       []MailedCode     // SecurityCode: every code mailed
	pendingCode string           // SecurityCode: the code the next POST must carry
	analytics   int              // BeaconAfterSubmit: beacons received
	challenges  map[string][]int // ChallengeImageGrid: the right tiles of each challenge posed

	fmu          sync.Mutex
	foreignReqs  []string
	foreignTyped int
}

// New starts a replica of platform p's hosted form for job in the
// situation v, on 127.0.0.1. p is domain.PlatformGreenhouse, PlatformLever
// or PlatformAshby. It panics on another platform or a malformed job (an
// empty Board or ID, a question without ID, label or known kind, a select
// without options): a replica is test support. Close it when done.
func New(p domain.Platform, job Job, v Variant) *Server {
	switch p {
	case domain.PlatformGreenhouse, domain.PlatformLever, domain.PlatformAshby:
	default:
		panic(fmt.Sprintf("replica: no replica of platform %q", p))
	}
	if job.Board == "" || job.ID == "" {
		panic("replica: the job needs a Board and an ID")
	}
	if job.Title == "" {
		job.Title = "Software Engineer"
	}
	job.Questions = slices.Clone(job.Questions)
	seen := map[string]bool{}
	for _, q := range job.Questions {
		if q.ID == "" || q.Label == "" {
			panic("replica: a question needs an ID and a Label")
		}
		if seen[q.ID] {
			panic(fmt.Sprintf("replica: two questions have the ID %q", q.ID))
		}
		seen[q.ID] = true
		switch q.Kind {
		case KindText, KindTextarea, KindBoolean, KindFile:
		case KindSingleSelect, KindMultiSelect:
			if len(q.Options) == 0 {
				panic(fmt.Sprintf("replica: question %q is a select without options", q.ID))
			}
		default:
			panic(fmt.Sprintf("replica: question %q has kind %q, which a replica cannot show", q.ID, q.Kind))
		}
		if q.Radios && q.Kind != KindSingleSelect {
			panic(fmt.Sprintf("replica: question %q has Radios but is not a single select", q.ID))
		}
		if q.Radios && v.Live && p == domain.PlatformGreenhouse {
			panic(fmt.Sprintf("replica: question %q: a Live Greenhouse form draws single selects as comboboxes, not radios", q.ID))
		}
	}
	checkVariant(p, v)
	s := &Server{platform: p, job: job, v: v, done: make(chan struct{}), challenges: map[string][]int{}}
	s.questions = job.Questions
	if v.UnrecognisedRequired {
		s.questions = append(slices.Clone(s.questions), UnrecognisedQuestion(p))
	}
	s.fields = s.buildFields()
	var b [16]byte
	_, _ = rand.Read(b[:])
	s.token = "replica-captcha-" + hex.EncodeToString(b[:])
	if v.Redirect != RedirectNone {
		s.foreign = httptest.NewServer(http.HandlerFunc(s.serveForeign))
	}
	s.ts = httptest.NewServer(s)
	return s
}

// UnrecognisedQuestion is the extra required question of the
// UnrecognisedRequired variant on platform p.
func UnrecognisedQuestion(p domain.Platform) Question {
	id := "0f8c7d6e-5b4a-4c3d-9e2f-1a0b9c8d7e6f"
	if p == domain.PlatformGreenhouse {
		id = "99990001"
	}
	return Question{ID: id, Label: UnrecognisedQuestionLabel, Kind: KindText, Required: true}
}

// FieldName is the name attribute of question q's control on platform p:
// Greenhouse question_{ID} (a multi select's checkboxes question_{ID}[]),
// Lever cards[{ID}][field0], Ashby the ID itself.
func FieldName(p domain.Platform, q Question) string {
	switch p {
	case domain.PlatformGreenhouse:
		if q.Kind == KindMultiSelect {
			return "question_" + q.ID + "[]"
		}
		return "question_" + q.ID
	case domain.PlatformLever:
		return "cards[" + q.ID + "][field0]"
	}
	return q.ID
}

// BooleanValue is what a yes/no question posts on platform p: Greenhouse's
// select posts "1" and "0", Lever's and Ashby's radios "Yes" and "No".
func BooleanValue(p domain.Platform, yes bool) string {
	if p == domain.PlatformGreenhouse {
		if yes {
			return "1"
		}
		return "0"
	}
	if yes {
		return "Yes"
	}
	return "No"
}

// Close stops the server; a request held by ConfirmationDelay is answered at
// once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.ts.Close()
	if s.foreign != nil {
		s.foreign.Close()
	}
}

// URL is the server's base address, http://127.0.0.1:port.
func (s *Server) URL() string { return s.ts.URL }

// Platform is the platform the replica plays.
func (s *Server) Platform() domain.Platform { return s.platform }

// Job is the job the replica shows.
func (s *Server) Job() Job { return s.job }

// Questions is every custom question the form shows, the
// UnrecognisedRequired variant's included.
func (s *Server) Questions() []Question { return slices.Clone(s.questions) }

// FormPath is the path of the form page: Greenhouse /{board}/jobs/{id},
// Lever /{board}/{id}/apply, Ashby /{board}/{id}/application.
func (s *Server) FormPath() string {
	b, id := url.PathEscape(s.job.Board), url.PathEscape(s.job.ID)
	switch s.platform {
	case domain.PlatformGreenhouse:
		return "/" + b + "/jobs/" + id
	case domain.PlatformLever:
		return "/" + b + "/" + id + "/apply"
	}
	return "/" + b + "/" + id + "/application"
}

// FormURL is the form page's full address.
func (s *Server) FormURL() string { return s.ts.URL + s.FormPath() }

// SubmitURL is where the form posts the application: the form's own address
// on Greenhouse and Lever, AshbySubmitPath on Ashby; a Live Greenhouse
// form's script posts to FormURL + "/applications".
func (s *Server) SubmitURL() string {
	if s.platform == domain.PlatformAshby {
		return s.ts.URL + AshbySubmitPath
	}
	if s.liveGreenhouse() {
		return s.FormURL() + "/applications"
	}
	return s.FormURL()
}

// ConfirmationURL is the page an accepted application leads to on
// Greenhouse (/{board}/jobs/{id}/confirmation) and Lever
// (/{board}/{id}/thanks); Ashby shows its confirmation in place, so it is
// the form's address there.
func (s *Server) ConfirmationURL() string {
	switch s.platform {
	case domain.PlatformGreenhouse:
		return s.FormURL() + "/confirmation"
	case domain.PlatformLever:
		b, id := url.PathEscape(s.job.Board), url.PathEscape(s.job.ID)
		return s.ts.URL + "/" + b + "/" + id + "/thanks"
	}
	return s.FormURL()
}

// CaptchaField is the name of the hidden field that carries the captcha
// token: g-recaptcha-response on Greenhouse and Ashby, h-captcha-response
// on Lever.
func (s *Server) CaptchaField() string {
	if s.platform == domain.PlatformLever {
		return "h-captcha-response"
	}
	return "g-recaptcha-response"
}

// CaptchaToken is the token the replica's captcha widget puts in
// CaptchaField once its checkbox is ticked; a POST carrying it passes the
// captcha check.
func (s *Server) CaptchaToken() string { return s.token }

// FieldNames is the name of every fillable control of the form, in page
// order (a checkbox or radio group once).
func (s *Server) FieldNames() []string {
	out := make([]string, 0, len(s.fields))
	for _, f := range s.fields {
		out = append(out, f.Name)
	}
	return out
}

// RequiredFieldNames is the name of every required control of the form.
func (s *Server) RequiredFieldNames() []string {
	var out []string
	for _, f := range s.fields {
		if f.Required {
			out = append(out, f.Name)
		}
	}
	return out
}

// Submissions is every POST of the application received, in order.
func (s *Server) Submissions() []Submission {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.subs)
}

// Accepted is the submissions the platform took.
func (s *Server) Accepted() []Submission {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Submission
	for _, sub := range s.subs {
		if sub.Accepted {
			out = append(out, sub)
		}
	}
	return out
}

func (s *Server) record(sub Submission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append(s.subs, sub)
}

// ServeHTTP answers the platform's paths; every other path is 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	lever := s.platform == domain.PlatformLever
	s.mu.Lock()
	s.hits = append(s.hits, r.Method+" "+r.URL.RequestURI())
	s.mu.Unlock()
	if s.serveVariant(w, r, path) {
		return
	}
	switch {
	case path == s.FormPath():
		switch {
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			if s.v.LoginWall {
				s.writeHTML(w, http.StatusOK, s.loginPage(""))
				return
			}
			s.writeHTML(w, http.StatusOK, s.formPage(nil, nil, nil))
		case r.Method == http.MethodPost && s.platform != domain.PlatformAshby:
			s.submitForm(w, r)
		default:
			allow := "GET, HEAD"
			if s.platform != domain.PlatformAshby {
				allow += ", POST"
			}
			w.Header().Set("Allow", allow)
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		}
	case s.platform != domain.PlatformAshby && path == strings.TrimPrefix(s.ConfirmationURL(), s.ts.URL):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		s.writeHTML(w, http.StatusOK, s.confirmationPage())
	case s.platform == domain.PlatformAshby && path == "/api/non-user-graphql" &&
		r.URL.Query().Get("op") == "ApiSubmitSingleApplicationForm":
		if r.Method != http.MethodPost {
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		s.submitAshby(w, r)
	case s.v.Captcha && !lever && path == "/recaptcha/api2/anchor" && r.Method == http.MethodGet:
		s.writeHTML(w, http.StatusOK, s.recaptchaAnchor())
	case s.v.Captcha && lever && path == "/hcaptcha/checkbox.html" && r.Method == http.MethodGet:
		s.writeHTML(w, http.StatusOK, s.hcaptchaCheckbox())
	case s.v.LoginWall && path == "/users/sign_in" && r.Method == http.MethodPost:
		s.writeHTML(w, http.StatusUnauthorized, s.loginPage("Incorrect email or password."))
	default:
		s.writeHTML(w, http.StatusNotFound, s.simplePage("Page not found", "Page not found",
			"<p>The page you are looking for does not exist.</p>"))
	}
}

func (s *Server) writeHTML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body) // #nosec G705 -- the replica's own pages: request values are escaped (esc) where rendered
}

// parsed is a POST's body as recorded.
type parsed struct {
	fields map[string][]string
	files  map[string][]File
}

// parse reads the body of r (multipart or urlencoded), at most MaxBodyBytes.
func (s *Server) parse(w http.ResponseWriter, r *http.Request) (parsed, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	out := parsed{fields: map[string][]string{}, files: map[string][]File{}}
	err := r.ParseMultipartForm(8 << 20) // #nosec G120 -- the body is capped by http.MaxBytesReader above
	if errors.Is(err, http.ErrNotMultipart) {
		if err = r.ParseForm(); err != nil {
			return out, err
		}
		for k, v := range r.PostForm {
			out.fields[k] = slices.Clone(v)
		}
		return out, nil
	}
	if err != nil {
		return out, err
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	for k, v := range r.MultipartForm.Value {
		out.fields[k] = slices.Clone(v)
	}
	for k, hs := range r.MultipartForm.File {
		for _, h := range hs {
			data, err := readPart(h)
			if err != nil {
				return out, err
			}
			out.files[k] = append(out.files[k], File{Filename: h.Filename, ContentType: h.Header.Get("Content-Type"), Data: data})
		}
	}
	// A file input left empty arrives as a part with an empty filename,
	// which multipart reads as an empty value: drop it.
	for _, f := range s.fields {
		if f.Kind != KindFile {
			continue
		}
		if vs, ok := out.fields[f.Name]; ok && !slices.ContainsFunc(vs, func(v string) bool { return v != "" }) {
			delete(out.fields, f.Name)
		}
	}
	return out, nil
}

func readPart(h *multipart.FileHeader) ([]byte, error) {
	f, err := h.Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return io.ReadAll(f)
}

// outcome is what the server decided about a parsed POST.
type outcome int

const (
	outAccept outcome = iota
	outLoginWall
	outTooMany
	outCaptcha
	outInvalid
	outServerErrors
	outReject
)

// fieldError is one server-side validation failure.
type fieldError struct {
	Name, Label, Message string
}

var emailRE = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

// decide checks a POST the way the platform would, in the platform's
// order: sign-in, rate limit, captcha, fields, then the variant's refusal.
func (s *Server) decide(p parsed) (outcome, []fieldError) {
	switch {
	case s.v.LoginWall:
		return outLoginWall, nil
	case s.v.TooMany:
		return outTooMany, nil
	case s.liveGreenhouse() && s.v.Challenge == ChallengeRefusal:
		return outCaptcha, nil
	case s.needsToken() && first(p.fields[s.CaptchaField()]) != s.token:
		return outCaptcha, nil
	}
	if errs := s.validate(p); len(errs) > 0 {
		return outInvalid, errs
	}
	if s.v.RejectThenThanks {
		return outReject, nil
	}
	if len(s.v.ServerErrors) > 0 {
		return outServerErrors, nil
	}
	return outAccept, nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// validate is the server's own check of the fields: required ones present,
// an email well formed, a choice among the options.
func (s *Server) validate(p parsed) []fieldError {
	var errs []fieldError
	requiredMessage := RequiredMessage
	if s.v.Live && s.platform == domain.PlatformAshby {
		requiredMessage = AshbyMissingMessage
	}
	for _, f := range s.fields {
		add := func(msg string) { errs = append(errs, fieldError{Name: f.Name, Label: f.Label, Message: msg}) }
		if f.Kind == KindFile {
			if f.Required && !slices.ContainsFunc(p.files[f.Name], func(x File) bool { return len(x.Data) > 0 }) {
				add(requiredMessage)
			}
			continue
		}
		if f.Name == "location" && s.liveGreenhouse() {
			if msg := checkLocation(p, f.Required, requiredMessage); msg != "" {
				add(msg)
			}
			continue
		}
		var vals []string
		for _, v := range p.fields[f.Name] {
			if strings.TrimSpace(v) != "" {
				vals = append(vals, strings.TrimSpace(v))
			}
		}
		if len(vals) == 0 {
			if f.Required {
				add(requiredMessage)
			}
			continue
		}
		if f.Input == "email" && !emailRE.MatchString(vals[0]) {
			add(EmailMessage)
			continue
		}
		if len(f.Options) > 0 {
			if f.Kind != KindMultiSelect && len(vals) > 1 {
				add(OptionMessage)
				continue
			}
			for _, v := range vals {
				if !slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == v }) {
					add(OptionMessage)
					break
				}
			}
		}
	}
	return errs
}

// recordUnreadable records a POST whose body parse could not read (what
// it read of it, in p) and returns the status to answer it with: 413 when
// the body is over MaxBodyBytes, 400 otherwise.
func (s *Server) recordUnreadable(p parsed, err error) int {
	status := http.StatusBadRequest
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		status = http.StatusRequestEntityTooLarge
	}
	s.record(Submission{Fields: p.fields, Files: p.files, At: time.Now(), Status: status})
	return status
}

// submitForm answers a Greenhouse or Lever POST of the form.
func (s *Server) submitForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.parse(w, r)
	if err != nil {
		status := s.recordUnreadable(p, err)
		s.writeHTML(w, status, s.simplePage(ErrorText, ErrorText, "<p>Your application could not be read. Please try again.</p>"))
		return
	}
	out, errs := s.decide(p)
	sub := Submission{Fields: p.fields, Files: p.files, At: time.Now()}
	switch out {
	case outLoginWall:
		sub.Status = http.StatusForbidden
		s.record(sub)
		s.writeHTML(w, sub.Status, s.loginPage("Please sign in to apply."))
	case outTooMany:
		sub.Status = http.StatusTooManyRequests
		s.record(sub)
		w.Header().Set("Retry-After", "3600")
		s.writeHTML(w, sub.Status, s.simplePage("Too many applications", "Too many applications",
			"<p class=\"too-many\">"+TooManyText+"</p>"))
	case outCaptcha:
		sub.Status = http.StatusBadRequest
		s.record(sub)
		s.writeHTML(w, sub.Status, s.formPage(p.fields, nil, []string{s.captchaMessage()}))
	case outInvalid:
		sub.Status = http.StatusUnprocessableEntity
		s.record(sub)
		summary := make([]string, 0, len(errs))
		for _, e := range errs {
			summary = append(summary, e.Label+": "+e.Message)
		}
		s.writeHTML(w, sub.Status, s.formPage(p.fields, errs, summary))
	case outServerErrors:
		sub.Status = http.StatusUnprocessableEntity
		s.record(sub)
		s.writeHTML(w, sub.Status, s.formPage(p.fields, nil, s.v.ServerErrors))
	case outReject:
		sub.Status = http.StatusUnprocessableEntity
		s.record(sub)
		s.writeHTML(w, sub.Status, s.formPageWith(p.fields, nil, s.rejectMessages(), true))
	default:
		sub.Accepted = true
		if s.v.ErrorAfterClick {
			sub.Status = http.StatusInternalServerError
		} else {
			sub.Status = http.StatusSeeOther
		}
		s.record(sub)
		if !s.wait(r) {
			return
		}
		if s.v.ErrorAfterClick {
			s.writeHTML(w, sub.Status, s.simplePage(ErrorText, ErrorText,
				"<p>We're sorry, but something went wrong. Please try again later.</p>"))
			return
		}
		http.Redirect(w, r, strings.TrimPrefix(s.ConfirmationURL(), s.ts.URL), http.StatusSeeOther)
	}
}

// wait holds an accepted POST for ConfirmationDelay; false when the client
// went away first.
func (s *Server) wait(r *http.Request) bool {
	if s.v.ConfirmationDelay <= 0 {
		return true
	}
	t := time.NewTimer(s.v.ConfirmationDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return true
	case <-r.Context().Done():
		return false
	}
}

// jsonError is one error of a JSON answer to a submission (Ashby's
// GraphQL endpoint, a Live Greenhouse page's fetch).
type jsonError struct {
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Label   string `json:"label,omitempty"`
}

// submitAshby answers the Ashby page's fetch() of the application. Like
// Ashby's GraphQL endpoint it answers 200 with "errors" for a refusal the
// page shows (validation, captcha, the ServerErrors variant); 403 for the
// login wall, 429 for TooMany and 500 for ErrorAfterClick.
func (s *Server) submitAshby(w http.ResponseWriter, r *http.Request) {
	p, err := s.parse(w, r)
	if err != nil {
		status := s.recordUnreadable(p, err)
		writeJSON(w, status, map[string]any{"errors": []jsonError{{Message: "Your application could not be read."}}})
		return
	}
	out, errs := s.decide(p)
	sub := Submission{Fields: p.fields, Files: p.files, At: time.Now(), Status: http.StatusOK}
	refuse := func(status int, es []jsonError) {
		sub.Status = status
		s.record(sub)
		writeJSON(w, status, map[string]any{"data": nil, "errors": es})
	}
	switch out {
	case outLoginWall:
		refuse(http.StatusForbidden, []jsonError{{Message: "Please sign in to apply."}})
	case outTooMany:
		w.Header().Set("Retry-After", "3600")
		refuse(http.StatusTooManyRequests, []jsonError{{Message: TooManyText}})
	case outCaptcha:
		refuse(http.StatusOK, []jsonError{{Message: CaptchaMessage}})
	case outInvalid:
		es := make([]jsonError, 0, len(errs))
		for _, e := range errs {
			es = append(es, jsonError{Message: e.Message, Field: e.Name, Label: e.Label})
		}
		refuse(http.StatusOK, es)
	case outServerErrors:
		es := make([]jsonError, 0, len(s.v.ServerErrors))
		for _, m := range s.v.ServerErrors {
			es = append(es, jsonError{Message: m})
		}
		refuse(http.StatusOK, es)
	case outReject:
		var es []jsonError
		for _, m := range s.rejectMessages() {
			es = append(es, jsonError{Message: m})
		}
		refuse(http.StatusUnprocessableEntity, es)
	default:
		sub.Accepted = true
		if s.v.ErrorAfterClick {
			sub.Status = http.StatusInternalServerError
		}
		s.record(sub)
		if !s.wait(r) {
			return
		}
		if s.v.ErrorAfterClick {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"data": nil,
				"errors": []jsonError{{Message: "Internal server error"}}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
			"submitSingleApplicationForm": map[string]any{"success": true}}})
	}
}
