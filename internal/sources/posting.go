package sources

import (
	"bytes"
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// Limits of a posting's one-line fields, domain.JobInput's.
const (
	maxLine  = 300
	maxID    = 200
	maxURL   = 2048
	maxLabel = 1000 // a question's label can be a sentence or two
)

// collector assembles a snapshot: every posting normalised, those without
// an id or a title skipped (and those whose id could not be used in a
// request path: domain.CheckPostingID), a repeated id kept once, and the
// count of what was left out in Skipped.
type collector struct {
	platform domain.Platform
	board    string
	maxDesc  int
	seen     map[string]bool
	snap     domain.BoardSnapshot
}

func newCollector(p domain.Platform, board string, o *Options) *collector {
	maxDesc := o.MaxDescriptionChars
	if maxDesc <= 0 {
		maxDesc = DefaultMaxDescriptionChars
	}
	return &collector{platform: p, board: board, maxDesc: maxDesc, seen: map[string]bool{},
		snap: domain.BoardSnapshot{Postings: []domain.BoardPosting{}}}
}

// add normalises p's text fields (titles and other lines may be HTML; the
// description is text already, and is tidied and capped once more) and
// keeps it unless it has no id or title or its id was seen.
func (c *collector) add(p domain.BoardPosting) {
	p.ExternalID = strings.TrimSpace(p.ExternalID)
	p.Title = plainLine(p.Title, maxLine)
	if p.ExternalID == "" || p.Title == "" || domain.LineProblem(p.ExternalID, maxID) != "" || domain.CheckPostingID(p.ExternalID) != nil {
		c.snap.Skipped++
		return
	}
	key := domain.BoardPostingKey(c.platform, c.board, p.ExternalID)
	if c.seen[key] {
		c.snap.Skipped++
		return
	}
	c.seen[key] = true
	p.Company = plainLine(p.Company, maxLine)
	p.Location = plainLine(p.Location, maxLine)
	p.Department = plainLine(p.Department, maxLine)
	p.EmploymentType = plainLine(p.EmploymentType, maxLine)
	p.Compensation = plainLine(p.Compensation, maxLine)
	p.Description = cleanText(p.Description, c.maxDesc)
	p.URL = checkURL(p.URL)
	p.ApplyURL = checkURL(p.ApplyURL)
	if p.UpdatedAt != nil && p.UpdatedAt.IsZero() {
		p.UpdatedAt = nil
	}
	c.snap.Postings = append(c.snap.Postings, p)
}

// checkURL keeps an absolute http(s) URL of a sane length, "" otherwise: a
// link the dashboard shows must not be javascript: or garbage.
func checkURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxURL || domain.LineProblem(raw, 0) != "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return raw
}

// questions keeps the questions with a field, once per field, with their
// labels and option labels as plain lines.
func questions(qs []domain.Question) []domain.Question {
	out := make([]domain.Question, 0, len(qs))
	seen := map[string]bool{}
	for _, q := range qs {
		q.Field = strings.TrimSpace(q.Field)
		if q.Field == "" || seen[q.Field] || domain.LineProblem(q.Field, maxLine) != "" {
			continue
		}
		seen[q.Field] = true
		q.Label = plainLine(q.Label, maxLabel)
		if q.Label == "" {
			q.Label = q.Field
		}
		opts := q.Options[:0:0]
		for _, o := range q.Options {
			o.Label, o.Value = plainLine(o.Label, maxLine), strings.TrimSpace(o.Value)
			if o.Label == "" {
				o.Label = o.Value
			}
			if o.Label != "" {
				opts = append(opts, o)
			}
		}
		q.Options = opts
		if len(q.Options) == 0 {
			q.Options = nil
		}
		out = append(out, q)
	}
	return out
}

// jsonString is a JSON string or number (ids: Greenhouse's are numbers,
// SmartRecruiters' strings), as text; a number keeps its literal digits.
type jsonString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *jsonString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonString(v)
	case b[0] == 't' || b[0] == 'f':
		*s = jsonString(b)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = jsonString(n.String())
	}
	return nil
}

// jsonNumber is a JSON number or a numeric string (Recruitee's salary
// bounds come both ways); null, "" and anything else are no number.
type jsonNumber struct {
	v  float64
	ok bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *jsonNumber) UnmarshalJSON(b []byte) error {
	var s jsonString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
	*n = jsonNumber{v: v, ok: err == nil && !math.IsInf(v, 0) && !math.IsNaN(v)}
	return nil
}

func (n jsonNumber) ptr() *float64 {
	if !n.ok {
		return nil
	}
	return &n.v
}

// timeLayouts are the date forms the boards use.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05 MST", // Recruitee: "2024-04-24 10:13:38 UTC"
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// parseTime reads a board's date; nil when there is none or it is unreadable.
func parseTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

// unixMillis is a time from milliseconds since the epoch (Lever's createdAt).
func unixMillis(ms int64) *time.Time {
	if ms <= 0 {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}

// latest is the later of two times, either possibly nil.
func latest(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}

// formatPay renders a pay range in words: "USD 120,000 – 150,000 per
// year", "from EUR 50,000 per year", "up to GBP 40 per hour"; "" when
// there is no bound. per is the period in words ("per year") or "".
func formatPay(currency string, lo, hi *float64, per string) string {
	if lo != nil && *lo <= 0 {
		lo = nil
	}
	if hi != nil && *hi <= 0 {
		hi = nil
	}
	var s string
	switch {
	case lo != nil && hi != nil && *lo == *hi:
		s = amount(*lo)
	case lo != nil && hi != nil:
		s = amount(min(*lo, *hi)) + " – " + amount(max(*lo, *hi))
	case lo != nil:
		s = amount(*lo)
	case hi != nil:
		s = amount(*hi)
	default:
		return ""
	}
	if c := strings.ToUpper(strings.TrimSpace(currency)); c != "" {
		s = c + " " + s
	}
	switch {
	case lo != nil && hi == nil:
		s = "from " + s
	case lo == nil:
		s = "up to " + s
	}
	if per != "" {
		s += " " + per
	}
	return s
}

// amount writes v with thousands separators and at most two decimals.
func amount(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) == 1 {
		frac += "0"
	}
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// perPeriod words a pay period: "year" → "per year", "6 month" → "per 6
// months"; "" for an unknown or absent one.
func perPeriod(n int, unit string) string {
	unit = strings.ToLower(strings.TrimSpace(unit))
	switch unit {
	case "year", "month", "week", "day", "hour":
	case "annual", "yearly":
		unit = "year"
	case "monthly":
		unit = "month"
	case "weekly":
		unit = "week"
	case "daily":
		unit = "day"
	case "hourly":
		unit = "hour"
	default:
		return ""
	}
	if n > 1 {
		return "per " + strconv.Itoa(n) + " " + unit + "s"
	}
	return "per " + unit
}

// remoteWord finds "remote" as a word in a location, for the boards that
// have no remote flag (Greenhouse, Personio).
var remoteWord = regexp.MustCompile(`(?i)\bremote\b`)

func looksRemote(location string) bool { return remoteWord.MatchString(location) }

// joinNonEmpty joins the non-empty, trimmed parts with sep, each once.
func joinNonEmpty(sep string, parts ...string) string {
	out := make([]string, 0, len(parts))
	seen := map[string]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p != "" && !seen[strings.ToLower(p)] {
			seen[strings.ToLower(p)] = true
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// sections joins titled blocks of text into one description: a title line
// above each block that has text.
func sections(blocks ...[2]string) string {
	var b strings.Builder
	for _, blk := range blocks {
		title, text := strings.TrimSpace(blk[0]), strings.TrimSpace(blk[1])
		if text == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		if title != "" {
			b.WriteString(title + "\n")
		}
		b.WriteString(text)
	}
	return b.String()
}
