package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// Recruitee reads Recruitee careers sites through the Careers Site API
// (docs.recruitee.com, career.recruitee.com/docs), served by each
// company's own host, https://{board}.recruitee.com:
//
//	GET /api/offers    every published offer, with its screening questions
//
// One document, asked conditionally. A posting's ExternalID is the offer's
// slug: it is what the offer's URL (/o/{slug}) and the candidate API
// (/api/offers/{slug}/candidates) name it by, so the posting's key matches
// a pasted link. Questions are the form's standard fields, as the offer's
// options_* settings ask for them, then its open questions.
type Recruitee struct{ Options }

// Platform implements domain.BoardClient.
func (c *Recruitee) Platform() domain.Platform { return domain.PlatformRecruitee }

// jsonName is a name given as a string or as an object with a name
// (Recruitee's department comes both ways).
type jsonName string

// UnmarshalJSON implements json.Unmarshaler.
func (n *jsonName) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Name  string `json:"name"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*n = jsonName(joinNonEmpty("", o.Name, o.Label))
		return nil
	}
	var s jsonString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*n = jsonName(s)
	return nil
}

type recruiteeQuestion struct {
	ID       jsonString `json:"id"`
	Kind     string     `json:"kind"`
	Required bool       `json:"required"`
	Position int        `json:"position"`
	Body     string     `json:"body"`
	Options  []struct {
		ID       jsonString `json:"id"`
		Body     string     `json:"body"`
		Position int        `json:"position"`
	} `json:"open_question_options"`
}

type recruiteeOffer struct {
	ID                 jsonString          `json:"id"`
	Slug               string              `json:"slug"`
	Status             string              `json:"status"`
	Title              string              `json:"title"`
	CompanyName        string              `json:"company_name"`
	Description        string              `json:"description"`
	Requirements       string              `json:"requirements"`
	Location           string              `json:"location"`
	City               string              `json:"city"`
	Country            string              `json:"country"`
	Remote             bool                `json:"remote"`
	CareersURL         string              `json:"careers_url"`
	CareersApplyURL    string              `json:"careers_apply_url"`
	Department         jsonName            `json:"department"`
	EmploymentTypeCode string              `json:"employment_type_code"`
	PublishedAt        string              `json:"published_at"`
	UpdatedAt          string              `json:"updated_at"`
	OptionsPhone       string              `json:"options_phone"`
	OptionsCV          string              `json:"options_cv"`
	OptionsCoverLetter string              `json:"options_cover_letter"`
	OptionsPhoto       string              `json:"options_photo"`
	OpenQuestions      []recruiteeQuestion `json:"open_questions"`
	Salary             *struct {
		Min      jsonNumber `json:"min"`
		Max      jsonNumber `json:"max"`
		Currency string     `json:"currency"`
		Period   string     `json:"period"`
	} `json:"salary"`
}

// recruiteeKinds maps the open question kinds the Careers Site API
// documents (string, text, single_choice, multi_choice, date, salary,
// number, file, boolean, legal) and the video answers boards also carry.
var recruiteeKinds = map[string]domain.QuestionKind{
	"string":        domain.QuestionText,
	"text":          domain.QuestionTextarea,
	"single_choice": domain.QuestionSingleSelect,
	"multi_choice":  domain.QuestionMultiSelect,
	"boolean":       domain.QuestionBoolean,
	"legal":         domain.QuestionBoolean, // a consent to tick
	"date":          domain.QuestionDate,
	"number":        domain.QuestionNumber,
	"salary":        domain.QuestionNumber,
	"file":          domain.QuestionFile,
	"video":         domain.QuestionOther, // recorded by the person, never filled
}

// Fetch implements domain.BoardClient.
func (c *Recruitee) Fetch(ctx context.Context, board string, prev domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f, col, err := c.begin(domain.PlatformRecruitee, board, false)
	if err != nil {
		return nil, err
	}
	base := c.base(domain.PlatformRecruitee, board)
	ans, err := f.get(ctx, base+"/api/offers", "application/json", "the offers", &prev)
	if err != nil {
		return nil, err
	}
	if ans.notModified {
		return &domain.BoardSnapshot{NotModified: true, Validators: ans.validators}, nil
	}
	var doc struct {
		Offers []recruiteeOffer `json:"offers"`
	}
	if err := f.decodeJSON("the offers", ans.body, &doc); err != nil {
		return nil, err
	}
	for _, o := range doc.Offers {
		if o.Status != "" && o.Status != "published" {
			continue
		}
		col.add(c.posting(base, o, col.maxDesc))
	}
	col.snap.Validators = ans.validators
	return &col.snap, nil
}

func (c *Recruitee) posting(base string, o recruiteeOffer, maxDesc int) domain.BoardPosting {
	slug := strings.TrimSpace(o.Slug)
	u := o.CareersURL
	if u == "" && slug != "" {
		u = base + "/o/" + url.PathEscape(slug)
	}
	location := o.Location
	if location == "" {
		location = joinNonEmpty(", ", o.City, o.Country)
	}
	p := domain.BoardPosting{
		ExternalID:     slug,
		Title:          o.Title,
		Company:        o.CompanyName,
		Location:       location,
		Department:     string(o.Department),
		Remote:         o.Remote,
		Description:    sections([2]string{"", htmlText(o.Description, maxDesc)}, [2]string{"", htmlText(o.Requirements, maxDesc)}),
		URL:            u,
		ApplyURL:       o.CareersApplyURL,
		EmploymentType: strings.ReplaceAll(o.EmploymentTypeCode, "_", " "),
		UpdatedAt:      latest(parseTime(o.PublishedAt), parseTime(o.UpdatedAt)),
		Questions:      recruiteeQuestions(o),
	}
	if s := o.Salary; s != nil {
		p.Compensation = formatPay(s.Currency, s.Min.ptr(), s.Max.ptr(), perPeriod(1, s.Period))
	}
	return p
}

// recruiteeQuestions is the offer's form: name and email always, phone,
// CV, cover letter and photo as the offer's options ask ("required",
// "optional", "off"; phone and CV are required when the option is not
// given, as by default), then the open questions in their order. An
// answer to a choice is sent as the option's text, so an option's value is
// its text.
func recruiteeQuestions(o recruiteeOffer) []domain.Question {
	std := func(field, label string, kind domain.QuestionKind, required bool) domain.Question {
		return domain.Question{Field: field, Label: label, Kind: kind, Required: required, Section: domain.SectionStandard}
	}
	out := []domain.Question{
		std("name", "Name", domain.QuestionText, true),
		std("email", "Email", domain.QuestionText, true),
	}
	optional := func(field, label string, kind domain.QuestionKind, setting string, byDefault bool) {
		switch strings.ToLower(strings.TrimSpace(setting)) {
		case "required":
			out = append(out, std(field, label, kind, true))
		case "optional":
			out = append(out, std(field, label, kind, false))
		case "":
			if byDefault {
				out = append(out, std(field, label, kind, true))
			}
		}
	}
	optional("phone", "Phone", domain.QuestionText, o.OptionsPhone, true)
	optional("cv", "CV", domain.QuestionFile, o.OptionsCV, true)
	optional("cover_letter", "Cover letter", domain.QuestionTextarea, o.OptionsCoverLetter, false)
	optional("photo", "Photo", domain.QuestionFile, o.OptionsPhoto, false)

	open := append([]recruiteeQuestion(nil), o.OpenQuestions...)
	sort.SliceStable(open, func(i, j int) bool { return open[i].Position < open[j].Position })
	for _, q := range open {
		kind, ok := recruiteeKinds[q.Kind]
		if !ok {
			kind = domain.QuestionOther
		}
		section := domain.SectionCustom
		if q.Kind == "legal" {
			section = domain.SectionCompliance // a legal consent is never answered for the person
		}
		dq := domain.Question{Field: string(q.ID), Label: q.Body, Kind: kind, Required: q.Required, Section: section}
		opts := append(q.Options[:0:0], q.Options...)
		sort.SliceStable(opts, func(i, j int) bool { return opts[i].Position < opts[j].Position })
		for _, op := range opts {
			dq.Options = append(dq.Options, domain.QuestionOption{Label: op.Body, Value: plainLine(op.Body, maxLine)})
		}
		out = append(out, dq)
	}
	return questions(out)
}
