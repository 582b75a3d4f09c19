package replica

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serveVariant answers the paths the variants add; false when r is not
// one of them.
func (s *Server) serveVariant(w http.ResponseWriter, r *http.Request, path string) bool {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	post := r.Method == http.MethodPost
	live := s.liveGreenhouse()
	grid := live && s.v.Challenge == ChallengeImageGrid
	switch {
	case path == s.FormPath() && get && s.v.Redirect == RedirectHTTP:
		http.Redirect(w, r, s.ForeignURL(), http.StatusFound)
	case path == s.FormPath() && !get && live:
		// The live page posts with fetch() to SubmitURL, not to itself.
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
	case live && path == s.FormPath()+"/applications":
		if !post {
			w.Header().Set("Allow", "POST")
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return true
		}
		s.submitLive(w, r)
	case live && get && path == s.FormPath()+"/locations":
		s.serveLocations(w, r)
	case live && get && path == "/recaptcha/enterprise/anchor":
		s.writeHTML(w, http.StatusOK, s.enterpriseAnchor(r.URL.Query().Get("size")))
	case live && post && s.v.Challenge != ChallengeCheckbox && path == "/recaptcha/enterprise/reload":
		s.serveReload(w, r)
	case grid && get && path == "/recaptcha/enterprise/bframe":
		s.writeHTML(w, http.StatusOK, s.bframePage(r.URL.Query().Get("c")))
	case grid && post && path == "/recaptcha/enterprise/userverify":
		s.serveUserVerify(w, r)
	case s.v.LeverCaptcha == LeverCaptchaInvisible && get && path == "/hcaptcha/static/hcaptcha.html":
		s.writeHTML(w, http.StatusOK, hcaptchaInvisibleFrame)
	case s.v.LeverCaptcha == LeverCaptchaInvisible && post && path == "/hcaptcha/checkcaptcha":
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
		writeJSON(w, http.StatusOK, map[string]any{"pass": true, "generated_pass_UUID": s.token})
	case s.v.LeverCaptcha == LeverCaptchaCheckbox && get && path == "/hcaptcha/checkbox.html":
		s.writeHTML(w, http.StatusOK, s.hcaptchaCheckbox())
	case s.v.BeaconAfterSubmit && path == AnalyticsPath:
		s.serveAnalytics(w, r)
	default:
		return false
	}
	return true
}

// submitLive answers a Live Greenhouse page's fetch() of the application
// with JSON: 200 {"status":"success","redirect":…} when taken, 200
// {"status":"security_code_required","email":…} for the email-code step,
// 422 {"status":"security_code_invalid",…} for a wrong code, and
// {"errors":[…]} with 400 (reCAPTCHA), 403, 422, 429 or 500 otherwise.
func (s *Server) submitLive(w http.ResponseWriter, r *http.Request) {
	p, err := s.parse(w, r)
	if err != nil {
		status := s.recordUnreadable(p, err)
		writeJSON(w, status, map[string]any{"errors": []jsonError{{Message: "Your application could not be read."}}})
		return
	}
	out, errs := s.decide(p)
	sub := Submission{Fields: p.fields, Files: p.files, At: time.Now()}
	refuse := func(status int, es []jsonError) {
		sub.Status = status
		s.record(sub)
		writeJSON(w, status, map[string]any{"status": "error", "errors": es})
	}
	msgs := func(ms []string) []jsonError {
		out := make([]jsonError, 0, len(ms))
		for _, m := range ms {
			out = append(out, jsonError{Message: m})
		}
		return out
	}
	switch out {
	case outLoginWall:
		refuse(http.StatusForbidden, msgs([]string{"Please sign in to apply."}))
		return
	case outTooMany:
		w.Header().Set("Retry-After", "3600")
		refuse(http.StatusTooManyRequests, msgs([]string{TooManyText}))
		return
	case outCaptcha:
		refuse(http.StatusBadRequest, msgs([]string{s.captchaMessage()}))
		return
	case outInvalid:
		es := make([]jsonError, 0, len(errs))
		for _, e := range errs {
			es = append(es, jsonError{Message: e.Message, Field: e.Name, Label: e.Label})
		}
		refuse(http.StatusUnprocessableEntity, es)
		return
	case outServerErrors:
		refuse(http.StatusUnprocessableEntity, msgs(s.v.ServerErrors))
		return
	case outReject:
		refuse(http.StatusUnprocessableEntity, msgs(s.rejectMessages()))
		return
	}
	if s.v.SecurityCode && !s.codeStep(w, p, &sub) {
		return
	}
	sub.Accepted = true
	sub.Status = http.StatusOK
	if s.v.ErrorAfterClick {
		sub.Status = http.StatusInternalServerError
	}
	s.record(sub)
	if !s.wait(r) {
		return
	}
	if s.v.ErrorAfterClick {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"status": "error",
			"errors": []jsonError{{Message: ErrorText}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "success",
		"redirect": strings.TrimPrefix(s.ConfirmationURL(), s.ts.URL)})
}

// codeStep plays the email-code step for a valid POST: without a pending
// code it mails one and answers the step; with one it takes the POST only
// if it carries the exact code (true: go on and accept). Every POST it
// answers is recorded, not accepted.
func (s *Server) codeStep(w http.ResponseWriter, p parsed, sub *Submission) bool {
	email := strings.TrimSpace(first(p.fields["email"]))
	s.mu.Lock()
	if s.pendingCode == "" {
		code := newCode()
		s.pendingCode = code
		s.codes = append(s.codes, MailedCode{Address: email, Code: code, At: time.Now()})
		sub.Status = http.StatusOK
		s.subs = append(s.subs, *sub)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"status": "security_code_required", "email": email})
		return false
	}
	if first(p.fields["security_code"]) != s.pendingCode {
		sub.Status = http.StatusUnprocessableEntity
		s.subs = append(s.subs, *sub)
		s.mu.Unlock()
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": "security_code_invalid",
			"errors": []jsonError{{Message: SecurityCodeMessage, Field: "security_code"}}})
		return false
	}
	s.pendingCode = ""
	s.mu.Unlock()
	return true
}

const codeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newCode is a random SecurityCodeLength-character code of letters and
// digits.
func newCode() string {
	b := make([]byte, SecurityCodeLength)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(codeAlphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = codeAlphabet[n.Int64()]
	}
	return string(b)
}

// place is one result of the location autocomplete.
type place struct {
	Label   string `json:"label"`
	PlaceID string `json:"place_id"`
}

var places = []place{
	{"London, England, United Kingdom", "replica-place-london"},
	{"Londrina, Paraná, Brazil", "replica-place-londrina"},
	{"Long Beach, California, United States", "replica-place-long-beach"},
	{"Lisbon, Lisbon, Portugal", "replica-place-lisbon"},
	{"Berlin, Berlin, Germany", "replica-place-berlin"},
	{"Amsterdam, North Holland, Netherlands", "replica-place-amsterdam"},
	{"Paris, Île-de-France, France", "replica-place-paris"},
	{"New York, New York, United States", "replica-place-new-york"},
	{"San Francisco, California, United States", "replica-place-san-francisco"},
	{"Toronto, Ontario, Canada", "replica-place-toronto"},
}

// Locations is every place a Live Greenhouse form's location autocomplete
// can offer: Label is what it shows and posts as location, Value its
// location_place_id. Typing at least two characters of a Label lists it.
func Locations() []Option {
	out := make([]Option, 0, len(places))
	for _, p := range places {
		out = append(out, Option{Label: p.Label, Value: p.PlaceID})
	}
	return out
}

// serveLocations answers the location autocomplete: the places whose label
// contains the query (at least two characters).
func (s *Server) serveLocations(w http.ResponseWriter, r *http.Request) {
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	out := []place{}
	if len([]rune(q)) >= 2 {
		for _, p := range places {
			if strings.Contains(strings.ToLower(p.Label), q) {
				out = append(out, p)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

// checkLocation is the server's check of the location autocomplete's pair
// (location, location_place_id): empty, or a place the autocomplete offers.
func checkLocation(p parsed, required bool, requiredMessage string) string {
	label := strings.TrimSpace(first(p.fields["location"]))
	id := strings.TrimSpace(first(p.fields["location_place_id"]))
	if label == "" && id == "" {
		if required {
			return requiredMessage
		}
		return ""
	}
	if !slices.Contains(places, place{Label: label, PlaceID: id}) {
		return OptionMessage
	}
	return ""
}

// serveReload is the invisible reCAPTCHA's "execute": a token at once, or
// (ChallengeImageGrid) a challenge to pose.
func (s *Server) serveReload(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
	if s.v.Challenge != ChallengeImageGrid {
		writeJSON(w, http.StatusOK, map[string]any{"token": s.token})
		return
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	right := pickTiles()
	s.mu.Lock()
	s.challenges[id] = right
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"challenge": id})
}

// pickTiles chooses three of the nine tiles, sorted.
func pickTiles() []int {
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	for i := len(all) - 1; i > 0; i-- {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			panic(err)
		}
		j := int(n.Int64())
		all[i], all[j] = all[j], all[i]
	}
	right := slices.Clone(all[:3])
	slices.Sort(right)
	return right
}

// challengeTiles is the right tiles of challenge id (nil if unknown).
func (s *Server) challengeTiles(id string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.challenges[id])
}

// serveUserVerify checks the tiles the bframe's Verify sent: the token when
// they are exactly the right ones.
func (s *Server) serveUserVerify(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "bad request"})
		return
	}
	right := s.challengeTiles(r.Form.Get("c"))
	var got []int
	for _, f := range strings.Split(r.Form.Get("response"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && !slices.Contains(got, n) {
			got = append(got, n)
		}
	}
	slices.Sort(got)
	if right == nil || !slices.Equal(right, got) {
		writeJSON(w, http.StatusOK, map[string]any{"error": "Please try again."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": s.token})
}

// foreignPath is the path of the foreign site's application form.
func (s *Server) foreignPath() string {
	return "/careers/" + url.PathEscape(s.job.Board) + "/jobs/" + url.PathEscape(s.job.ID) + "/apply"
}

// serveForeign is "the employer's careers site" of the Redirect variant:
// its own application form, whose script reports every input event to
// /events. It records every request.
func (s *Server) serveForeign(w http.ResponseWriter, r *http.Request) {
	s.fmu.Lock()
	s.foreignReqs = append(s.foreignReqs, r.Method+" "+r.URL.RequestURI())
	s.fmu.Unlock()
	path := r.URL.EscapedPath()
	switch {
	case path == s.foreignPath() && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.writeHTML(w, http.StatusOK, s.foreignPage(""))
	case path == s.foreignPath() && r.Method == http.MethodPost:
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxBodyBytes))
		s.writeHTML(w, http.StatusOK, s.foreignPage("Thank you. Your application was received."))
	case path == "/events" && r.Method == http.MethodPost:
		var ev struct {
			Type string `json:"type"`
		}
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&ev)
		switch ev.Type {
		case "keydown", "input", "change":
			s.fmu.Lock()
			s.foreignTyped++
			s.fmu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// foreignPage is the foreign site's form page, with msg (if any) instead of
// the form.
func (s *Server) foreignPage(msg string) string {
	board := esc(s.job.Board)
	inner := `<form id="careers-application" method="post" enctype="multipart/form-data"` + attr("action", s.foreignPath()) + `>` +
		`<p><label for="candidate-name">Full name</label><input type="text" id="candidate-name" name="candidate_name" autocomplete="name"></p>` +
		`<p><label for="candidate-email">Email address</label><input type="email" id="candidate-email" name="candidate_email" autocomplete="email"></p>` +
		`<p><label for="candidate-phone">Phone number</label><input type="tel" id="candidate-phone" name="candidate_phone"></p>` +
		`<p><label for="candidate-cv">CV</label><input type="file" id="candidate-cv" name="candidate_cv"></p>` +
		`<p><label for="candidate-motivation">Why do you want to join ` + board + `?</label><textarea id="candidate-motivation" name="candidate_motivation" rows="4"></textarea></p>` +
		`<button type="submit" class="careers-submit">Send application</button></form>`
	if msg != "" {
		inner = `<p class="careers-message" role="status">` + esc(msg) + `</p>`
	}
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Careers at ` + board + `</title><style>` + baseCSS + `</style></head><body class="careers">` +
		`<header class="careers-header"><div class="logo">` + board + ` careers</div></header><main><h1>` + esc(s.job.Title) + `</h1>` +
		`<p>Apply on our own careers site.</p>` + inner + `</main><script>` + foreignScript + `</script></body></html>`
}
