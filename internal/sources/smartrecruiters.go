package sources

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// SmartRecruiters reads SmartRecruiters career sites through the public
// Posting API (developers.smartrecruiters.com/docs/posting-api):
//
//	GET /v1/companies/{company}/postings?limit=M&offset=N    a page of active postings, with totalFound
//	GET /v1/companies/{company}/postings/{id}                one posting: its job ad and URLs
//
// The list carries no description, so each posting is read too,
// Options.Concurrency at a time. Paged, the listing is not asked
// conditionally. The screening questions are not in the Posting API:
// Questions stays nil.
//
// The API answers an unknown company with an empty list, not a 404: such
// a board syncs to no postings.
type SmartRecruiters struct{ Options }

// Platform implements domain.BoardClient.
func (c *SmartRecruiters) Platform() domain.Platform { return domain.PlatformSmartRecruiters }

type srLabel struct {
	Label string `json:"label"`
}

type srPosting struct {
	ID       jsonString `json:"id"`
	Name     string     `json:"name"`
	Released string     `json:"releasedDate"`
	Company  struct {
		Name string `json:"name"`
	} `json:"company"`
	Location struct {
		City         string `json:"city"`
		Region       string `json:"region"`
		Country      string `json:"country"`
		FullLocation string `json:"fullLocation"`
		Remote       bool   `json:"remote"`
	} `json:"location"`
	Department       srLabel `json:"department"`
	Function         srLabel `json:"function"`
	TypeOfEmployment srLabel `json:"typeOfEmployment"`
}

type srDetail struct {
	srPosting
	PostingURL string `json:"postingUrl"`
	ApplyURL   string `json:"applyUrl"`
	JobAd      struct {
		Sections map[string]struct {
			Title string `json:"title"`
			Text  string `json:"text"` // HTML
		} `json:"sections"`
	} `json:"jobAd"`
}

// srSections is the order the job ad's sections are read in.
var srSections = []string{"companyDescription", "jobDescription", "qualifications", "additionalInformation"}

// Fetch implements domain.BoardClient.
func (c *SmartRecruiters) Fetch(ctx context.Context, board string, _ domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f, col, err := c.begin(domain.PlatformSmartRecruiters, board, false)
	if err != nil {
		return nil, err
	}
	base := c.base(domain.PlatformSmartRecruiters, board) + "/v1/companies/" + url.PathEscape(board) + "/postings"
	read := func(ctx context.Context, offset, limit int) ([]srPosting, int, error) {
		what := "the postings from " + strconv.Itoa(offset)
		a, err := f.get(ctx, base+"?limit="+strconv.Itoa(limit)+"&offset="+strconv.Itoa(offset), "application/json", what, nil)
		if err != nil {
			return nil, 0, err
		}
		var page struct {
			TotalFound *int        `json:"totalFound"`
			Content    []srPosting `json:"content"`
		}
		if err := f.decodeJSON(what, a.body, &page); err != nil {
			return nil, 0, err
		}
		total := -1
		if page.TotalFound != nil {
			total = *page.TotalFound
		}
		return page.Content, total, nil
	}
	list, err := readPages(ctx, f, c.pageSize(), read, func(p srPosting) string { return string(p.ID) + "\x00" + p.Name })
	if err != nil {
		return nil, err
	}

	keep := make([]int, 0, len(list))
	seen := map[string]bool{}
	for i, p := range list {
		id := strings.TrimSpace(string(p.ID))
		if domain.CheckPostingID(id) == nil && plainLine(p.Name, maxLine) != "" && !seen[id] {
			seen[id] = true
			keep = append(keep, i)
		}
	}
	details, gone, err := readDetails[srDetail](ctx, f, len(list), keep, c.concurrency(), "postings", func(i int) (string, string) {
		id := strings.TrimSpace(string(list[i].ID))
		return base + "/" + url.PathEscape(id), "posting " + id
	})
	if err != nil {
		return nil, err
	}
	for i, p := range list {
		switch {
		case gone[i]:
		case details[i] == nil:
			col.add(domain.BoardPosting{ExternalID: string(p.ID), Title: p.Name})
		default:
			col.add(c.posting(board, p, details[i], col.maxDesc))
		}
	}
	return &col.snap, nil
}

func (c *SmartRecruiters) posting(board string, p srPosting, d *srDetail, maxDesc int) domain.BoardPosting {
	var blocks [][2]string
	for _, name := range srSections {
		if s, ok := d.JobAd.Sections[name]; ok {
			blocks = append(blocks, [2]string{plainLine(s.Title, maxLine), htmlText(s.Text, maxDesc)})
		}
	}
	loc := p.Location
	location := loc.FullLocation
	if location == "" {
		location = joinNonEmpty(", ", loc.City, loc.Region, strings.ToUpper(loc.Country))
	}
	department := p.Department.Label
	if department == "" {
		department = p.Function.Label
	}
	id := strings.TrimSpace(string(p.ID))
	postingURL := d.PostingURL
	if postingURL == "" {
		postingURL = "https://jobs.smartrecruiters.com/" + url.PathEscape(board) + "/" + url.PathEscape(id)
	}
	return domain.BoardPosting{
		ExternalID:     id,
		Title:          p.Name,
		Company:        joinNonEmpty("", p.Company.Name, d.Company.Name),
		Location:       location,
		Department:     department,
		Remote:         loc.Remote || d.Location.Remote,
		Description:    sections(blocks...),
		URL:            postingURL,
		ApplyURL:       d.ApplyURL,
		EmploymentType: p.TypeOfEmployment.Label,
		UpdatedAt:      latest(parseTime(p.Released), parseTime(d.Released)),
	}
}
