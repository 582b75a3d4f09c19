package sources

import (
	"context"
	"net/url"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// Workable reads Workable careers pages through the public jobs widget API
// that apply.workable.com itself uses:
//
//	GET /api/v1/widget/accounts/{account}?details=true    every published job, with its description
//
// One document, asked conditionally; its name is the company's. A posting's ExternalID is the job's
// shortcode, which Workable's URLs (apply.workable.com/j/{shortcode}) name
// it by. The widget carries no form: Questions stays nil.
type Workable struct{ Options }

// Platform implements domain.BoardClient.
func (c *Workable) Platform() domain.Platform { return domain.PlatformWorkable }

type workableJob struct {
	Title          string `json:"title"`
	Shortcode      string `json:"shortcode"`
	EmploymentType string `json:"employment_type"`
	Telecommuting  bool   `json:"telecommuting"`
	WorkplaceType  string `json:"workplace_type"`
	Department     string `json:"department"`
	URL            string `json:"url"`
	Shortlink      string `json:"shortlink"`
	ApplicationURL string `json:"application_url"`
	PublishedOn    string `json:"published_on"`
	CreatedAt      string `json:"created_at"`
	City           string `json:"city"`
	State          string `json:"state"`
	Country        string `json:"country"`
	Locations      []struct {
		City    string `json:"city"`
		Region  string `json:"region"`
		Country string `json:"country"`
		Hidden  bool   `json:"hidden"`
	} `json:"locations"`
	Description  string `json:"description"` // HTML, with details=true
	Requirements string `json:"requirements"`
	Benefits     string `json:"benefits"`
}

// Fetch implements domain.BoardClient.
func (c *Workable) Fetch(ctx context.Context, board string, prev domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f, col, err := c.begin(domain.PlatformWorkable, board, false)
	if err != nil {
		return nil, err
	}
	base := c.base(domain.PlatformWorkable, board)
	ans, err := f.get(ctx, base+"/api/v1/widget/accounts/"+url.PathEscape(board)+"?details=true", "application/json", "the jobs", &prev)
	if err != nil {
		return nil, err
	}
	if ans.notModified {
		return &domain.BoardSnapshot{NotModified: true, Validators: ans.validators}, nil
	}
	var doc struct {
		Name string        `json:"name"` // the account's company
		Jobs []workableJob `json:"jobs"`
	}
	if err := f.decodeJSON("the jobs", ans.body, &doc); err != nil {
		return nil, err
	}
	for _, j := range doc.Jobs {
		p := c.posting(base, j, col.maxDesc)
		p.Company = doc.Name
		col.add(p)
	}
	col.snap.Validators = ans.validators
	return &col.snap, nil
}

func (c *Workable) posting(base string, j workableJob, maxDesc int) domain.BoardPosting {
	code := strings.TrimSpace(j.Shortcode)
	u := strings.TrimSpace(j.URL)
	if u == "" {
		u = j.Shortlink
	}
	if u == "" && code != "" {
		u = base + "/j/" + url.PathEscape(code)
	}
	location := joinNonEmpty(", ", j.City, j.State, j.Country)
	if location == "" {
		for _, l := range j.Locations {
			if !l.Hidden {
				location = joinNonEmpty(", ", l.City, l.Region, l.Country)
				break
			}
		}
	}
	return domain.BoardPosting{
		ExternalID: code,
		Title:      j.Title,
		Location:   location,
		Department: j.Department,
		Remote:     j.Telecommuting || strings.EqualFold(j.WorkplaceType, "remote"),
		Description: sections(
			[2]string{"", htmlText(j.Description, maxDesc)},
			[2]string{"Requirements", htmlText(j.Requirements, maxDesc)},
			[2]string{"Benefits", htmlText(j.Benefits, maxDesc)},
		),
		URL:            u,
		ApplyURL:       j.ApplicationURL,
		EmploymentType: j.EmploymentType,
		UpdatedAt:      latest(parseTime(j.CreatedAt), parseTime(j.PublishedOn)),
	}
}
