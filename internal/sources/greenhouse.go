package sources

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// Greenhouse reads Greenhouse job boards through the Job Board API
// (developers.greenhouse.io/job-board.html):
//
//	GET /v1/boards/{board}/jobs?content=true             every job post, with its description
//	GET /v1/boards/{board}/jobs/{id}?questions=true&pay_transparency=true
//	                                                     one post's form and pay ranges
//
// The list is one document (meta.total is its length, no paging), so it
// is asked conditionally; a list shorter than meta.total is refused rather
// than taken as the whole board. Each listed post is then read for its
// questions, Options.Concurrency at a time. A job's company_name is the
// board's employer (Company). EU boards
// (job-boards.eu.greenhouse.io) are served by the same API.
type Greenhouse struct{ Options }

// Platform implements domain.BoardClient.
func (c *Greenhouse) Platform() domain.Platform { return domain.PlatformGreenhouse }

type ghJob struct {
	ID          jsonString `json:"id"`
	Title       string     `json:"title"`
	CompanyName string     `json:"company_name"` // the board's employer
	UpdatedAt   string     `json:"updated_at"`
	AbsoluteURL string     `json:"absolute_url"`
	Content     string     `json:"content"` // HTML, HTML-escaped once more
	Location    struct {
		Name string `json:"name"`
	} `json:"location"`
	Departments []struct {
		Name string `json:"name"`
	} `json:"departments"`
	Offices []struct {
		Name string `json:"name"`
	} `json:"offices"`
}

type ghList struct {
	Jobs []ghJob `json:"jobs"`
	Meta *struct {
		Total *int `json:"total"`
	} `json:"meta"`
}

type ghField struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Values []struct {
		Value jsonString `json:"value"`
		Label string     `json:"label"`
	} `json:"values"`
}

type ghQuestion struct {
	Required bool      `json:"required"`
	Label    string    `json:"label"`
	Fields   []ghField `json:"fields"`
}

type ghDetail struct {
	ghJob
	Questions         []ghQuestion `json:"questions"`
	LocationQuestions []ghQuestion `json:"location_questions"`
	// Compliance is a list of blocks (type "eeoc"…), each with its own
	// questions one level down.
	Compliance []struct {
		Type      string       `json:"type"`
		Questions []ghQuestion `json:"questions"`
	} `json:"compliance"`
	DemographicQuestions *struct {
		Questions []struct {
			ID            jsonString `json:"id"`
			Label         string     `json:"label"`
			Required      bool       `json:"required"`
			Type          string     `json:"type"`
			AnswerOptions []struct {
				ID    jsonString `json:"id"`
				Label string     `json:"label"`
			} `json:"answer_options"`
		} `json:"questions"`
	} `json:"demographic_questions"`
	DataCompliance []struct {
		Type                      string `json:"type"`
		RequiresConsent           bool   `json:"requires_consent"`
		RequiresProcessingConsent bool   `json:"requires_processing_consent"`
		RequiresRetentionConsent  bool   `json:"requires_retention_consent"`
	} `json:"data_compliance"`
	PayInputRanges []struct {
		MinCents     jsonNumber `json:"min_cents"`
		MaxCents     jsonNumber `json:"max_cents"`
		CurrencyType string     `json:"currency_type"`
		Title        string     `json:"title"`
	} `json:"pay_input_ranges"`
}

// ghKinds maps Greenhouse's field types (documented in "Questions /
// Location Questions / Compliance") to question kinds.
var ghKinds = map[string]domain.QuestionKind{
	"input_file":                domain.QuestionFile,
	"input_text":                domain.QuestionText,
	"input_hidden":              domain.QuestionHidden,
	"textarea":                  domain.QuestionTextarea,
	"multi_value_single_select": domain.QuestionSingleSelect,
	"multi_value_multi_select":  domain.QuestionMultiSelect,
}

// ghStandard are the fields of every Greenhouse form, about the applicant.
var ghStandard = map[string]bool{
	"first_name": true, "last_name": true, "email": true, "phone": true, "resume": true, "cover_letter": true,
}

// Fetch implements domain.BoardClient.
func (c *Greenhouse) Fetch(ctx context.Context, board string, prev domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f, col, err := c.begin(domain.PlatformGreenhouse, board, false)
	if err != nil {
		return nil, err
	}
	base := c.base(domain.PlatformGreenhouse, board) + "/v1/boards/" + url.PathEscape(board) + "/jobs"
	ans, err := f.get(ctx, base+"?content=true", "application/json", "the jobs list", &prev)
	if err != nil {
		return nil, err
	}
	if ans.notModified {
		return &domain.BoardSnapshot{NotModified: true, Validators: ans.validators}, nil
	}
	var list ghList
	if err := f.decodeJSON("the jobs list", ans.body, &list); err != nil {
		return nil, err
	}
	if list.Meta != nil && list.Meta.Total != nil && len(list.Jobs) < *list.Meta.Total {
		return nil, f.unavailable(0, 0, fmt.Errorf("the jobs list has %d jobs of the %d its meta.total counts", len(list.Jobs), *list.Meta.Total))
	}

	// Only the posts that will be kept are read in full.
	keep := make([]int, 0, len(list.Jobs))
	seen := map[string]bool{}
	for i, j := range list.Jobs {
		id := strings.TrimSpace(string(j.ID))
		if domain.CheckPostingID(id) == nil && plainLine(j.Title, maxLine) != "" && !seen[id] {
			seen[id] = true
			keep = append(keep, i)
		}
	}
	details, gone, err := readDetails[ghDetail](ctx, f, len(list.Jobs), keep, c.concurrency(), "jobs", func(i int) (string, string) {
		id := strings.TrimSpace(string(list.Jobs[i].ID))
		return base + "/" + url.PathEscape(id) + "?questions=true&pay_transparency=true", "job " + id
	})
	if err != nil {
		return nil, err
	}
	for i, j := range list.Jobs {
		switch {
		case gone[i]:
		case details[i] == nil:
			col.add(domain.BoardPosting{ExternalID: string(j.ID), Title: j.Title}) // no id, no title or a repeat: counted as skipped
		default:
			col.add(c.posting(j, details[i], col.maxDesc))
		}
	}
	col.snap.Validators = ans.validators
	return &col.snap, nil
}

// FetchPosting implements domain.PostingFetcher: one job post, with its form and
// pay ranges (GET /v1/boards/{board}/jobs/{id}).
func (c *Greenhouse) FetchPosting(ctx context.Context, board, externalID string) (*domain.BoardPosting, error) {
	f, col, err := c.begin(domain.PlatformGreenhouse, board, false)
	if err != nil {
		return nil, err
	}
	if err := domain.CheckPostingID(externalID); err != nil {
		return nil, err
	}
	u := c.base(domain.PlatformGreenhouse, board) + "/v1/boards/" + url.PathEscape(board) + "/jobs/" + url.PathEscape(externalID) +
		"?questions=true&pay_transparency=true"
	what := "job " + externalID
	a, err := f.get(ctx, u, "application/json", what, nil)
	if err != nil {
		return nil, err
	}
	var d ghDetail
	if err := f.decodeJSON(what, a.body, &d); err != nil {
		return nil, err
	}
	col.add(c.posting(d.ghJob, &d, col.maxDesc))
	if len(col.snap.Postings) != 1 {
		return nil, f.invalid(what, fmt.Errorf("the job has no id or no title"))
	}
	return &col.snap.Postings[0], nil
}

func (c *Greenhouse) posting(j ghJob, d *ghDetail, maxDesc int) domain.BoardPosting {
	content := j.Content
	if strings.TrimSpace(content) == "" {
		content = d.Content
	}
	var depts, offices []string
	for _, x := range j.Departments {
		depts = append(depts, x.Name)
	}
	for _, x := range j.Offices {
		offices = append(offices, x.Name)
	}
	location := j.Location.Name
	company := j.CompanyName
	if strings.TrimSpace(company) == "" {
		company = d.CompanyName
	}
	p := domain.BoardPosting{
		ExternalID:  string(j.ID),
		Title:       j.Title,
		Company:     company,
		Location:    location,
		Department:  joinNonEmpty(", ", depts...),
		Remote:      looksRemote(location) || looksRemote(strings.Join(offices, " ")),
		Description: htmlText(html.UnescapeString(content), maxDesc),
		URL:         j.AbsoluteURL,
		UpdatedAt:   latest(parseTime(j.UpdatedAt), parseTime(d.UpdatedAt)),
		Questions:   ghQuestions(d),
	}
	var pay []string
	for _, r := range d.PayInputRanges {
		lo, hi := r.MinCents.ptr(), r.MaxCents.ptr()
		if lo != nil {
			*lo /= 100
		}
		if hi != nil {
			*hi /= 100
		}
		if s := formatPay(r.CurrencyType, lo, hi, ""); s != "" {
			if t := plainLine(r.Title, maxLine); t != "" {
				s += " (" + t + ")"
			}
			pay = append(pay, s)
		}
	}
	p.Compensation = strings.Join(pay, "; ")
	return p
}

// ghQuestions flattens a post's form. A Greenhouse question may offer
// several fields for one answer (the résumé as a file or as text): the
// first is the question's field, the alternatives are left to the form.
func ghQuestions(d *ghDetail) []domain.Question {
	var out []domain.Question
	add := func(q ghQuestion, section domain.QuestionSection) {
		if len(q.Fields) == 0 {
			return
		}
		f := q.Fields[0]
		kind, ok := ghKinds[f.Type]
		if !ok {
			kind = domain.QuestionOther
		}
		s := section
		if s == domain.SectionCustom && ghStandard[f.Name] {
			s = domain.SectionStandard
		}
		dq := domain.Question{Field: f.Name, Label: q.Label, Kind: kind, Required: q.Required, Section: s}
		for _, v := range f.Values {
			dq.Options = append(dq.Options, domain.QuestionOption{Label: v.Label, Value: string(v.Value)})
		}
		out = append(out, dq)
	}
	for _, q := range d.Questions {
		add(q, domain.SectionCustom)
	}
	for _, q := range d.LocationQuestions {
		add(q, domain.SectionLocation)
	}
	for _, block := range d.Compliance {
		for _, q := range block.Questions {
			add(q, domain.SectionCompliance)
		}
	}
	// GDPR consent, as the application endpoint takes it.
	for _, dc := range d.DataCompliance {
		consent := func(field, label string) {
			out = append(out, domain.Question{Field: "data_compliance[" + field + "]", Label: label,
				Kind: domain.QuestionBoolean, Required: true, Section: domain.SectionCompliance})
		}
		switch {
		case dc.RequiresProcessingConsent || dc.RequiresRetentionConsent:
			if dc.RequiresProcessingConsent {
				consent("gdpr_processing_consent_given", "Consent to the processing of my data ("+strings.ToUpper(dc.Type)+")")
			}
			if dc.RequiresRetentionConsent {
				consent("gdpr_retention_consent_given", "Consent to the retention of my data ("+strings.ToUpper(dc.Type)+")")
			}
		case dc.RequiresConsent:
			consent("gdpr_consent_given", "Consent to the processing of my data ("+strings.ToUpper(dc.Type)+")")
		}
	}
	if d.DemographicQuestions != nil {
		// Answered as demographic_answers[]{question_id, answer_options[]}:
		// the field names the question by its id.
		for _, q := range d.DemographicQuestions.Questions {
			kind, ok := ghKinds[q.Type]
			if !ok {
				kind = domain.QuestionOther
			}
			dq := domain.Question{Field: "demographic_question_" + string(q.ID), Label: q.Label, Kind: kind,
				Required: q.Required, Section: domain.SectionDemographic}
			if q.ID == "" {
				continue
			}
			for _, o := range q.AnswerOptions {
				dq.Options = append(dq.Options, domain.QuestionOption{Label: o.Label, Value: string(o.ID)})
			}
			out = append(out, dq)
		}
	}
	return questions(out)
}
