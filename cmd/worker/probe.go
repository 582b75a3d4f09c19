package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/domain"
)

// probeUsage is `applyq-worker probe --help`.
const probeUsage = `Usage: applyq-worker probe [flags] URL...

Opens each posting's hosted application form (Greenhouse, Lever, Ashby) in
Chromium, reads every field it shows, and prints what applyq would fill from
the profile, which questions it would ask you, and what would stop it — then
saves a screenshot. It never types into a form and never clicks submit: run it
against live postings before you turn the browser applier on. It needs no
database.

URL is a posting's address, such as
  https://job-boards.greenhouse.io/acme/jobs/4012345
  https://jobs.lever.co/acme/5f6e7d8c-1111-4222-8333-944455566677
  https://jobs.ashbyhq.com/acme/5f6e7d8c-1111-4222-8333-944455566677

Flags:
`

// probeProfile is the profile a probe fills from (--profile, JSON).
type probeProfile struct {
	domain.Profile
	Email string `json:"email"`
}

// sampleProfile is the profile a probe uses without --profile.
var sampleProfile = probeProfile{Email: "ada@example.com", Profile: domain.Profile{Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace",
	Phone: "+44 20 7946 0000", Location: "London, United Kingdom", LinkedIn: "https://www.linkedin.com/in/ada-lovelace"}}

// probeCmd runs `applyq-worker probe`; it returns the exit code.
func probeCmd(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("probe", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	profilePath := fs.String("profile", "", "a JSON file with the profile to fill from (name, first_name, last_name, email, phone, location, linkedin, github, website, current_company); default: a sample profile")
	resume := fs.String("resume", "", "the résumé you would send (only its name is used: nothing is uploaded)")
	out := fs.String("out", "probe", "the folder the screenshots go to")
	chromium := fs.String("chromium", browser.DefaultChromium, "the Chromium binary")
	baseURLs := fs.StringToString("base-url", nil, "platform=URL: open that platform's forms there instead (a proxy, a replica), such as greenhouse=http://127.0.0.1:8081")
	timeout := fs.Duration("timeout", time.Minute, "how long one posting may take")
	asJSON := fs.Bool("json", false, "print one JSON object per posting")
	fs.Usage = func() { _, _ = fmt.Fprint(stderr, probeUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	profile := sampleProfile
	if *profilePath != "" {
		b, err := os.ReadFile(*profilePath)
		if err == nil {
			err = json.Unmarshal(b, &profile)
		}
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "probe: reading --profile %s: %v\n", *profilePath, err)
			return 2
		}
	}
	bases := map[domain.Platform]string{}
	for p, u := range *baseURLs {
		if !domain.Platform(p).Valid() {
			_, _ = fmt.Fprintf(stderr, "probe: --base-url %s=…: not a platform (greenhouse, lever, ashby)\n", p)
			return 2
		}
		bases[domain.Platform(p)] = u
	}
	targets := make([]domain.FormTarget, 0, fs.NArg())
	for _, raw := range fs.Args() {
		t, err := probeTarget(raw)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "probe: %s: %s\n", raw, domain.ErrorMessage(err))
			return 2
		}
		targets = append(targets, t)
	}
	if err := os.MkdirAll(*out, 0o750); err != nil {
		_, _ = fmt.Fprintf(stderr, "probe: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := browser.New(browser.Options{ChromiumPath: *chromium, MaxBrowsers: 1, Deadline: *timeout, BaseURLs: bases, Log: zap.NewNop()})
	defer a.Close()
	if err := a.Ready(); err != nil {
		_, _ = fmt.Fprintf(stderr, "probe: %v\n", err)
		return 1
	}
	code := 0
	for _, t := range targets {
		pr, err := a.Probe(ctx, t)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "probe: %s %s/%s: %v\n", t.Platform, t.Board, t.PostingID, err)
			code = 1
			continue
		}
		shot := ""
		if len(pr.Screenshot) > 0 {
			ext := ".png"
			if pr.ScreenshotType == "image/jpeg" {
				ext = ".jpg"
			}
			shot = filepath.Join(*out, safeName(string(t.Platform)+"-"+t.Board+"-"+t.PostingID)+ext)
			if err := os.WriteFile(shot, pr.Screenshot, 0o600); err != nil {
				_, _ = fmt.Fprintf(stderr, "probe: %v\n", err)
				code = 1
			}
		}
		report := probeReport(t, pr, profile, *resume, shot)
		if *asJSON {
			b, _ := json.Marshal(report)
			_, _ = fmt.Fprintln(stdout, string(b))
		} else {
			report.print(stdout)
		}
	}
	return code
}

// probeTarget is the posting a URL names on Greenhouse, Lever or Ashby.
func probeTarget(raw string) (domain.FormTarget, error) {
	key, err := domain.CanonicalJobKey(raw)
	if err != nil {
		return domain.FormTarget{}, err
	}
	p, board, id := domain.PostingOnBoard(&domain.JobPosting{CanonicalKey: key})
	switch {
	case p != domain.PlatformGreenhouse && p != domain.PlatformLever && p != domain.PlatformAshby:
		return domain.FormTarget{}, domain.Errorf(domain.EINVALID, "not a Greenhouse, Lever or Ashby posting (the browser fills only their forms)")
	case board == "" || id == "":
		return domain.FormTarget{}, domain.Errorf(domain.EINVALID, "not a posting's address (a board's page names no posting)")
	}
	return domain.FormTarget{Platform: p, Board: board, PostingID: id}, nil
}

// report is what a probe prints about one posting.
type report struct {
	Posting    string     `json:"posting"`
	Form       string     `json:"form"`
	Took       string     `json:"took"`
	Stopped    string     `json:"stopped,omitempty"`
	Widgets    []string   `json:"invisible_checks,omitempty"`
	Fill       []fillLine `json:"would_fill,omitempty"`
	Ask        []askLine  `json:"would_ask,omitempty"`
	Blank      []string   `json:"would_leave_blank,omitempty"`
	Screenshot string     `json:"screenshot,omitempty"`
	Questions  int        `json:"fields"`
	Hash       string     `json:"form_hash,omitempty"`
}

type fillLine struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Source string `json:"from"`
}

type askLine struct {
	Label    string `json:"label"`
	Kind     string `json:"kind"`
	Category string `json:"category"`
	Why      string `json:"why"`
}

func probeReport(t domain.FormTarget, pr *browser.Probe, profile probeProfile, resume, shot string) report {
	r := report{Posting: string(t.Platform) + " " + t.Board + "/" + t.PostingID, Form: pr.URL, Took: pr.Took.Round(10 * time.Millisecond).String(),
		Stopped: pr.Stopped, Widgets: pr.Widgets, Screenshot: shot}
	if pr.Form == nil {
		return r
	}
	r.Questions, r.Hash = len(pr.Form.Questions), pr.Form.Hash
	m := domain.Materials{Profile: profile.Profile, Email: profile.Email, CoverLetter: "(your run's cover letter)", Library: domain.NewLibrary(nil)}
	if resume != "" {
		m.Resume = &domain.FormFile{Kind: "resume", Filename: filepath.Base(resume)}
	}
	form, waiting := domain.FillForm(pr.Form.Questions, m)
	asked := map[string]bool{}
	for _, w := range waiting {
		r.Ask = append(r.Ask, askLine{Label: w.Label, Kind: string(w.Kind), Category: string(w.Category), Why: w.Why})
		asked[w.Label] = true
	}
	for _, f := range form.Fields {
		switch {
		case !f.Empty():
			r.Fill = append(r.Fill, fillLine{Label: f.Label, Value: short(f.Display()), Source: string(f.Source)})
		case !asked[f.Label]:
			r.Blank = append(r.Blank, f.Label)
		}
	}
	return r
}

func (r report) print(w io.Writer) {
	p := func(format string, a ...any) { _, _ = fmt.Fprintf(w, format, a...) }
	p("%s\n  form: %s (read in %s)\n", r.Posting, r.Form, r.Took)
	for _, x := range r.Widgets {
		p("  on the page: %s — part of the page, it does not stop applyq\n", x)
	}
	if r.Stopped != "" {
		p("  WOULD STOP before typing anything: %s\n", r.Stopped)
	} else {
		p("  %d fields\n", r.Questions)
	}
	for _, f := range r.Fill {
		p("  would fill   %-40s %s (%s)\n", f.Label, f.Value, f.Source)
	}
	for _, a := range r.Ask {
		p("  would ask    %-40s %s, %s: %s\n", a.Label, a.Kind, a.Category, a.Why)
	}
	for _, b := range r.Blank {
		p("  leave blank  %s (optional)\n", b)
	}
	if r.Screenshot != "" {
		p("  screenshot: %s\n", r.Screenshot)
	}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}
