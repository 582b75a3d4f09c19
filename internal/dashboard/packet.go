package dashboard

import (
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

// The application as the user reviews it: every field, answer and file
// that will be sent, where each value came from, and — while it waits for
// approval — inputs to change any answer before approving.

// packetView is what the "packet" template shows.
type packetView struct {
	Packet   domain.Packet
	Editable bool
	Errors   map[string]string
}

// fieldName is the form input of a packet field.
func fieldName(field string) string { return "f." + field }

// sourceText says where a value came from, for people.
func sourceText(f domain.FormField) string {
	switch f.Source {
	case domain.SourceProfile:
		return "from your profile"
	case domain.SourceLibrary:
		return "your saved answer"
	case domain.SourceApplication:
		return "your answer for this application only"
	case domain.SourceLibrarySimilar:
		return "your answer to a similar question: “" + f.From + "”"
	case domain.SourceDocument:
		return "your document"
	case domain.SourceCoverLetter:
		return "the run's cover letter"
	case domain.SourceDecline:
		return "you decline demographic questions"
	case domain.SourceUserEdit:
		return "you edited it"
	case domain.SourcePlatform:
		return "filled in by the job board"
	}
	return "left blank"
}

// editable reports whether a field takes an edit on the review page.
func editable(f domain.FormField) bool {
	return f.TextInPlaceOfFile() || (f.Kind != domain.QuestionFile && f.Kind != domain.QuestionHidden && f.Source != domain.SourceDocument)
}

// multiline reports whether a field's answer is edited in a text area: a
// long answer, or the cover letter wherever the form sends it.
func multiline(f domain.FormField) bool {
	return f.Kind == domain.QuestionTextarea || f.CarriesCoverLetter() || f.TextInPlaceOfFile() ||
		(f.Field == "cover_letter" && f.Source == domain.SourceUserEdit)
}

// letterPlace says where the review shows the packet's cover letter:
// "form" when a field of the form sends it (edited there), "none" when
// the form is sent by an applier that sends its fields only and none of
// them is the letter (so no letter goes out), else "own" (its own text
// area: the letter goes with the application).
func letterPlace(p domain.Packet) string {
	if p.Form == nil {
		return "own"
	}
	if p.Form.Field("cover_letter") != nil {
		return "form"
	}
	for _, f := range p.Form.Fields {
		if f.CarriesCoverLetter() {
			return "form"
		}
	}
	if p.Applier == "browser" || p.Applier == "recruitee" {
		return "none"
	}
	return "own"
}

// editsFromForm reads the review page's inputs: an edit for each field
// whose submitted value differs from the packet's.
func editsFromForm(c echo.Context, p *domain.Packet) []domain.FormEdit {
	form, _ := c.FormParams()
	var edits []domain.FormEdit
	if p.Form == nil || p.Form.Field("cover_letter") == nil {
		if v, ok := form["cover_letter"]; ok && len(v) == 1 && normalizeNewlines(v[0]) != p.CoverLetter {
			edits = append(edits, domain.FormEdit{Field: "cover_letter", Value: normalizeNewlines(v[0])})
		}
	}
	if p.Form == nil {
		return edits
	}
	for _, f := range p.Form.Fields {
		name := fieldName(f.Field)
		if !editable(f) || form.Get("present."+name) == "" {
			continue // not on the page that was submitted
		}
		if f.Kind == domain.QuestionMultiSelect {
			got := form[name]
			if !sameSet(got, f.Values) {
				edits = append(edits, domain.FormEdit{Field: f.Field, Values: got})
			}
			continue
		}
		if v := normalizeNewlines(form.Get(name)); strings.TrimSpace(v) != strings.TrimSpace(f.Value) {
			edits = append(edits, domain.FormEdit{Field: f.Field, Value: v})
		}
	}
	return edits
}

// normalizeNewlines undoes the browser's CRLF in a textarea.
func normalizeNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// showEntered puts what the user entered into the packet shown again after
// a refused decision (unchecked: the page shows it with its errors).
func showEntered(p *domain.Packet, edits []domain.FormEdit) {
	for _, e := range edits {
		if p.Form != nil {
			if f := p.Form.Field(e.Field); f != nil {
				f.Value, f.Values = e.Value, e.Values
				continue
			}
		}
		if e.Field == "cover_letter" {
			p.CoverLetter = e.Value
		}
	}
}

// applierText says how the applier a packet names sends it.
func applierText(name string) string {
	switch name {
	case "browser":
		return "filled in on the employer's hosted form, in a browser"
	case "recruitee":
		return "sent to Recruitee's candidate API"
	case "webhook":
		return "sent to your webhook"
	case "dry_run":
		return "not sent anywhere (dry run)"
	case "":
		return "the way this applyq sends applications by default (set by its operator)"
	}
	return name
}
