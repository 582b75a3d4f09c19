package replica

import (
	"encoding/json"
	"net/http"

	"github.com/applyq/applyq/internal/domain"
)

// field is one fillable control (or checkbox/radio group) of a form.
type field struct {
	Name, ID, Label string
	Kind            Kind
	Input           string // the input type of a one-line field: text, email, tel, url
	Required        bool
	Options         []Option // resolved: every Value set
	Group           bool     // radios or checkboxes in a fieldset
	Step            int      // 0, 1 or 2: which step of a multi-step form
	Placeholder     string
	Autocomplete    string
	Accept          string
	Question        *Question // the custom question, or nil for a system field
}

const acceptDocs = ".pdf,.doc,.docx,.txt,.rtf"

// buildFields lays out the platform's form: system fields, then the custom
// questions.
func (s *Server) buildFields() []field {
	var fs []field
	text := func(name, id, label, input string, req bool, step int, auto string) {
		fs = append(fs, field{Name: name, ID: id, Label: label, Kind: KindText, Input: input, Required: req, Step: step, Autocomplete: auto})
	}
	file := func(name, id, label string, req bool, step int) {
		fs = append(fs, field{Name: name, ID: id, Label: label, Kind: KindFile, Required: req, Step: step, Accept: acceptDocs})
	}
	switch s.platform {
	case domain.PlatformGreenhouse:
		text("first_name", "first_name", "First Name", "text", true, 0, "given-name")
		text("last_name", "last_name", "Last Name", "text", true, 0, "family-name")
		text("email", "email", "Email", "email", true, 0, "email")
		text("phone", "phone", "Phone", "tel", false, 0, "tel")
		if s.v.Live {
			// The live form's location autocomplete (system field): it posts
			// location (the chosen label) and location_place_id.
			text("location", "candidate-location", LocationLabel, "text", false, 0, "")
		}
		file("resume", "resume", "Resume/CV", true, 1)
		file("cover_letter", "cover_letter", "Cover Letter", false, 1)
	case domain.PlatformLever:
		file("resume", "resume-upload-input", "Resume/CV", true, 0)
		text("name", "name", "Full name", "text", true, 0, "name")
		text("email", "email", "Email", "email", true, 0, "email")
		text("phone", "phone", "Phone", "tel", false, 0, "tel")
		text("location", "location-input", "Current location", "text", false, 0, "address-level2")
		text("org", "org", "Current company", "text", false, 0, "organization")
		text("urls[LinkedIn]", "urls-LinkedIn", "LinkedIn URL", "url", false, 1, "")
		text("urls[GitHub]", "urls-GitHub", "GitHub URL", "url", false, 1, "")
		text("urls[Portfolio]", "urls-Portfolio", "Portfolio URL", "url", false, 1, "")
		text("urls[Other]", "urls-Other", "Other website", "url", false, 1, "")
	case domain.PlatformAshby:
		text("_systemfield_name", "_systemfield_name", "Name", "text", true, 0, "name")
		text("_systemfield_email", "_systemfield_email", "Email", "email", true, 0, "email")
		text("_systemfield_phone", "_systemfield_phone", "Phone", "tel", false, 0, "tel")
		text("_systemfield_location", "_systemfield_location", "Location", "text", false, 0, "address-level2")
		file("_systemfield_resume", "_systemfield_resume", "Resume", true, 1)
	}
	for i := range s.questions {
		q := &s.questions[i]
		f := field{Name: FieldName(s.platform, *q), Label: q.Label, Kind: q.Kind, Required: q.Required, Step: 2, Question: q}
		switch s.platform {
		case domain.PlatformGreenhouse:
			f.ID = "question_" + q.ID
		case domain.PlatformLever:
			f.ID = "card-" + q.ID + "-field0"
		default:
			f.ID = q.ID
		}
		switch q.Kind {
		case KindText:
			f.Input = "text"
		case KindFile:
			f.Accept = acceptDocs
		case KindSingleSelect, KindMultiSelect:
			for _, o := range q.Options {
				if o.Value == "" {
					o.Value = o.Label
				}
				f.Options = append(f.Options, o)
			}
			f.Group = q.Kind == KindMultiSelect || q.Radios
		case KindBoolean:
			f.Options = []Option{{"Yes", BooleanValue(s.platform, true)}, {"No", BooleanValue(s.platform, false)}}
			// Greenhouse asks yes/no with a select; Lever and Ashby with
			// two choices (radios here).
			f.Group = s.platform != domain.PlatformGreenhouse
		}
		fs = append(fs, f)
	}
	if s.platform == domain.PlatformLever {
		fs = append(fs, field{Name: "comments", ID: "additional-information", Label: "Additional information", Kind: KindTextarea, Step: 2,
			Placeholder: "Add a cover letter or anything else you want to share."})
	}
	return fs
}

// steps is how many steps the multi-step form has: three when there are
// custom questions (or Lever's comments), else two.
func (s *Server) steps() int {
	for _, f := range s.fields {
		if f.Step == 2 {
			return 3
		}
	}
	return 2
}

// leverTemplate is the JSON of a Lever card's hidden baseTemplate input.
func leverTemplate(q *Question) string {
	typ := map[Kind]string{KindText: "text", KindTextarea: "textarea", KindSingleSelect: "dropdown",
		KindMultiSelect: "multiple-select", KindBoolean: "multiple-choice", KindFile: "file-upload"}[q.Kind]
	type opt struct {
		Text string `json:"text"`
	}
	type fld struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Required bool   `json:"required"`
		Options  []opt  `json:"options,omitempty"`
	}
	if q.Radios {
		typ = "multiple-choice"
	}
	f := fld{Type: typ, Text: q.Label, Required: q.Required}
	for _, o := range q.Options {
		f.Options = append(f.Options, opt{Text: o.Label})
	}
	if q.Kind == KindBoolean {
		f.Options = []opt{{"Yes"}, {"No"}}
	}
	b, _ := json.Marshal(map[string]any{"id": q.ID, "text": q.Label, "fields": []fld{f}})
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// jsString is s as a JavaScript string literal, safe inside <script>.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
