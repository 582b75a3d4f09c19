package applier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/applyq/applyq/internal/domain"
)

// Recruitee defaults.
const (
	// DefaultRecruiteeBaseURL is a careers site's address; "{board}"
	// stands for the board (the company's subdomain).
	DefaultRecruiteeBaseURL = "https://{board}.recruitee.com"
	// DefaultRecruiteeTimeout bounds one submission, uploads included.
	DefaultRecruiteeTimeout = 60 * time.Second
	// maxRecruiteeAnswer caps what is kept of Recruitee's answer.
	maxRecruiteeAnswer = 64 << 10
)

// Recruitee applies through Recruitee's public Careers Site API
// (docs.recruitee.com, "/offers/:offer_slug/candidates"), as a candidate
// applying on the careers site would:
//
//	POST {BaseURL with the board}/api/offers/{offer slug}/candidates
//	multipart/form-data:
//	  candidate[name], candidate[email], candidate[phone]          text
//	  candidate[cover_letter]                                      text, or a file
//	  candidate[cv], candidate[photo]                              files
//	  candidate[open_question_answers_attributes][i][open_question_id]
//	    with [content] (text, choice, date, number), [multi_content][]
//	    (each choice), [flag] (true/false) or [file]
//
// What is sent is the approved form (Packet.Form), field by field, and
// nothing else; a packet without a form sends the applicant's name, email,
// phone, the cover letter and the résumé. Answers are indexed (i = 0, 1…)
// rather than "[]": each answer's keys then stay together whatever the
// server's parameter parser does with repeated keys.
//
// Outcomes: 2xx submitted (Reference: the candidate's id); 422 needs the
// user (Recruitee refused the answers, nothing was accepted); 404 and 410
// rejected (the offer is gone), as is any other 4xx but 408 and 429; 429,
// a document that cannot be opened and a connection failure before the
// request was written provably not sent; anything else (timeouts after the
// request was written, 3xx, 5xx) an unknown outcome. The request goes out
// at most once per call (sendOnce): Recruitee does not deduplicate
// candidates, so a blind retry could apply twice.
type Recruitee struct {
	// BaseURL is the careers sites' address template
	// (DefaultRecruiteeBaseURL); "{board}" may stand in the path too:
	// http://127.0.0.1:8080/{board}.
	BaseURL string
	// Files opens the documents the application uploads.
	Files domain.DocumentFiles
	// Client is the client to copy (its transport); nil is a fresh one.
	Client *http.Client
	// Timeout bounds one submission (DefaultRecruiteeTimeout).
	Timeout time.Duration
}

// Name implements domain.Applier.
func (r *Recruitee) Name() string { return "recruitee" }

// IdempotentRetries implements domain.Applier: Recruitee creates a
// candidate for every request.
func (r *Recruitee) IdempotentRetries() bool { return false }

// recruiteePart is one field of the multipart request: a text value, or
// the document to upload.
type recruiteePart struct {
	name  string
	value string
	file  *domain.FormFile
}

// Apply implements domain.Applier.
func (r *Recruitee) Apply(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error) {
	target, err := r.endpoint(p)
	if err != nil {
		return domain.ApplyResult{}, err
	}
	parts, err := recruiteeParts(p)
	if err != nil {
		return domain.ApplyResult{}, err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultRecruiteeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The whole body is built before anything is sent: a document that
	// cannot be read then proves nothing went out.
	body, contentType, err := r.encode(ctx, p.UserID, parts)
	if err != nil {
		return domain.ApplyResult{}, fmt.Errorf("recruitee: %w: %w", err, domain.ErrNotSent)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return domain.ApplyResult{}, fmt.Errorf("recruitee request: %w: %w", err, domain.ErrNotSent)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, written, err := sendOnce(r.Client, req)
	if err != nil {
		if !written {
			return domain.ApplyResult{}, fmt.Errorf("recruitee: %w: %w", err, domain.ErrNotSent)
		}
		return domain.ApplyResult{}, fmt.Errorf("recruitee: outcome unknown: %w", err)
	}
	defer resp.Body.Close()
	return recruiteeOutcome(resp)
}

// endpoint is the candidate API address of the packet's offer. A packet
// that does not name a Recruitee board and offer cannot be sent here.
func (r *Recruitee) endpoint(p *domain.Packet) (string, error) {
	if err := domain.CheckBoard(domain.PlatformRecruitee, p.Board); err != nil {
		return "", &domain.NeedsUserError{Why: "the application does not name a Recruitee careers site: apply by hand",
			Messages: []string{domain.ErrorMessage(err)}}
	}
	slug := strings.TrimSpace(p.PlatformPostingID)
	if slug == "" {
		return "", &domain.NeedsUserError{Why: "the application does not name its Recruitee offer: apply by hand"}
	}
	if err := domain.CheckPostingID(slug); err != nil {
		return "", &domain.NeedsUserError{Why: "the application's Recruitee offer cannot be addressed: apply by hand",
			Messages: []string{domain.ErrorMessage(err)}}
	}
	base := r.BaseURL
	if base == "" {
		base = DefaultRecruiteeBaseURL
	}
	base = strings.TrimRight(strings.ReplaceAll(base, "{board}", url.PathEscape(p.Board)), "/")
	return base + "/api/offers/" + url.PathEscape(slug) + "/candidates", nil
}

// recruiteeStandard are the candidate fields of the form
// (sources.Recruitee names them so).
var recruiteeStandard = map[string]bool{"name": true, "email": true, "phone": true, "cv": true, "cover_letter": true, "photo": true}

// recruiteeParts lists what the request carries: the approved form's
// fields, or the applicant's profile, cover letter and résumé when the
// packet has no form. A required field without a value, or a value
// applyq cannot send as Recruitee takes it, is a NeedsUserError: nothing
// is sent.
func recruiteeParts(p *domain.Packet) ([]recruiteePart, error) {
	if p.Form == nil {
		return recruiteeProfileParts(p)
	}
	var parts []recruiteePart
	var problems []string
	answers := 0
	for i := range p.Form.Fields {
		f := &p.Form.Fields[i]
		if f.Kind == domain.QuestionHidden || f.Source == domain.SourcePlatform {
			continue // the platform's own
		}
		if f.Empty() {
			if f.Required {
				problems = append(problems, fieldName(f)+": required, and the form has no value for it")
			}
			continue // left empty: not sent
		}
		var ps []recruiteePart
		var problem string
		switch {
		case recruiteeStandard[f.Field]:
			ps, problem = recruiteeStandardPart(f)
		case openQuestionID(f.Field):
			ps, problem = recruiteeAnswer(answers, f)
			if problem == "" {
				answers++
			}
		default:
			problem = "applyq does not know how to send this field to Recruitee"
		}
		if problem != "" {
			problems = append(problems, fieldName(f)+": "+problem)
			continue
		}
		parts = append(parts, ps...)
	}
	if len(problems) > 0 {
		return nil, &domain.NeedsUserError{Why: "the approved form cannot be sent to Recruitee as it is", Messages: problems}
	}
	return parts, nil
}

// recruiteeProfileParts is what a packet without a form sends: Recruitee
// always requires a name and an email.
func recruiteeProfileParts(p *domain.Packet) ([]recruiteePart, error) {
	name := strings.TrimSpace(p.Applicant.Name)
	if name == "" {
		name = strings.TrimSpace(strings.TrimSpace(p.Applicant.FirstName) + " " + strings.TrimSpace(p.Applicant.LastName))
	}
	email := strings.TrimSpace(p.Email)
	var missing []string
	if name == "" {
		missing = append(missing, "Name: required, and the profile has none")
	}
	if email == "" {
		missing = append(missing, "Email: required, and the application has none")
	}
	if len(missing) > 0 {
		return nil, &domain.NeedsUserError{Why: "Recruitee requires a name and an email", Messages: missing}
	}
	parts := []recruiteePart{{name: "candidate[name]", value: name}, {name: "candidate[email]", value: email}}
	if phone := strings.TrimSpace(p.Applicant.Phone); phone != "" {
		parts = append(parts, recruiteePart{name: "candidate[phone]", value: phone})
	}
	if strings.TrimSpace(p.CoverLetter) != "" {
		parts = append(parts, recruiteePart{name: "candidate[cover_letter]", value: p.CoverLetter})
	}
	for i := range p.Documents {
		if p.Documents[i].Kind == string(domain.DocumentResume) {
			parts = append(parts, recruiteePart{name: "candidate[cv]", file: &p.Documents[i]})
			break
		}
	}
	return parts, nil
}

// recruiteeStandardPart sends a candidate field: name, email and phone as
// text, the CV and the photo as files, the cover letter either way.
func recruiteeStandardPart(f *domain.FormField) ([]recruiteePart, string) {
	name := "candidate[" + f.Field + "]"
	switch {
	case f.File != nil && (f.Field == "cv" || f.Field == "photo" || f.Field == "cover_letter"):
		return []recruiteePart{{name: name, file: f.File}}, ""
	case f.File == nil && len(f.Values) == 0 && f.Field != "cv" && f.Field != "photo":
		return []recruiteePart{{name: name, value: f.Value}}, ""
	}
	return nil, "its value is not what Recruitee takes for it"
}

// recruiteeAnswer sends the answer to an open question as the i-th answer:
// its id, then content, multi_content[], flag or file by its kind.
func recruiteeAnswer(i int, f *domain.FormField) ([]recruiteePart, string) {
	prefix := "candidate[open_question_answers_attributes][" + strconv.Itoa(i) + "]"
	parts := []recruiteePart{{name: prefix + "[open_question_id]", value: f.Field}}
	text := f.File == nil && len(f.Values) == 0
	switch f.Kind {
	case domain.QuestionText, domain.QuestionTextarea, domain.QuestionNumber, domain.QuestionDate, domain.QuestionSingleSelect:
		if !text {
			return nil, "its value is not a text"
		}
		// A choice's value is the option's text, as Recruitee takes it.
		return append(parts, recruiteePart{name: prefix + "[content]", value: f.Value}), ""
	case domain.QuestionMultiSelect:
		if f.File != nil {
			return nil, "its value is not a list of choices"
		}
		values := f.Values
		if len(values) == 0 {
			values = []string{f.Value}
		}
		for _, v := range values {
			parts = append(parts, recruiteePart{name: prefix + "[multi_content][]", value: v})
		}
		return parts, ""
	case domain.QuestionBoolean:
		switch strings.ToLower(strings.TrimSpace(f.Value)) {
		case "yes":
			return append(parts, recruiteePart{name: prefix + "[flag]", value: "true"}), ""
		case "no":
			return append(parts, recruiteePart{name: prefix + "[flag]", value: "false"}), ""
		}
		return nil, "a yes-or-no question answered neither yes nor no"
	case domain.QuestionFile:
		if f.File == nil {
			return nil, "a file question without a document"
		}
		return append(parts, recruiteePart{name: prefix + "[file]", file: f.File}), ""
	}
	return nil, "applyq cannot answer a question of this kind (" + string(f.Kind) + ")"
}

// openQuestionID reports whether field names an open question: its id.
func openQuestionID(field string) bool {
	_, err := strconv.ParseUint(field, 10, 64)
	return err == nil
}

func fieldName(f *domain.FormField) string {
	if strings.TrimSpace(f.Label) != "" {
		return f.Label
	}
	return f.Field
}

// encode writes the multipart body, each document read whole from Files
// and sent under the document's file name and content type.
func (r *Recruitee) encode(ctx context.Context, userID domain.ID, parts []recruiteePart) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, pt := range parts {
		if pt.file == nil {
			if err := mw.WriteField(pt.name, pt.value); err != nil {
				return nil, "", err
			}
			continue
		}
		if err := r.writeFile(ctx, mw, userID, pt); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

func (r *Recruitee) writeFile(ctx context.Context, mw *multipart.Writer, userID domain.ID, pt recruiteePart) error {
	if r.Files == nil {
		return errors.New("no document store to read the documents from")
	}
	rc, doc, err := r.Files.OpenForApplication(ctx, userID, pt.file.DocumentID)
	if err != nil {
		return fmt.Errorf("opening document %s (%s): %w", pt.file.DocumentID, pt.file.Filename, err)
	}
	defer rc.Close()
	filename, contentType := pt.file.Filename, pt.file.ContentType
	if doc != nil {
		if doc.Filename != "" {
			filename = doc.Filename
		}
		if doc.ContentType != "" {
			contentType = doc.ContentType
		}
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", multipart.FileContentDisposition(pt.name, filename))
	h.Set("Content-Type", contentType)
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("reading document %s (%s): %w", pt.file.DocumentID, pt.file.Filename, err)
	}
	return nil
}

// recruiteeOutcome reads Recruitee's answer to the one request sent.
func recruiteeOutcome(resp *http.Response) (domain.ApplyResult, error) {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxRecruiteeAnswer))
	contentType := resp.Header.Get("Content-Type")
	if contentType == "" {
		contentType = "application/json"
	}
	evidence := func(kind string) []domain.Evidence {
		if len(data) == 0 {
			return nil
		}
		return []domain.Evidence{{Kind: kind, ContentType: contentType, Data: data}}
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return domain.ApplyResult{Reference: recruiteeCandidateID(data), Evidence: []domain.Evidence{
			{Kind: domain.EvidenceConfirmation, ContentType: contentType, Data: data}}}, nil
	case s == http.StatusUnprocessableEntity:
		// Validation errors: Recruitee created no candidate.
		return domain.ApplyResult{}, &domain.NeedsUserError{Why: "Recruitee refused the answers",
			Messages: recruiteeMessages(data), Evidence: evidence(domain.EvidenceNeedsUser)}
	case s == http.StatusNotFound || s == http.StatusGone:
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: evidence(domain.EvidenceAfterSubmit),
			Err: fmt.Errorf("recruitee: the offer is gone (%d): the posting closed: %w", s, domain.ErrRejected)}
	case s == http.StatusTooManyRequests:
		return domain.ApplyResult{}, fmt.Errorf("recruitee: rate limited (429): %w: %w", domain.ErrThrottled, domain.ErrNotSent)
	case s >= 300 && s < 400:
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: evidence(domain.EvidenceAfterSubmit),
			Err: fmt.Errorf("recruitee: outcome unknown: answered %d redirecting to %q; redirects are not followed", s, resp.Header.Get("Location"))}
	case s >= 400 && s < 500 && s != http.StatusRequestTimeout:
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: evidence(domain.EvidenceAfterSubmit),
			Err: fmt.Errorf("recruitee: refused the application (%d%s): %w", s, joinedMessages(data), domain.ErrRejected)}
	default:
		return domain.ApplyResult{}, &domain.EvidenceError{Evidence: evidence(domain.EvidenceAfterSubmit),
			Err: fmt.Errorf("recruitee: outcome unknown: answered %d%s", s, joinedMessages(data))}
	}
}

func joinedMessages(data []byte) string {
	msgs := recruiteeMessages(data)
	if len(msgs) == 0 {
		return ""
	}
	return ": " + strings.Join(msgs, "; ")
}

// recruiteeCandidateID is the id of the candidate an answer describes,
// {"candidate":{"id":…}} or {"id":…}; "" when it has none.
func recruiteeCandidateID(data []byte) string {
	var doc struct {
		Candidate *struct {
			ID json.RawMessage `json:"id"`
		} `json:"candidate"`
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return ""
	}
	raw := doc.ID
	if doc.Candidate != nil && len(doc.Candidate.ID) > 0 {
		raw = doc.Candidate.ID
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return clip(n.String(), 100)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return clip(strings.TrimSpace(s), 100)
	}
	return ""
}

// Limits of the messages read from an error answer.
const (
	maxRecruiteeMessages    = 20
	maxRecruiteeMessageChar = 300
)

// recruiteeMessages are the error messages of an answer, read tolerantly:
// {"error": ["…"]} (what careers-site forms read), {"error": "…"},
// {"errors": {"field": ["…"]}} (each "field: …"), {"message": "…"}, or a
// short plain-text body.
func recruiteeMessages(data []byte) []string {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		s := strings.TrimSpace(string(data))
		if s == "" || !utf8.ValidString(s) || strings.HasPrefix(s, "<") {
			return nil
		}
		return []string{clip(strings.Join(strings.Fields(s), " "), maxRecruiteeMessageChar)}
	}
	var out []string
	seen := map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			s := strings.Join(strings.Fields(v), " ")
			if s == "" || len(out) >= maxRecruiteeMessages {
				return
			}
			if path != "" {
				s = path + ": " + s
			}
			if s = clip(s, maxRecruiteeMessageChar); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		case []any:
			for _, e := range v {
				walk(path, e)
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				switch k {
				case "error", "errors", "message", "messages", "detail", "details", "base":
					walk(path, v[k]) // words, not a field
				default:
					walk(joinPath(path, k), v[k])
				}
			}
		}
	}
	if m, ok := doc.(map[string]any); ok {
		found := false
		for _, k := range []string{"error", "errors", "message", "messages"} {
			if e, ok := m[k]; ok {
				found = true
				walk("", e)
			}
		}
		if found {
			return out
		}
	}
	walk("", doc)
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
