package domain_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

func TestLineProblem(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, s   string
		max       int
		line, txt string // the problem as one line, and as multi-line text
	}{
		{"empty", "", 5, "", ""},
		{"multibyte at the limit", strings.Repeat("é", 5), 5, "", ""},
		{"emoji at the limit", strings.Repeat("🚀", 5), 5, "", ""},
		{"one character over", strings.Repeat("é", 6), 5, "must be at most 5 characters, got 6", "must be at most 5 characters, got 6"},
		{"no limit", strings.Repeat("é", 600), 0, "", ""},
		{"NUL", "a\x00b", 5, `must not contain NUL characters (\u0000)`, `must not contain NUL characters (\u0000)`},
		{"not UTF-8", "a\xffb", 5, "must be valid UTF-8 text", "must be valid UTF-8 text"},
		{"truncated UTF-8", "\xc3", 5, "must be valid UTF-8 text", "must be valid UTF-8 text"},
		{"line break", "a\nb", 5, "must not contain control characters such as line breaks or tabs", ""},
		{"tab and CR", "a\t\r\nb", 5, "must not contain control characters such as line breaks or tabs", ""},
		{"bell", "a\ab", 5, "must not contain control characters such as line breaks or tabs", "must not contain control characters other than tabs and line breaks"},
		{"DEL", "a\x7fb", 5, "must not contain control characters such as line breaks or tabs", "must not contain control characters other than tabs and line breaks"},
		{"C1 control", "a\u0085b", 5, "must not contain control characters such as line breaks or tabs", "must not contain control characters other than tabs and line breaks"},
	} {
		require.Equal(t, c.line, domain.LineProblem(c.s, c.max), c.name)
		require.Equal(t, c.txt, domain.TextProblem(c.s, c.max), c.name)
	}
}

// TestLimits_CountCharactersNotBytes: every limit promised in characters
// takes that many two-byte characters and refuses one more.
func TestLimits_CountCharactersNotBytes(t *testing.T) {
	t.Parallel()
	e := func(n int) string { return strings.Repeat("é", n) }
	fieldErr := func(err error, field string) string {
		if err == nil {
			return ""
		}
		fields, _ := domain.ErrorDetails(err)["fields"].(map[string]any)
		s, _ := fields[field].(string)
		return s
	}

	run := func(name string) error { return (&domain.RunCreate{Name: name}).Validate() }
	require.NoError(t, run(e(200)))
	require.Contains(t, fieldErr(run(e(201)), "name"), "at most 200 characters")
	upd := func(name string) error { return (&domain.RunUpdate{Name: &name}).Validate() }
	require.NoError(t, upd(e(200)))
	require.Contains(t, fieldErr(upd(e(201)), "name"), "at most 200 characters")

	for field, max := range map[string]int{"name": 200, "phone": 50, "location": 200} {
		set := func(s string) *domain.Profile {
			p := &domain.Profile{}
			switch field {
			case "name":
				p.Name = s
			case "phone":
				p.Phone = s
			case "location":
				p.Location = s
			}
			return p
		}
		require.NoError(t, set(e(max)).Validate(10), field)
		require.Contains(t, fieldErr(set(e(max+1)).Validate(10), field), "characters", field)
	}
	link := func(name string) error {
		return (&domain.Profile{Links: map[string]string{name: "https://example.com/" + e(2000)}}).Validate(10)
	}
	require.NoError(t, link(e(50)))
	require.NotEmpty(t, fieldErr(link(e(51)), "links"))
	resume := func(n int) error {
		u := "https://example.com/"
		return (&domain.Profile{ResumeURL: u + e(n-len(u))}).Validate(10)
	}
	require.NoError(t, resume(2048))
	require.NotEmpty(t, fieldErr(resume(2049), "resume_url"))

	for _, c := range []struct {
		field string
		max   int
		set   func(*domain.JobInput, string)
	}{
		{"company", 300, func(in *domain.JobInput, s string) { in.Company = s }},
		{"title", 300, func(in *domain.JobInput, s string) { in.Title = s }},
		{"location", 300, func(in *domain.JobInput, s string) { in.Location = s }},
		{"source", 100, func(in *domain.JobInput, s string) { in.Source = s }},
		{"external_id", 200, func(in *domain.JobInput, s string) { in.ExternalID = s }},
		{"description", 100_000, func(in *domain.JobInput, s string) { in.Description = s }},
	} {
		in := domain.JobInput{URL: "https://example.com/job"}
		c.set(&in, e(c.max))
		_, err := in.Normalize()
		require.NoError(t, err, c.field)
		c.set(&in, e(c.max+1))
		_, err = in.Normalize()
		require.Contains(t, fieldErr(err, c.field), "at most", c.field)
	}

	// An address of 254 characters, some of them two bytes each, is not too long.
	local := e(60)
	domainPart := strings.Repeat("a", 254-60-1-4) + ".com"
	_, err := domain.NormalizeEmail(local + "@" + domainPart)
	require.NotContains(t, fieldErr(err, "email"), "at most", "254 characters pass the length check")
	_, err = domain.NormalizeEmail(local + "a@" + domainPart)
	require.Contains(t, fieldErr(err, "email"), "at most 254 characters")

	f := domain.JobFilter{Text: e(300)}
	require.NoError(t, f.Validate())
	f.Text = e(301)
	require.Contains(t, fieldErr(f.Validate(), "q"), "at most 300 characters")
}

func TestJobInput_RefusesTextPostgresCannotStore(t *testing.T) {
	t.Parallel()
	in := domain.JobInput{URL: "https://example.com/job", Title: "a\x00b", Raw: map[string]any{"k": []any{1.0, "ok", map[string]any{"x\x00": "v"}}}}
	_, err := in.Normalize()
	fields, _ := domain.ErrorDetails(err)["fields"].(map[string]any)
	require.Equal(t, `must not contain NUL characters (\u0000)`, fields["title"])
	require.Contains(t, fields["raw.k[2]"], "has a key with a NUL character")

	path, problem, ok := domain.NULProblem(map[string]any{"a": map[string]any{"b": []any{"fine", "bad\xff"}}})
	require.False(t, ok)
	require.Equal(t, "a.b[1]", path)
	require.Equal(t, "must be valid UTF-8 text", problem)
}

// TestWebAddress_AddsHTTPSWherePeopleLeaveItOut: an address written
// without a scheme gets https://; anything else is left for validation.
func TestWebAddress_AddsHTTPSWherePeopleLeaveItOut(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"linkedin.com/in/ada":      "https://linkedin.com/in/ada",
		"www.linkedin.com/in/ada/": "https://www.linkedin.com/in/ada/",
		"github.com/ada":           "https://github.com/ada",
		"ada.dev":                  "https://ada.dev",
		"https://ada.dev":          "https://ada.dev",
		"http://ada.dev/cv.pdf":    "http://ada.dev/cv.pdf",
		"":                         "",
		"not a url":                "not a url",
		"javascript:alert(1)":      "javascript:alert(1)",
		"localhost/x":              "localhost/x",
		"ada@example.com":          "ada@example.com",
		"ftp://ada.dev":            "ftp://ada.dev",
		"example.com:8080/x":       "example.com:8080/x",
		".example.com":             ".example.com",
	} {
		require.Equal(t, want, domain.WebAddress(in), in)
	}
	// Through a profile update: the links and the résumé URL, not the rest.
	u := &domain.User{}
	up := domain.ProfileUpdate{LinkedIn: new(" linkedin.com/in/ada "), Website: new("ada.dev"), GitHub: new("github.com/ada"),
		ResumeURL: new("ada.dev/cv.pdf"), Location: new("london.uk")}
	p, _, _ := up.Apply(u)
	require.Equal(t, "https://linkedin.com/in/ada", p.LinkedIn)
	require.Equal(t, "https://ada.dev", p.Website)
	require.Equal(t, "https://github.com/ada", p.GitHub)
	require.Equal(t, "https://ada.dev/cv.pdf", p.ResumeURL)
	require.Equal(t, "london.uk", p.Location)
	require.NoError(t, p.Validate(10))
}
