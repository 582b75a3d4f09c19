package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The application form: a posting's questions (as its board publishes them)
// filled from the user's profile, documents, cover letter and answer
// library, each value saying where it came from. Nothing else fills a form:
// a required question nothing answers makes the task wait for its user
// (needs_answer), and the user may edit any value before approving.

// FormSource says where a form value came from.
type FormSource string

// Form value sources.
const (
	SourceNone           FormSource = ""                // left blank (optional, nothing to fill it with)
	SourceProfile        FormSource = "profile"         // the user's profile
	SourceLibrary        FormSource = "library"         // the user's answer to this question
	SourceLibrarySimilar FormSource = "library_similar" // the user's answer to a similar general question
	SourceApplication    FormSource = "application"     // the user's answer for this application only
	SourceDocument       FormSource = "document"        // one of the user's documents
	SourceCoverLetter    FormSource = "cover_letter"    // the run's cover letter, rendered
	SourceDecline        FormSource = "decline"         // the user chose to decline demographic questions
	SourceUserEdit       FormSource = "user_edit"       // edited by the user when approving
	SourcePlatform       FormSource = "platform"        // a hidden field the platform fills
)

// FormFile is a document a form field carries: exactly the version sent.
type FormFile struct {
	DocumentID  ID     `json:"document_id"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// FormField is one field of the application form and what it will carry.
type FormField struct {
	Field    string           `json:"field"`
	Label    string           `json:"label"`
	Kind     QuestionKind     `json:"kind"`
	Required bool             `json:"required"`
	Section  QuestionSection  `json:"section"`
	Category AnswerCategory   `json:"category"`
	Options  []QuestionOption `json:"options,omitempty"`
	// Value is the text, or a choice's value (what the form sends);
	// Values a multi-select's choices' values; File a file field's document.
	Value  string     `json:"value,omitempty"`
	Values []string   `json:"values,omitempty"`
	File   *FormFile  `json:"file,omitempty"`
	Source FormSource `json:"source"`
	// From names what the value came from: the library question it was
	// filed under, the profile field, the document.
	From string `json:"from,omitempty"`
}

// Empty reports whether the field carries nothing.
func (f *FormField) Empty() bool {
	return strings.TrimSpace(f.Value) == "" && len(f.Values) == 0 && f.File == nil
}

// Form is the filled application form.
type Form struct {
	Fields []FormField `json:"fields"`
}

// Field returns the form's field named name.
func (f *Form) Field(name string) *FormField {
	for i := range f.Fields {
		if f.Fields[i].Field == name {
			return &f.Fields[i]
		}
	}
	return nil
}

// Files lists the documents the form carries, once each.
func (f *Form) Files() []FormFile {
	var out []FormFile
	seen := map[ID]bool{}
	for _, field := range f.Fields {
		if field.File != nil && !seen[field.File.DocumentID] {
			seen[field.File.DocumentID] = true
			out = append(out, *field.File)
		}
	}
	return out
}

// WaitingQuestion is a required question nothing answered: the task waits
// for its user.
type WaitingQuestion struct {
	// Key is what answering files the answer under: QuestionKey of the
	// label, or "profile:<field>" for a profile field.
	Key      string           `json:"key"`
	Label    string           `json:"label"`
	Kind     QuestionKind     `json:"kind"`
	Category AnswerCategory   `json:"category"`
	Options  []QuestionOption `json:"options,omitempty"`
	// Why says what is missing ("no answer yet", "your saved answer is not
	// one of this form's options", "upload a résumé").
	Why string `json:"why"`
}

// ProfileKeyPrefix marks a waiting question answered in the profile.
const ProfileKeyPrefix = "profile:"

// Materials are what a form is filled from.
type Materials struct {
	Profile     Profile
	Email       string
	CoverLetter string // the run's template rendered for this posting
	Resume      *FormFile
	// CoverLetterFile is the user's cover-letter document, when a form
	// asks for a file and the user has one.
	CoverLetterFile *FormFile
	Library         *Library
}

// profileFields are the profile values a form can ask for, by the field
// name standard form fields use.
func profileValue(p Profile, email, field string) (string, bool) {
	switch field {
	case "first_name":
		return p.FirstName, true
	case "last_name":
		return p.LastName, true
	case "name", "full_name":
		return p.Name, true
	case "email":
		return email, true
	case "phone":
		return p.Phone, true
	case "location":
		return p.Location, true
	case "linkedin":
		return p.LinkedIn, true
	case "github":
		return p.GitHub, true
	case "website":
		return p.Website, true
	case "current_company":
		return p.CurrentCompany, true
	}
	return "", false
}

// SetProfileField sets the profile field a waiting question's key names
// (ProfileKeyPrefix + field) to value; the profile is then validated with
// Validate. The email address is the account's and cannot be set here.
func SetProfileField(p *Profile, field, value string) error {
	value = strings.TrimSpace(value)
	dst := map[string]*string{"first_name": &p.FirstName, "last_name": &p.LastName, "name": &p.Name, "full_name": &p.Name,
		"phone": &p.Phone, "location": &p.Location, "linkedin": &p.LinkedIn, "github": &p.GitHub, "website": &p.Website,
		"current_company": &p.CurrentCompany}[field]
	if dst == nil {
		return Errorf(EINVALID, "%q is not a profile field a form can ask for", truncate(field, 50))
	}
	if value == "" {
		return Errorf(EINVALID, "the answer is empty")
	}
	*dst = value
	return nil
}

// ProfileHas reports whether the profile (and email) fills the profile
// field field.
func ProfileHas(p Profile, email, field string) bool {
	v, ok := profileValue(p, email, field)
	return ok && strings.TrimSpace(v) != ""
}

// profileByLabel maps the wording of common non-sensitive questions to a
// profile field (custom questions that ask for what the profile holds).
var profileByLabel = map[string]string{
	"linkedin": "linkedin", "linkedin profile": "linkedin", "linkedin url": "linkedin", "linkedin profile url": "linkedin",
	"github": "github", "github profile": "github", "github url": "github",
	"website": "website", "personal website": "website", "portfolio": "website", "portfolio url": "website", "website url": "website",
	"current company": "current_company", "current employer": "current_company",
	"phone": "phone", "phone number": "phone", "mobile": "phone", "mobile phone": "phone",
	"first name": "first_name", "last name": "last_name", "surname": "last_name", "full name": "name", "name": "name",
	"email": "email", "email address": "email",
}

// profileField is the profile field q asks for, if any.
func profileField(q Question) string {
	if q.Kind == QuestionFile {
		return ""
	}
	if _, ok := profileValue(Profile{}, "", q.Fills); ok {
		return q.Fills
	}
	if q.Section == SectionStandard || q.Section == SectionLocation {
		if _, ok := profileValue(Profile{}, "", q.Field); ok {
			return q.Field
		}
	}
	return profileByLabel[QuestionKey(q.Label)]
}

// declineWords mark a choice that declines to answer.
var declineWords = []string{"decline", "prefer not", "not to answer", "not wish", "don t wish", "dont wish", "do not want",
	"don t want", "not to disclose", "not to say", "rather not", "choose not"}

// declineOption returns the option of q that declines to answer.
func declineOption(opts []QuestionOption) (QuestionOption, bool) {
	for _, o := range opts {
		k := QuestionKey(o.Label)
		for _, w := range declineWords {
			if strings.Contains(k, w) {
				return o, true
			}
		}
	}
	return QuestionOption{}, false
}

// FillForm fills questions from m and returns the form and the required
// questions nothing answered (the form then cannot be sent). Hidden fields
// are left to the platform; an optional question nothing answers is left
// blank.
func FillForm(questions []Question, m Materials) (*Form, []WaitingQuestion) {
	form := &Form{Fields: make([]FormField, 0, len(questions))}
	var waiting []WaitingQuestion
	for _, q := range questions {
		f := FormField{Field: q.Field, Label: q.Label, Kind: q.Kind, Required: q.Required, Section: q.Section,
			Category: ClassifyQuestion(q), Options: q.Options}
		why := fill(&f, q, m)
		if f.Empty() && f.Source != SourcePlatform && q.Required {
			waiting = append(waiting, waitingFor(q, f.Category, why))
		}
		form.Fields = append(form.Fields, f)
	}
	return form, waiting
}

// DocumentKeyPrefix marks a waiting question answered by uploading a
// document ("document:resume", "document:cover_letter").
const DocumentKeyPrefix = "document:"

// WaitingKey is the key a question waits under.
func WaitingKey(q Question) string {
	if q.Kind == QuestionFile {
		if kind := documentKind(q); kind != "" {
			return DocumentKeyPrefix + kind
		}
		return QuestionKey(q.Label)
	}
	if p := profileField(q); p != "" {
		return ProfileKeyPrefix + p
	}
	return QuestionKey(q.Label)
}

// documentKind is the kind of document a file question asks for:
// "resume", "cover_letter", or "" for anything else.
func documentKind(q Question) string {
	field, key := strings.ToLower(q.Field), QuestionKey(q.Label)
	switch {
	case q.Fills == "resume" || q.Fills == "cover_letter":
		return q.Fills
	case field == "resume" || field == "cv" || key == "resume" || key == "cv" || key == "resume cv" || key == "cv resume":
		return "resume"
	case field == "cover_letter" || key == "cover letter":
		return "cover_letter"
	}
	return ""
}

func waitingFor(q Question, cat AnswerCategory, why string) WaitingQuestion {
	return WaitingQuestion{Key: WaitingKey(q), Label: q.Label, Kind: q.Kind, Category: cat, Options: q.Options, Why: why}
}

// fill sets f's value from m and returns, when it found none, why.
func fill(f *FormField, q Question, m Materials) string {
	switch {
	case q.Kind == QuestionHidden:
		f.Source = SourcePlatform
		return ""
	case q.Kind == QuestionFile:
		return fillFile(f, q, m)
	}
	if p := profileField(q); p != "" {
		v, _ := profileValue(m.Profile, m.Email, p)
		if strings.TrimSpace(v) == "" {
			return "your profile has no " + strings.ReplaceAll(p, "_", " ")
		}
		f.Value, f.Source, f.From = v, SourceProfile, p
		return ""
	}
	if (q.Field == "cover_letter" || q.Fills == "cover_letter" || QuestionKey(q.Label) == "cover letter") && (q.Kind == QuestionTextarea || q.Kind == QuestionText) {
		if strings.TrimSpace(m.CoverLetter) == "" {
			return "the run has no cover-letter template"
		}
		f.Value, f.Source = m.CoverLetter, SourceCoverLetter
		return ""
	}
	key := QuestionKey(q.Label)
	a, similar := m.Library.Lookup(key, f.Category)
	if a == nil {
		if f.Category == CategoryDemographic && m.Profile.DeclineDemographic {
			if o, ok := declineOption(q.Options); ok {
				// Where the form sends it from: a multi-select's Values.
				if q.Kind == QuestionMultiSelect {
					f.Values = []string{o.Value}
				} else {
					f.Value = o.Value
				}
				f.Source, f.From = SourceDecline, o.Label
				return ""
			}
		}
		return "no answer yet"
	}
	if err := SetAnswer(f, q, a.Value, a.Values); err != nil {
		return "your saved answer does not fit this form: " + ErrorMessage(err)
	}
	f.Source, f.From = SourceLibrary, a.Label
	if similar {
		f.Source = SourceLibrarySimilar
	}
	if a.TaskID != nil {
		f.Source = SourceApplication
	}
	return ""
}

func fillFile(f *FormField, q Question, m Materials) string {
	switch documentKind(q) {
	case "resume":
		if m.Resume == nil {
			return "upload a résumé (or pick one for the run)"
		}
		f.File, f.Source, f.From = m.Resume, SourceDocument, m.Resume.Filename
	case "cover_letter":
		switch {
		case m.CoverLetterFile != nil:
			f.File, f.Source, f.From = m.CoverLetterFile, SourceDocument, m.CoverLetterFile.Filename
		case strings.TrimSpace(m.CoverLetter) != "":
			// Sent as text where the form takes a file or text.
			f.Value, f.Source = m.CoverLetter, SourceCoverLetter
		default:
			return "upload a cover letter or give the run a cover-letter template"
		}
	default:
		return "applyq cannot fill this file field (" + q.Label + "): apply by hand, or skip the posting"
	}
	return ""
}

// SetAnswer puts an answer (value, or values for a multi-select) into f, as
// the question q takes it: a choice is matched to an option by its label or
// its value (case-insensitive) and stored as the option's value; a number
// must be a number; a boolean yes or no. EINVALID names what does not fit.
func SetAnswer(f *FormField, q Question, value string, values []string) error {
	value = strings.TrimSpace(value)
	f.Value, f.Values = "", nil
	switch q.Kind {
	case QuestionSingleSelect:
		o, ok := matchOption(q.Options, value)
		if !ok {
			return Errorf(EINVALID, "%q is not one of the options (%s)", truncate(value, 100), optionLabels(q.Options))
		}
		f.Value = o.Value
	case QuestionMultiSelect:
		if len(values) == 0 && value != "" {
			values = []string{value}
		}
		for _, v := range values {
			o, ok := matchOption(q.Options, strings.TrimSpace(v))
			if !ok {
				return Errorf(EINVALID, "%q is not one of the options (%s)", truncate(v, 100), optionLabels(q.Options))
			}
			f.Values = append(f.Values, o.Value)
		}
	case QuestionBoolean:
		switch strings.ToLower(value) {
		case "yes", "true", "y", "1":
			f.Value = "yes"
		case "no", "false", "n", "0":
			f.Value = "no"
		default:
			if o, ok := matchOption(q.Options, value); ok && len(q.Options) > 0 {
				f.Value = o.Value
				break
			}
			return Errorf(EINVALID, "answer yes or no")
		}
	case QuestionNumber:
		if _, err := strconv.ParseFloat(strings.ReplaceAll(value, ",", ""), 64); err != nil {
			return Errorf(EINVALID, "%q is not a number", truncate(value, 100))
		}
		f.Value = value
	case QuestionDate:
		if _, err := time.Parse("2006-01-02", value); err != nil {
			return Errorf(EINVALID, "%q is not a date written 2026-12-31", truncate(value, 100))
		}
		f.Value = value
	case QuestionFile:
		return Errorf(EINVALID, "a file field takes a document, not an answer")
	default:
		if p := TextProblem(value, MaxAnswerChars); p != "" {
			return Errorf(EINVALID, "the answer %s", p)
		}
		f.Value = value
	}
	if f.Empty() {
		return Errorf(EINVALID, "the answer is empty")
	}
	return nil
}

func matchOption(opts []QuestionOption, v string) (QuestionOption, bool) {
	for _, o := range opts {
		if strings.EqualFold(strings.TrimSpace(o.Label), v) || strings.EqualFold(strings.TrimSpace(o.Value), v) {
			return o, true
		}
	}
	return QuestionOption{}, false
}

func optionLabels(opts []QuestionOption) string {
	labels := make([]string, len(opts))
	for i, o := range opts {
		labels[i] = o.Label
	}
	s := strings.Join(labels, ", ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// FormEdit is one value a user changes when approving.
type FormEdit struct {
	Field  string   `json:"field"`
	Value  string   `json:"value"`
	Values []string `json:"values,omitempty"`
}

// ApplyEdits changes form by edits (the user's, when approving): each must
// name a field of the form that takes an answer, fit it, and not empty a
// required field. Errors are EINVALID naming the field; form is unchanged
// then.
func (form *Form) ApplyEdits(edits []FormEdit) error {
	next := &Form{Fields: append([]FormField(nil), form.Fields...)}
	fields := map[string]string{}
	for _, e := range edits {
		f := next.Field(e.Field)
		switch {
		case f == nil:
			fields[e.Field] = "the form has no such field"
			continue
		case f.Kind == QuestionHidden || (f.Kind == QuestionFile && !f.TextInPlaceOfFile()):
			fields[e.Field] = "this field cannot be edited here (a file is chosen with the run's documents)"
			continue
		case f.Kind == QuestionFile: // the cover letter sent as text where the form takes a file or text
			text := strings.ReplaceAll(e.Value, "\r\n", "\n")
			switch {
			case strings.TrimSpace(text) == "" && f.Required:
				fields[e.Field] = "is required: it cannot be emptied"
			case TextProblem(text, MaxCoverLetterBytes) != "":
				fields[e.Field] = TextProblem(text, MaxCoverLetterBytes)
			default:
				f.Value, f.Source, f.From = text, SourceUserEdit, ""
			}
			continue
		}
		q := Question{Field: f.Field, Label: f.Label, Kind: f.Kind, Required: f.Required, Options: f.Options, Section: f.Section}
		if strings.TrimSpace(e.Value) == "" && len(e.Values) == 0 {
			if f.Required {
				fields[e.Field] = "is required: it cannot be emptied"
				continue
			}
			f.Value, f.Values, f.Source, f.From = "", nil, SourceUserEdit, ""
			continue
		}
		if err := SetAnswer(f, q, strings.ReplaceAll(e.Value, "\r\n", "\n"), e.Values); err != nil {
			fields[e.Field] = ErrorMessage(err)
			continue
		}
		f.Source, f.From = SourceUserEdit, ""
	}
	if err := ValidationError(prefixed("form.", fields)); err != nil {
		return err
	}
	next.keepUnchanged(form)
	form.Fields = next.Fields
	return nil
}

// TextInPlaceOfFile reports whether a file field carries text instead (the
// run's cover letter, where the form takes a file or text): the text is
// what is sent, and it can be edited like a text.
func (f FormField) TextInPlaceOfFile() bool {
	return f.Kind == QuestionFile && f.File == nil && (f.Source == SourceCoverLetter || f.Source == SourceUserEdit)
}

// CarriesCoverLetter reports whether the field sends the packet's cover
// letter (its text, filled from the run's template).
func (f FormField) CarriesCoverLetter() bool {
	return f.File == nil && f.Source == SourceCoverLetter
}

// keepUnchanged puts back, as prepared, every field of f whose value is
// the same as in prev (an edit that sent a value back as it was shown, a
// textarea's CRLF): only a changed value is the user's edit.
func (f *Form) keepUnchanged(prev *Form) {
	for i := range f.Fields {
		if i < len(prev.Fields) && f.Fields[i].Field == prev.Fields[i].Field && f.Fields[i].sameValue(prev.Fields[i]) {
			f.Fields[i] = prev.Fields[i]
		}
	}
}

// sameValue reports whether f carries what g carries, its text compared
// normalised (NormalizeText) and a multi-select's choices as a set.
func (f FormField) sameValue(g FormField) bool {
	if NormalizeText(f.Value) != NormalizeText(g.Value) || len(f.Values) != len(g.Values) || (f.File == nil) != (g.File == nil) {
		return false
	}
	a, b := slices.Clone(f.Values), slices.Clone(g.Values)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b) && (f.File == nil || f.File.DocumentID == g.File.DocumentID)
}

// NormalizeText is text as compared for a change: line breaks as "\n"
// (a browser's textarea sends "\r\n"), without surrounding white space.
func NormalizeText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

func prefixed(prefix string, m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[prefix+k] = v
	}
	return out
}

// Describe writes a waiting question for a reason line.
func (w WaitingQuestion) Describe() string { return fmt.Sprintf("%s (%s)", w.Label, w.Why) }

// Edit records one value a user changed when approving.
type Edit struct {
	Field  string   `json:"field"`
	Label  string   `json:"label"`
	Before string   `json:"before"`
	After  string   `json:"after"`
	Values []string `json:"values,omitempty"`
}

// Display is a field's value as a person reads it: a choice's label, a
// file's name.
func (f FormField) Display() string {
	if len(f.Values) > 0 {
		labels := make([]string, len(f.Values))
		for i, v := range f.Values {
			labels[i] = OptionLabel(f.Options, v)
		}
		return strings.Join(labels, ", ")
	}
	if f.File != nil {
		return f.File.Filename
	}
	return OptionLabel(f.Options, f.Value)
}

// OptionLabel is the label of the option whose value is value (value itself
// when no option has it).
func OptionLabel(opts []QuestionOption, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// ApplyEdits changes the packet by the user's edits when approving: a
// field of its form (Form.ApplyEdits), or "cover_letter" for the letter of
// a packet whose form has no such field. It returns what changed; on an
// error (EINVALID naming the field) the packet is unchanged.
func (p *Packet) ApplyEdits(edits []FormEdit) ([]Edit, error) {
	var formEdits []FormEdit
	letter, letterEdited := p.CoverLetter, false
	for _, e := range edits {
		if e.Field == "cover_letter" && (p.Form == nil || p.Form.Field("cover_letter") == nil) {
			if prob := TextProblem(e.Value, MaxCoverLetterBytes); prob != "" {
				return nil, ValidationError(map[string]string{"form.cover_letter": prob})
			}
			letter, letterEdited = e.Value, true
			continue
		}
		formEdits = append(formEdits, e)
	}
	var out []Edit
	if len(formEdits) > 0 {
		if p.Form == nil {
			fields := map[string]string{}
			for _, e := range formEdits {
				fields["form."+e.Field] = "this application has no form (its board does not publish one): only cover_letter can be edited"
			}
			return nil, ValidationError(fields)
		}
		before := map[string]FormField{}
		for _, e := range formEdits {
			if f := p.Form.Field(e.Field); f != nil {
				before[e.Field] = *f
			}
		}
		letterFields := map[string]bool{} // the fields that send the letter
		for _, f := range p.Form.Fields {
			if f.CarriesCoverLetter() {
				letterFields[f.Field] = true
			}
		}
		if err := p.Form.ApplyEdits(formEdits); err != nil {
			return nil, err
		}
		recorded := map[string]bool{}
		for _, e := range formEdits {
			f := p.Form.Field(e.Field)
			if recorded[f.Field] || f.sameValue(before[e.Field]) {
				continue // only a value that changed is an edit
			}
			recorded[f.Field] = true
			out = append(out, Edit{Field: f.Field, Label: f.Label, Before: before[e.Field].Display(), After: f.Display()})
			if letterFields[f.Field] {
				// The packet's letter follows the field that sends it: what
				// a receiver of the whole packet reads is what was approved.
				p.CoverLetter = f.Value
			}
		}
	}
	if letter = strings.ReplaceAll(letter, "\r\n", "\n"); letterEdited && NormalizeText(letter) != NormalizeText(p.CoverLetter) {
		out = append(out, Edit{Field: "cover_letter", Label: "Cover letter", Before: p.CoverLetter, After: letter})
		p.CoverLetter = letter
	}
	return out, nil
}
