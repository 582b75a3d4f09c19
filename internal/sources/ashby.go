package sources

import (
	"context"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// Ashby reads Ashby job boards through the public Job Postings API
// (developers.ashbyhq.com/docs/public-job-posting-api):
//
//	GET /posting-api/job-board/{name}?includeCompensation=true    every published job, one document
//
// No paging: the board is one document, asked conditionally. Unlisted jobs
// (isListed false) are not the board's listing and are left out. Form
// fields come from the hosted form: Questions stays nil. The board names
// no company: Company stays "" (the source's display name stands in).
type Ashby struct{ Options }

// Platform implements domain.BoardClient.
func (c *Ashby) Platform() domain.Platform { return domain.PlatformAshby }

type ashbyComponent struct {
	CompensationType string     `json:"compensationType"` // Salary, EquityPercentage, Bonus…
	Interval         string     `json:"interval"`         // "1 YEAR", "1 HOUR", "NONE"
	CurrencyCode     string     `json:"currencyCode"`
	MinValue         jsonNumber `json:"minValue"`
	MaxValue         jsonNumber `json:"maxValue"`
}

type ashbyJob struct {
	ID               string `json:"id"`
	Title            string `json:"title"`
	Department       string `json:"department"`
	Team             string `json:"team"`
	EmploymentType   string `json:"employmentType"` // FullTime, PartTime, Intern, Contract, Temporary
	Location         string `json:"location"`
	IsListed         *bool  `json:"isListed"`
	IsRemote         bool   `json:"isRemote"`
	WorkplaceType    string `json:"workplaceType"` // OnSite, Remote, Hybrid
	DescriptionHTML  string `json:"descriptionHtml"`
	DescriptionPlain string `json:"descriptionPlain"`
	PublishedAt      string `json:"publishedAt"`
	UpdatedAt        string `json:"updatedAt"`
	JobURL           string `json:"jobUrl"`
	ApplyURL         string `json:"applyUrl"`
	Compensation     *struct {
		CompensationTierSummary             string `json:"compensationTierSummary"`
		ScrapeableCompensationSalarySummary string `json:"scrapeableCompensationSalarySummary"`
		CompensationTiers                   []struct {
			Title      string           `json:"title"`
			Components []ashbyComponent `json:"components"`
		} `json:"compensationTiers"`
	} `json:"compensation"`
}

// ashbyEmployment words Ashby's employment types.
var ashbyEmployment = map[string]string{
	"FullTime": "Full-time", "PartTime": "Part-time", "Intern": "Internship", "Contract": "Contract", "Temporary": "Temporary",
}

// Fetch implements domain.BoardClient.
func (c *Ashby) Fetch(ctx context.Context, board string, prev domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f, col, err := c.begin(domain.PlatformAshby, board, false)
	if err != nil {
		return nil, err
	}
	u := c.base(domain.PlatformAshby, board) + "/posting-api/job-board/" + url.PathEscape(board) + "?includeCompensation=true"
	ans, err := f.get(ctx, u, "application/json", "the job board", &prev)
	if err != nil {
		return nil, err
	}
	if ans.notModified {
		return &domain.BoardSnapshot{NotModified: true, Validators: ans.validators}, nil
	}
	var doc struct {
		Jobs []ashbyJob `json:"jobs"`
	}
	if err := f.decodeJSON("the job board", ans.body, &doc); err != nil {
		return nil, err
	}
	for _, j := range doc.Jobs {
		if j.IsListed != nil && !*j.IsListed {
			continue
		}
		col.add(c.posting(j, col.maxDesc))
	}
	col.snap.Validators = ans.validators
	return &col.snap, nil
}

func (c *Ashby) posting(j ashbyJob, maxDesc int) domain.BoardPosting {
	id := j.ID
	if id == "" {
		// The documented example has no id: the job URL ends with it.
		if u, err := url.Parse(j.JobURL); err == nil && strings.Count(strings.Trim(u.Path, "/"), "/") == 1 {
			id = path.Base(u.Path)
		}
	}
	desc := htmlText(j.DescriptionHTML, maxDesc)
	if desc == "" {
		desc = cleanText(j.DescriptionPlain, maxDesc)
	}
	department := j.Department
	if department == "" {
		department = j.Team
	}
	employment := j.EmploymentType
	if w, ok := ashbyEmployment[employment]; ok {
		employment = w
	}
	p := domain.BoardPosting{
		ExternalID:     id,
		Title:          j.Title,
		Location:       j.Location,
		Department:     department,
		Remote:         j.IsRemote || strings.EqualFold(j.WorkplaceType, "remote"),
		Description:    desc,
		URL:            j.JobURL,
		ApplyURL:       j.ApplyURL,
		EmploymentType: employment,
		UpdatedAt:      latest(parseTime(j.PublishedAt), parseTime(j.UpdatedAt)),
	}
	if comp := j.Compensation; comp != nil {
		var tiers []string
		for _, t := range comp.CompensationTiers {
			for _, k := range t.Components {
				if !strings.EqualFold(k.CompensationType, "Salary") {
					continue
				}
				if s := formatPay(k.CurrencyCode, k.MinValue.ptr(), k.MaxValue.ptr(), ashbyInterval(k.Interval)); s != "" {
					if title := plainLine(t.Title, maxLine); title != "" && len(comp.CompensationTiers) > 1 {
						s += " (" + title + ")"
					}
					tiers = append(tiers, s)
				}
			}
		}
		p.Compensation = strings.Join(tiers, "; ")
		if p.Compensation == "" {
			// No structured salary: Ashby's own summary, as it words it.
			p.Compensation = strings.TrimSpace(comp.ScrapeableCompensationSalarySummary)
		}
		if p.Compensation == "" {
			p.Compensation = strings.TrimSpace(comp.CompensationTierSummary)
		}
	}
	return p
}

// ashbyInterval words Ashby's "1 YEAR", "6 MONTH"; "" for "NONE".
func ashbyInterval(s string) string {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return ""
	}
	k, err := strconv.Atoi(n)
	if err != nil || k < 1 {
		return ""
	}
	return perPeriod(k, unit)
}
