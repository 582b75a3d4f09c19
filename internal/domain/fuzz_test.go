package domain_test

import (
	"strings"
	"testing"
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
	for _, s := range []string{"Dear {{.company}}", "{{.nope}}", "{{", "{{range .}}{{end}}", "{{template \"x\"}}", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		out, err := domain.RenderCoverLetter(tmpl, domain.SampleTemplateVars())
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("template error not coded: %v", err)
			}
			return
		}
		if len(out) > 10*len(tmpl)+1000 {
			t.Fatalf("output blew up: %d bytes from %d", len(out), len(tmpl))
		}
	})
}
