package sources

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// Lever reads Lever job sites through the Postings API
// (github.com/lever/postings-api):
//
//	GET /v0/postings/{site}?mode=json&skip=N&limit=M    a page of published postings
//
// There is no total, so pages are read until one is short (see readPages
// for how a listing that changes meanwhile is caught). A site unknown to
// BaseURL is asked of EUBaseURL: EU sites (jobs.eu.lever.co) live on their
// own instance. The API does not expose custom questions: Questions stays
// nil and the applier reads the hosted form. Nor does it name the
// company: Company stays "" (the source's display name stands in). Paged, the listing is not
// asked conditionally.
type Lever struct{ Options }

// Platform implements domain.BoardClient.
func (c *Lever) Platform() domain.Platform { return domain.PlatformLever }

type leverPosting struct {
	ID         string `json:"id"`
	Text       string `json:"text"`
	Categories struct {
		Location     string   `json:"location"`
		AllLocations []string `json:"allLocations"`
		Commitment   string   `json:"commitment"`
		Team         string   `json:"team"`
		Department   string   `json:"department"`
	} `json:"categories"`
	Description      string `json:"description"`
	DescriptionPlain string `json:"descriptionPlain"`
	Lists            []struct {
		Text    string `json:"text"`
		Content string `json:"content"` // HTML list items
	} `json:"lists"`
	Additional      string `json:"additional"`
	AdditionalPlain string `json:"additionalPlain"`
	HostedURL       string `json:"hostedUrl"`
	ApplyURL        string `json:"applyUrl"`
	WorkplaceType   string `json:"workplaceType"` // unspecified, on-site, remote, hybrid
	CreatedAt       int64  `json:"createdAt"`     // ms since the epoch
	SalaryRange     *struct {
		Currency string     `json:"currency"`
		Interval string     `json:"interval"` // per-year-salary, per-hour-wage…
		Min      jsonNumber `json:"min"`
		Max      jsonNumber `json:"max"`
	} `json:"salaryRange"`
}

// Fetch implements domain.BoardClient.
func (c *Lever) Fetch(ctx context.Context, board string, _ domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f, col, err := c.begin(domain.PlatformLever, board, false)
	if err != nil {
		return nil, err
	}
	postings, err := c.list(ctx, f, c.base(domain.PlatformLever, board), board)
	if isNotFound(err) && c.EUBaseURL != "" && strings.TrimRight(c.EUBaseURL, "/") != c.base(domain.PlatformLever, board) {
		postings, err = c.list(ctx, f, strings.TrimRight(c.EUBaseURL, "/"), board)
	}
	if err != nil {
		return nil, err
	}
	for _, p := range postings {
		col.add(c.posting(p, col.maxDesc))
	}
	return &col.snap, nil
}

func (c *Lever) list(ctx context.Context, f *fetcher, base, board string) ([]leverPosting, error) {
	endpoint := base + "/v0/postings/" + url.PathEscape(board) + "?mode=json"
	read := func(ctx context.Context, offset, limit int) ([]leverPosting, int, error) {
		what := "the postings from " + strconv.Itoa(offset)
		a, err := f.get(ctx, endpoint+"&skip="+strconv.Itoa(offset)+"&limit="+strconv.Itoa(limit), "application/json", what, nil)
		if err != nil {
			return nil, 0, err
		}
		var page []leverPosting
		if err := f.decodeJSON(what, a.body, &page); err != nil {
			return nil, 0, err
		}
		return page, -1, nil
	}
	return readPages(ctx, f, c.pageSize(), read, func(p leverPosting) string { return p.ID + "\x00" + p.Text })
}

func (c *Lever) posting(p leverPosting, maxDesc int) domain.BoardPosting {
	desc := htmlText(p.Description, maxDesc)
	if desc == "" {
		desc = cleanText(p.DescriptionPlain, maxDesc)
	}
	blocks := [][2]string{{"", desc}}
	for _, l := range p.Lists {
		blocks = append(blocks, [2]string{plainLine(l.Text, maxLine), htmlText("<ul>"+l.Content+"</ul>", maxDesc)})
	}
	additional := htmlText(p.Additional, maxDesc)
	if additional == "" {
		additional = cleanText(p.AdditionalPlain, maxDesc)
	}
	blocks = append(blocks, [2]string{"", additional})
	location := p.Categories.Location
	if location == "" {
		location = joinNonEmpty("; ", p.Categories.AllLocations...)
	}
	department := p.Categories.Department
	if department == "" {
		department = p.Categories.Team
	}
	out := domain.BoardPosting{
		ExternalID:     p.ID,
		Title:          p.Text,
		Location:       location,
		Department:     department,
		Remote:         strings.EqualFold(p.WorkplaceType, "remote"),
		Description:    sections(blocks...),
		URL:            p.HostedURL,
		ApplyURL:       p.ApplyURL,
		EmploymentType: p.Categories.Commitment,
		UpdatedAt:      unixMillis(p.CreatedAt),
	}
	if s := p.SalaryRange; s != nil {
		out.Compensation = formatPay(s.Currency, s.Min.ptr(), s.Max.ptr(), leverInterval(s.Interval))
	}
	return out
}

// leverInterval words Lever's salary interval: "per-year-salary" → "per
// year", "per-hour-wage" → "per hour", "one-time" → "one-time".
func leverInterval(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "one-time" {
		return s
	}
	parts := strings.Split(s, "-")
	if len(parts) >= 2 && parts[0] == "per" {
		return perPeriod(1, parts[1])
	}
	return ""
}
