package domain_test

import (
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// Fuzz targets: `make test` runs their seed corpora; `go test -fuzz=FuzzX`
// explores further.

func FuzzCanonicalJobKey(f *testing.F) {
	for _, s := range []string{"https://example.com/careers/123?utm_source=x#a", "https://boards.greenhouse.io/acme/jobs/1",
		"https://boards.greenhouse.io/embed/job_app?for=a&token=1", "https://jobs.lever.co/a/b/apply", "http://[::1]:80/x", "", "%", "https://x/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		key, err := domain.CanonicalJobKey(raw)
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if key == "" {
			t.Fatal("empty key for an accepted URL")
		}
		// Canonicalising a URL form of the key is stable for plain URLs.
		if rest, ok := strings.CutPrefix(key, "url:"); ok {
			again, err := domain.CanonicalJobKey("https://" + rest)
			if err == nil && again != key && !strings.Contains(rest, "%") {
				t.Fatalf("not idempotent: %q → %q → %q", raw, key, again)
			}
		}
	})
}

func FuzzParseToken(f *testing.F) {
	raw, _ := domain.NewToken(domain.PrefixSession)
	for _, s := range []string{raw, "aqs_", "aqs_" + strings.Repeat("A", 43), "aqm_x", "", strings.Repeat("a", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := domain.ParseToken(domain.PrefixSession, s)
		if err == nil && (!strings.HasPrefix(s, domain.PrefixSession) || len(s) != len(domain.PrefixSession)+43) {
			t.Fatalf("accepted malformed token %q", s)
		}
		if err != nil && domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("wrong code %v", err)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(domain.Cursor{Kind: "tasks", Time: time.Unix(1700000000, 0), ID: domain.NewID()}.Encode(), "tasks")
	f.Add("e30", "tasks")
	f.Add("!!", "claim")
	f.Fuzz(func(t *testing.T, s, kind string) {
		c, err := domain.DecodeCursor(s, kind)
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("wrong code %v", err)
			}
			return
		}
		if c != nil && (c.Kind != kind || c.ID.IsZero()) {
			t.Fatalf("accepted a cursor of another list: %+v", c)
		}
	})
}

func FuzzRenderCoverLetter(f *testing.F) {
	for _, s := range []string{"Dear {{.company}}", "{{.nope}}", "{{", "}}", "{{range .}}{{end}}", "{{template \"x\"}}", "plain",
		"{{range 350000000}}{{end}}", nestedDefines(23), "a \n{{- .name -}}\t b", "{{-\n.title\r-}}", "{{.job_url}}{{.job_url}}",
		"{{/* c */}}", "{{.company | printf \"%s\"}}", "Grüße {{ .name }}", strings.Repeat("{{.job_url}}", 17)} {
		f.Add(s)
	}
	// Every value at its longest: the worst case the save-time bound counts.
	longest, short := map[string]string{}, map[string]string{}
	for _, v := range domain.TemplateVariables() {
		longest[v.Name] = strings.Repeat("x", v.Max)
		short[v.Name] = "<" + v.Name + ">"
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		for _, vars := range []map[string]string{short, longest} {
			out, err := domain.RenderCoverLetter(tmpl, vars)
			if err != nil {
				if domain.ErrorCode(err) != domain.EINVALID {
					t.Fatalf("template error not coded: %v", err)
				}
				continue
			}
			if len(out) > domain.MaxCoverLetterBytes {
				t.Fatalf("output over the cap: %d bytes from %d", len(out), len(tmpl))
			}
		}
		parsed, err := domain.ParseCoverLetterTemplate(tmpl)
		if err != nil {
			if d := domain.ErrorDetails(err); d["line"] == nil || d["column"] == nil || d["offset"] == nil {
				t.Fatalf("refusal without a position: %v", err)
			}
			return
		}
		// An accepted template renders, at most as long as the bound, and as
		// text/template rendered it.
		for _, vars := range []map[string]string{short, longest} {
			out, err := parsed.Render(vars)
			if err != nil {
				if parsed.MaxLen() <= domain.MaxCoverLetterBytes {
					t.Fatalf("template within the bound did not render: %v", err)
				}
				continue
			}
			if len(out) > parsed.MaxLen() {
				t.Fatalf("rendered %d bytes, over the bound %d", len(out), parsed.MaxLen())
			}
			old, err := template.New("").Option("missingkey=error").Parse(tmpl)
			if err != nil {
				t.Fatalf("accepted what text/template refused: %v", err)
			}
			var want strings.Builder
			if err := old.Execute(&want, vars); err != nil {
				t.Fatalf("accepted what text/template could not render: %v", err)
			}
			if want.String() != out {
				t.Fatalf("renders %q, text/template rendered %q", out, want.String())
			}
		}
		if (domain.ValidateCoverLetterTemplate(tmpl) == nil) != (len(tmpl) <= domain.MaxCoverLetterTemplateBytes && parsed.MaxLen() <= domain.MaxCoverLetterBytes) {
			t.Fatalf("save check disagrees with the parse: bound %d", parsed.MaxLen())
		}
	})
}
