package sources

import (
	"context"
	"encoding/xml"
	"net/url"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// Personio reads Personio career pages through their XML feed
// (support.personio.de, "XML integration of job openings"), served by
// each company's own host, https://{board}.jobs.personio.de:
//
//	GET /xml?language=en    <workzag-jobs><position>… every published position
//
// One document, asked conditionally. Personio answers an unknown company
// with a redirect to its home page, so a redirect is ErrBoardNotFound,
// unless it leads to the same path on another host (a company served from
// jobs.personio.com rather than .de), which is followed. The
// feed has no remote flag ("remote" in an office's name is read as one)
// and no form: Questions stays nil. A position's subcompany is its
// employer (Company); the feed names no other.
type Personio struct{ Options }

// Platform implements domain.BoardClient.
func (c *Personio) Platform() domain.Platform { return domain.PlatformPersonio }

type personioFeed struct {
	XMLName   xml.Name           `xml:"workzag-jobs"`
	Positions []personioPosition `xml:"position"`
}

type personioPosition struct {
	ID                string   `xml:"id"`
	Subcompany        string   `xml:"subcompany"`
	Office            string   `xml:"office"`
	AdditionalOffices []string `xml:"additionalOffices>office"`
	Department        string   `xml:"department"`
	Name              string   `xml:"name"`
	JobDescriptions   []struct {
		Name  string `xml:"name"`
		Value string `xml:"value"` // HTML, usually in CDATA
	} `xml:"jobDescriptions>jobDescription"`
	EmploymentType string `xml:"employmentType"` // permanent, intern, trainee, freelance…
	Schedule       string `xml:"schedule"`       // full-time, part-time…
	CreatedAt      string `xml:"createdAt"`
}

// Fetch implements domain.BoardClient.
func (c *Personio) Fetch(ctx context.Context, board string, prev domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f, col, err := c.begin(domain.PlatformPersonio, board, true)
	if err != nil {
		return nil, err
	}
	base := c.base(domain.PlatformPersonio, board)
	ans, err := f.get(ctx, base+"/xml?language=en", "application/xml, text/xml", "the positions feed", &prev)
	if err != nil {
		return nil, err
	}
	if ans.notModified {
		return &domain.BoardSnapshot{NotModified: true, Validators: ans.validators}, nil
	}
	var feed personioFeed
	if err := f.decodeXML("the positions feed", ans.body, &feed); err != nil {
		return nil, err
	}
	for _, p := range feed.Positions {
		col.add(c.posting(base, p, col.maxDesc))
	}
	col.snap.Validators = ans.validators
	return &col.snap, nil
}

func (c *Personio) posting(base string, p personioPosition, maxDesc int) domain.BoardPosting {
	id := strings.TrimSpace(p.ID)
	var blocks [][2]string
	for _, d := range p.JobDescriptions {
		blocks = append(blocks, [2]string{plainLine(d.Name, maxLine), htmlText(d.Value, maxDesc)})
	}
	location := joinNonEmpty("; ", append([]string{p.Office}, p.AdditionalOffices...)...)
	u := ""
	if id != "" {
		u = base + "/job/" + url.PathEscape(id)
	}
	return domain.BoardPosting{
		ExternalID:     id,
		Title:          p.Name,
		Company:        p.Subcompany,
		Location:       location,
		Department:     p.Department,
		Remote:         looksRemote(location),
		Description:    sections(blocks...),
		URL:            u,
		EmploymentType: joinNonEmpty(", ", p.EmploymentType, p.Schedule),
		UpdatedAt:      parseTime(p.CreatedAt),
	}
}
