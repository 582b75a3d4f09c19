package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/proctest"
)

// The browser applier against local replicas of each platform's hosted
// form (internal/applier/browser/replica), in Debian's Chromium. Every test
// asserts what the replica received — the exact fields and files, once —
// or that it received nothing.

// chromium is the Chromium these tests drive (.ci/run installs it).
func chromium(t testing.TB) string { return proctest.Chromium(t) }

// documents is an in-memory document store: the bytes of each version.
type documents map[domain.ID][]byte

func (d documents) OpenForApplication(_ context.Context, _, id domain.ID) (io.ReadCloser, *domain.Document, error) {
	b, ok := d[id]
	if !ok {
		return nil, nil, fmt.Errorf("document %s: %w", id, domain.Errorf(domain.ENOTFOUND, "no such document"))
	}
	return io.NopCloser(bytes.NewReader(b)), &domain.Document{ID: id}, nil
}

var (
	resumeBytes = []byte("%PDF-1.4\nAda Lovelace — analyst\n%%EOF\n")
	letterBytes = []byte("%PDF-1.4\nDear Acme,\n%%EOF\n")
	sampleBytes = []byte("%PDF-1.4\nA work sample\n%%EOF\n")
	resume      = domain.FormFile{DocumentID: domain.NewID(), Kind: "resume", Name: "Résumé", Filename: "ada-lovelace.pdf", ContentType: "application/pdf"}
	letter      = domain.FormFile{DocumentID: domain.NewID(), Kind: "cover_letter", Name: "Letter", Filename: "letter.pdf", ContentType: "application/pdf"}
	sample      = domain.FormFile{DocumentID: domain.NewID(), Kind: "resume", Name: "Sample", Filename: "sample.pdf", ContentType: "application/pdf"}
	store       = documents{resume.DocumentID: resumeBytes, letter.DocumentID: letterBytes, sample.DocumentID: sampleBytes}
)

// newApplier is a browser applier whose forms are on srv.
func newApplier(t *testing.T, o browser.Options, srvs ...*replica.Server) *browser.Applier {
	t.Helper()
	o.ChromiumPath = chromium(t)
	if o.Files == nil {
		o.Files = store
	}
	o.Log = zaptest.NewLogger(t)
	o.BaseURLs = map[domain.Platform]string{}
	for _, s := range srvs {
		o.BaseURLs[s.Platform()] = s.URL()
	}
	if o.Deadline == 0 {
		o.Deadline = 45 * time.Second
	}
	a := browser.New(o)
	t.Cleanup(a.Close)
	return a
}

// questions are a job's custom questions, one of each kind, all required.
func questions(p domain.Platform) []replica.Question {
	id := func(n int) string {
		if p == domain.PlatformGreenhouse {
			return fmt.Sprint(4000 + n)
		}
		return fmt.Sprintf("7c3f0a51-0000-4000-8000-%012d", n)
	}
	return []replica.Question{
		{ID: id(1), Label: "Why Acme?", Kind: replica.KindText, Required: true},
		{ID: id(2), Label: "Tell us about a project you are proud of", Kind: replica.KindTextarea, Required: true},
		{ID: id(3), Label: "Which office?", Kind: replica.KindSingleSelect, Required: true,
			Options: []replica.Option{{Label: "Berlin", Value: "31"}, {Label: "Lisbon", Value: "32"}}},
		{ID: id(4), Label: "Which languages do you write?", Kind: replica.KindMultiSelect, Required: true,
			Options: []replica.Option{{Label: "Go", Value: "41"}, {Label: "SQL", Value: "42"}, {Label: "Rust", Value: "43"}}},
		{ID: id(5), Label: "Are you authorised to work in the EU?", Kind: replica.KindBoolean, Required: true},
		{ID: id(6), Label: "A work sample", Kind: replica.KindFile, Required: true},
	}
}

// answered is the approved form of job on p: the standard fields and an
// answer to each question; want is what the platform must receive.
func answered(p domain.Platform, qs []replica.Question) (*domain.Form, map[string][]string, map[string][]byte) {
	form := &domain.Form{}
	want := map[string][]string{}
	files := map[string][]byte{}
	text := func(name, value string) {
		form.Fields = append(form.Fields, domain.FormField{Field: name, Label: name, Kind: domain.QuestionText, Required: true, Value: value})
		want[name] = []string{value}
	}
	file := func(name string, f domain.FormFile, b []byte) {
		ff := f
		form.Fields = append(form.Fields, domain.FormField{Field: name, Label: name, Kind: domain.QuestionFile, Required: true, File: &ff})
		files[name] = b
	}
	switch p {
	case domain.PlatformGreenhouse:
		text("first_name", "Ada")
		text("last_name", "Lovelace")
		text("email", "ada@example.test")
		text("phone", "+44 20 7946 0000")
		file("resume", resume, resumeBytes)
		file("cover_letter", letter, letterBytes)
	case domain.PlatformLever:
		text("name", "Ada Lovelace")
		text("email", "ada@example.test")
		text("phone", "+44 20 7946 0000")
		text("org", "Analytical Engines Ltd")
		text("urls[LinkedIn]", "https://www.linkedin.com/in/ada")
		file("resume", resume, resumeBytes)
		text("comments", "Dear Acme, I would like to join.")
	case domain.PlatformAshby:
		text("_systemfield_name", "Ada Lovelace")
		text("_systemfield_email", "ada@example.test")
		text("_systemfield_phone", "+44 20 7946 0000")
		file("_systemfield_resume", resume, resumeBytes)
	}
	for _, q := range qs {
		name := replica.FieldName(p, q)
		f := domain.FormField{Field: name, Label: q.Label, Kind: q.Kind, Required: q.Required}
		for _, o := range q.Options {
			v := o.Value
			if v == "" {
				v = o.Label
			}
			f.Options = append(f.Options, domain.QuestionOption{Label: o.Label, Value: v})
		}
		switch q.Kind {
		case replica.KindText:
			f.Value = "Rockets."
			want[name] = []string{"Rockets."}
		case replica.KindTextarea:
			f.Value = "A difference engine.\nIt computed Bernoulli numbers."
			want[name] = []string{"A difference engine.\r\nIt computed Bernoulli numbers."} // a form posts CRLF
		case replica.KindSingleSelect:
			f.Value = f.Options[1].Value
			want[name] = []string{f.Options[1].Value}
		case replica.KindMultiSelect:
			f.Values = []string{f.Options[0].Value, f.Options[1].Value}
			want[name] = []string{f.Options[0].Value, f.Options[1].Value}
		case replica.KindBoolean:
			f.Value = replica.BooleanValue(p, true)
			want[name] = []string{replica.BooleanValue(p, true)}
		case replica.KindFile:
			s := sample
			f.File = &s
			files[name] = sampleBytes
		}
		form.Fields = append(form.Fields, f)
	}
	return form, want, files
}

func packet(p domain.Platform, job replica.Job, form *domain.Form) *domain.Packet {
	return &domain.Packet{TaskID: domain.NewID(), UserID: domain.NewID(), Applier: "browser", Platform: p, Board: job.Board,
		PlatformPostingID: job.ID, Company: "Acme", Title: job.Title, Email: "ada@example.test",
		Applicant: domain.Profile{Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace", Phone: "+44 20 7946 0000"},
		Documents: []domain.FormFile{resume}, Form: form}
}

func job(p domain.Platform) replica.Job {
	id := "4012345"
	if p != domain.PlatformGreenhouse {
		id = "5f6e7d8c-1111-4222-8333-944455566677"
	}
	return replica.Job{Board: "acme", ID: id, Title: "Backend Engineer", Questions: questions(p)}
}

// setup is a replica of p's form for job(p) in variant v, an applier (o)
// whose forms are there, the job, and its approved form.
func setup(t *testing.T, p domain.Platform, v replica.Variant, o browser.Options) (*replica.Server, *browser.Applier, replica.Job, *domain.Form) {
	t.Helper()
	j := job(p)
	srv := replica.New(p, j, v)
	t.Cleanup(srv.Close)
	form, _, _ := answered(p, j.Questions)
	return srv, newApplier(t, o, srv), j, form
}

var platforms = []domain.Platform{domain.PlatformGreenhouse, domain.PlatformLever, domain.PlatformAshby}

// received is a submission's non-empty fields, without the platform's
// own hidden ones.
func received(s replica.Submission) map[string][]string {
	out := map[string][]string{}
	for k, vs := range s.Fields {
		if strings.HasSuffix(k, "[baseTemplate]") || k == "g-recaptcha-response" || k == "h-captcha-response" {
			continue // the platform's own
		}
		var kept []string
		for _, v := range vs {
			if v != "" {
				kept = append(kept, v)
			}
		}
		if len(kept) > 0 {
			out[k] = kept
		}
	}
	return out
}

func receivedFiles(s replica.Submission) map[string][]byte {
	out := map[string][]byte{}
	for k, fs := range s.Files {
		if len(fs) == 1 {
			out[k] = fs[0].Data
		}
	}
	return out
}

// kinds lists each piece of evidence as "kind type", a screenshot's type
// as "screenshot" (a full-page JPEG, or the window as PNG).
func kinds(ev []domain.Evidence) []string {
	var out []string
	for _, e := range ev {
		typ := e.ContentType
		if (typ == "image/jpeg" || typ == "image/png") && len(e.Data) > 0 {
			typ = "screenshot"
		}
		out = append(out, e.Kind+" "+typ)
	}
	return out
}

// TestApply_FillsTheApprovedFormAndSubmitsItOnce: on each platform, single
// page and multi-step, the replica receives exactly the approved fields
// and documents, once, and the result carries the filled form's screenshot,
// what each field held, and the confirmation's screenshot.
func TestApply_FillsTheApprovedFormAndSubmitsItOnce(t *testing.T) {
	t.Parallel()
	for _, p := range platforms {
		for _, multi := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/multistep=%v", p, multi), func(t *testing.T) {
				t.Parallel()
				j := job(p)
				srv := replica.New(p, j, replica.Variant{MultiStep: multi})
				t.Cleanup(srv.Close)
				a := newApplier(t, browser.Options{MaxBrowsers: 1}, srv)
				form, want, wantFiles := answered(p, j.Questions)

				res, err := a.Apply(context.Background(), packet(p, j, form))
				require.NoError(t, err)
				subs := srv.Submissions()
				require.Len(t, subs, 1, "exactly one submission")
				require.True(t, subs[0].Accepted)
				require.Equal(t, want, received(subs[0]), "exactly the approved fields")
				require.Equal(t, wantFiles, receivedFiles(subs[0]), "exactly the approved documents' bytes")
				require.Equal(t, "ada-lovelace.pdf", subs[0].Files[replicaResumeField(p)][0].Filename, "the document's own name")

				require.Equal(t, []string{"filled_form screenshot", "filled_form application/json", "confirmation screenshot"}, kinds(res.Evidence))
				var filled struct {
					Fields []struct {
						Field  string
						Values []string
					}
				}
				require.NoError(t, json.Unmarshal(res.Evidence[1].Data, &filled))
				held := map[string][]string{}
				for _, f := range filled.Fields {
					held[f.Field] = f.Values
				}
				require.Equal(t, want[replica.FieldName(p, j.Questions[3])], held[replica.FieldName(p, j.Questions[3])], "the record says what was filled")
				require.Equal(t, []string{"ada-lovelace.pdf"}, held[replicaResumeField(p)])
				require.NotEmpty(t, res.Reference)
			})
		}
	}
}

func replicaResumeField(p domain.Platform) string {
	if p == domain.PlatformAshby {
		return "_systemfield_resume"
	}
	return "resume"
}

// TestApply_StandardFieldsWhenTheBoardPublishesNoForm: Lever and Ashby do
// not publish their forms, so a packet carries none: the applier fills the
// standard fields from the approved profile, cover letter and résumé, and
// nothing else.
func TestApply_StandardFieldsWhenTheBoardPublishesNoForm(t *testing.T) {
	t.Parallel()
	for p, want := range map[domain.Platform]map[string][]string{
		domain.PlatformLever: {"name": {"Ada Lovelace"}, "email": {"ada@example.test"}, "phone": {"+44 20 7946 0000"},
			"org": {"Analytical Engines Ltd"}, "location": {"London"}, "urls[LinkedIn]": {"https://www.linkedin.com/in/ada"},
			"urls[GitHub]": {"https://github.com/ada"}, "comments": {"Dear Acme,\r\nI would like to join."}},
		domain.PlatformAshby: {"_systemfield_name": {"Ada Lovelace"}, "_systemfield_email": {"ada@example.test"},
			"_systemfield_phone": {"+44 20 7946 0000"}, "_systemfield_location": {"London"}},
		domain.PlatformGreenhouse: {"first_name": {"Ada"}, "last_name": {"Lovelace"}, "email": {"ada@example.test"}, "phone": {"+44 20 7946 0000"}},
	} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			j := replica.Job{Board: "acme", ID: "posting-1"}
			srv := replica.New(p, j, replica.Variant{})
			t.Cleanup(srv.Close)
			a := newApplier(t, browser.Options{MaxBrowsers: 1}, srv)
			pk := packet(p, j, nil)
			pk.Applicant.CurrentCompany, pk.Applicant.Location = "Analytical Engines Ltd", "London"
			pk.Applicant.LinkedIn, pk.Applicant.GitHub = "https://www.linkedin.com/in/ada", "https://github.com/ada"
			pk.CoverLetter = "Dear Acme,\nI would like to join."
			_, err := a.Apply(context.Background(), pk)
			require.NoError(t, err)
			subs := srv.Accepted()
			require.Len(t, subs, 1)
			require.Equal(t, want, received(subs[0]))
			require.Equal(t, map[string][]byte{replicaResumeField(p): resumeBytes}, receivedFiles(subs[0]))
		})
	}
}

// TestApply_StopsForThePersonBeforeSubmitting: a CAPTCHA, a login wall, a
// required question nobody answered, an answer that is not one of the
// form's choices, a form that changed since it was approved — the applier
// stops before the click, needs_user, with a screenshot, and the platform
// receives nothing.
func TestApply_StopsForThePersonBeforeSubmitting(t *testing.T) {
	t.Parallel()
	type tc struct {
		name    string
		variant replica.Variant
		edit    func(*domain.Form)
		want    string
	}
	cases := []tc{
		{name: "captcha", variant: replica.Variant{Captcha: true}, want: "CAPTCHA"},
		{name: "login wall", variant: replica.Variant{LoginWall: true}, want: "sign in"},
		{name: "unrecognised required question", variant: replica.Variant{UnrecognisedRequired: true}, want: replica.UnrecognisedQuestionLabel},
		{name: "unanswered required question", edit: func(f *domain.Form) { f.Fields[len(f.Fields)-5].Value = "" }, want: "Tell us about a project"},
		{name: "answer not among the choices", edit: func(f *domain.Form) { f.Fields[len(f.Fields)-4].Value = "99" }, want: "Which office?"},
		{name: "the form changed since it was approved", edit: func(f *domain.Form) {
			f.Fields = append(f.Fields, domain.FormField{Field: "question_777", Label: "A question the form no longer asks", Required: true, Value: "Yes"})
		}, want: "A question the form no longer asks"},
	}
	for _, p := range platforms {
		for _, c := range cases {
			t.Run(string(p)+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				srv, a, j, form := setup(t, p, c.variant, browser.Options{MaxBrowsers: 1})
				if c.edit != nil {
					c.edit(form)
				}
				_, err := a.Apply(context.Background(), packet(p, j, form))
				require.ErrorIs(t, err, domain.ErrNeedsUser)
				require.Equal(t, domain.OutcomeNeedsUser, domain.ClassifyApply(err, false))
				var nu *domain.NeedsUserError
				require.ErrorAs(t, err, &nu)
				require.Contains(t, nu.Why, c.want)
				require.Equal(t, []string{"needs_user screenshot"}, kinds(nu.Evidence), "a screenshot of what stopped it")
				require.Empty(t, srv.Submissions(), "nothing was sent")
			})
		}
	}
}

// TestApply_ValidationErrorsTheFormShows: errors the form shows after the
// click — its own script's (nothing sent) or the server's (received, not
// taken) — need the user, with the form's messages.
func TestApply_ValidationErrorsTheFormShows(t *testing.T) {
	t.Parallel()
	for _, p := range platforms {
		t.Run(string(p)+"/in the page", func(t *testing.T) {
			t.Parallel()
			srv, a, j, form := setup(t, p, replica.Variant{}, browser.Options{MaxBrowsers: 1})
			for i := range form.Fields {
				if strings.HasSuffix(form.Fields[i].Field, "email") {
					form.Fields[i].Value = "ada-at-example"
				}
			}
			_, err := a.Apply(context.Background(), packet(p, j, form))
			var nu *domain.NeedsUserError
			require.ErrorAs(t, err, &nu)
			require.Contains(t, nu.Messages, replica.EmailMessage)
			require.Empty(t, srv.Submissions(), "the form's script sent nothing")
		})
		t.Run(string(p)+"/from the server", func(t *testing.T) {
			t.Parallel()
			srv, a, j, form := setup(t, p, replica.Variant{ServerErrors: []string{"This phone number cannot receive messages."}}, browser.Options{MaxBrowsers: 1})
			_, err := a.Apply(context.Background(), packet(p, j, form))
			var nu *domain.NeedsUserError
			require.ErrorAs(t, err, &nu, "got %v", err)
			require.Contains(t, strings.Join(nu.Messages, "\n"), "This phone number cannot receive messages.")
			require.Len(t, srv.Submissions(), 1)
			require.Empty(t, srv.Accepted(), "the platform did not take it")
		})
	}
}

// TestApply_AfterTheClick: what the platform answers after the submit
// click decides the outcome, and only a confirmation is "submitted".
func TestApply_AfterTheClick(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		variant  replica.Variant
		deadline time.Duration
		want     domain.ApplyOutcome
		accepted int
		evidence []string
	}{
		{"slow confirmation", replica.Variant{ConfirmationDelay: 3 * time.Second}, 0, domain.OutcomeSubmitted, 1,
			[]string{"filled_form screenshot", "filled_form application/json", "confirmation screenshot"}},
		{"an error after the click", replica.Variant{ErrorAfterClick: true}, 0, domain.OutcomeUnknown, 1,
			[]string{"filled_form screenshot", "filled_form application/json", "after_submit screenshot"}},
		{"too many applications", replica.Variant{TooMany: true}, 0, domain.OutcomeNotSent, 0, []string{"after_submit screenshot"}},
		{"no answer before the deadline", replica.Variant{ConfirmationDelay: time.Minute}, 15 * time.Second, domain.OutcomeUnknown, 1,
			[]string{"filled_form screenshot", "filled_form application/json", "after_submit screenshot"}},
	}
	for _, p := range platforms {
		for _, c := range cases {
			t.Run(string(p)+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				srv, a, j, form := setup(t, p, c.variant, browser.Options{MaxBrowsers: 1, Deadline: c.deadline})
				res, err := a.Apply(context.Background(), packet(p, j, form))
				require.Equal(t, c.want, domain.ClassifyApply(err, a.IdempotentRetries()), "error: %v", err)
				require.Equal(t, c.variant.TooMany, errors.Is(err, domain.ErrThrottled), "only \"too many\" backs the platform off")
				require.Len(t, srv.Submissions(), 1, "one submission, never a second")
				require.Len(t, srv.Accepted(), c.accepted)
				require.Equal(t, c.evidence, kinds(domain.EvidenceOf(res, err)))
			})
		}
	}
}

// TestApply_BrowserCrashAfterTheClick: the browser dies while the platform
// holds the submission: the outcome is unknown (never "not sent"), and the
// next application gets a fresh browser.
func TestApply_BrowserCrashAfterTheClick(t *testing.T) {
	t.Parallel()
	p := domain.PlatformGreenhouse
	j := job(p)
	slow := replica.New(p, j, replica.Variant{ConfirmationDelay: time.Minute})
	t.Cleanup(slow.Close)
	jl := job(domain.PlatformLever)
	next := replica.New(domain.PlatformLever, jl, replica.Variant{})
	t.Cleanup(next.Close)
	a := newApplier(t, browser.Options{MaxBrowsers: 1, Deadline: 3 * time.Minute}, slow, next)
	killed := make(chan time.Time, 1)
	go func() {
		for range 2400 {
			if len(slow.Submissions()) > 0 {
				for _, pid := range a.BrowserPIDs() {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
				killed <- time.Now()
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()
	form, _, _ := answered(p, j.Questions)
	_, err := a.Apply(context.Background(), packet(p, j, form))
	require.Equal(t, domain.OutcomeUnknown, domain.ClassifyApply(err, false), "error: %v", err)
	require.Less(t, time.Since(<-killed), time.Minute, "a dead browser is noticed, not waited for until the 3-minute deadline")
	require.Len(t, slow.Submissions(), 1)

	// The pool starts a new browser for the next application.
	form2, _, _ := answered(domain.PlatformLever, jl.Questions)
	_, err = a.Apply(context.Background(), packet(domain.PlatformLever, jl, form2))
	require.NoError(t, err)
	require.Len(t, next.Accepted(), 1)
}

// TestPool_BoundedFreshAndNoZombies: more applications than browsers wait
// for one; no more browsers run than the setting allows; after Close no
// browser process is left, not even as a zombie.
func TestPool_BoundedFreshAndNoZombies(t *testing.T) {
	t.Parallel()
	p := domain.PlatformAshby
	j := job(p)
	srv := replica.New(p, j, replica.Variant{ConfirmationDelay: 300 * time.Millisecond})
	t.Cleanup(srv.Close)
	a := newApplier(t, browser.Options{MaxBrowsers: 2}, srv)
	var mu sync.Mutex
	seen := map[int]bool{}
	var dirs, leftovers []string
	most := 0
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			pids := a.BrowserPIDs()
			mu.Lock()
			most = max(most, len(pids))
			for _, pid := range pids {
				if !seen[pid] {
					seen[pid] = true
					dir := profileDir(pid)
					dirs = append(dirs, dir)
					if link, err := os.Readlink(dir + "/SingletonSocket"); err == nil {
						leftovers = append(leftovers, filepath.Dir(link))
					}
					leftovers = append(leftovers, dir)
				}
			}
			mu.Unlock()
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() {
			form, _, _ := answered(p, j.Questions)
			_, errs[i] = a.Apply(context.Background(), packet(p, j, form))
		})
	}
	wg.Wait()
	close(stop)
	require.NoError(t, errors.Join(errs...))
	require.Len(t, srv.Accepted(), 5, "each application once, in a fresh context (no state carried over)")
	mu.Lock()
	require.LessOrEqual(t, most, 2, "at most appliers.browser.max_browsers browsers")
	require.NotEmpty(t, seen)
	pids := make([]int, 0, len(seen))
	for pid := range seen {
		pids = append(pids, pid)
	}
	mu.Unlock()

	a.Close()
	for _, pid := range pids {
		require.Eventually(t, func() bool { return proctest.Gone(pid) }, 10*time.Second, 50*time.Millisecond, "browser %d is gone", pid)
	}
	require.NotContains(t, dirs, "")
	require.Eventually(t, func() bool { return len(processesOf(dirs)) == 0 }, 10*time.Second, 50*time.Millisecond,
		"no process of those browsers is left (renderers, zygote, zombies)")
	require.Greater(t, len(leftovers), len(dirs), "each browser's singleton socket directory was seen")
	for _, d := range leftovers {
		_, err := os.Stat(d)
		require.True(t, os.IsNotExist(err), "%s is removed: nothing of a browser is left on disk", d)
	}
	require.Error(t, a.Ready(), "a closed applier is not ready")
}

// profileDir is the --user-data-dir of the browser pid: every process of
// that browser (renderers, the zygote, the GPU process) carries it.
func profileDir(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	for _, arg := range strings.Split(string(b), "\x00") {
		if dir, ok := strings.CutPrefix(arg, "--user-data-dir="); ok {
			return dir
		}
	}
	return ""
}

// processesOf lists the processes, zombies included, whose command line
// names one of dirs.
func processesOf(dirs []string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for _, d := range dirs {
			if strings.Contains(string(b), d) {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// TestApply_NothingOpensWhenNothingCanBeSent: a document that cannot be
// read, or a packet that names no board, is settled before any browser
// starts.
func TestApply_NothingOpensWhenNothingCanBeSent(t *testing.T) {
	t.Parallel()
	p := domain.PlatformGreenhouse
	srv, a, j, form := setup(t, p, replica.Variant{}, browser.Options{MaxBrowsers: 1, Files: documents{}})
	_, err := a.Apply(context.Background(), packet(p, j, form))
	require.ErrorIs(t, err, domain.ErrNotSent)
	require.Contains(t, err.Error(), "ada-lovelace.pdf")

	pk := packet(p, j, form)
	pk.Board = ""
	_, err = a.Apply(context.Background(), pk)
	require.ErrorIs(t, err, domain.ErrNeedsUser)

	pk = packet(p, j, form)
	pk.PlatformPostingID = "../../evil"
	_, err = a.Apply(context.Background(), pk)
	require.ErrorIs(t, err, domain.ErrNeedsUser, "the browser only opens the platform's own form address")

	require.Empty(t, a.BrowserPIDs(), "no browser was started")
	require.Empty(t, srv.Submissions())
}

// TestReady_ReportsAMissingChromium: readiness names the setting to fix,
// and an application without a browser is not sent.
func TestReady_ReportsAMissingChromium(t *testing.T) {
	t.Parallel()
	chromium(t)
	a := browser.New(browser.Options{ChromiumPath: "/nonexistent/chromium"})
	t.Cleanup(a.Close)
	require.ErrorContains(t, a.Ready(), "appliers.browser.chromium")

	// A binary that is there but does not run (missing libraries, say).
	broken := filepath.Join(t.TempDir(), "chromium")
	require.NoError(t, os.WriteFile(broken, []byte("#!/bin/sh\necho 'error while loading shared libraries: libnss3.so' >&2\nexit 127\n"), 0o755))
	b := browser.New(browser.Options{ChromiumPath: broken})
	t.Cleanup(b.Close)
	require.ErrorContains(t, b.Ready(), "libnss3.so")

	c := browser.New(browser.Options{ChromiumPath: chromium(t)})
	t.Cleanup(c.Close)
	require.NoError(t, c.Ready(), "the real one runs")
	p := domain.PlatformLever
	j := job(p)
	_, err := a.Apply(context.Background(), packet(p, j, nil))
	require.ErrorIs(t, err, domain.ErrNotSent)
}

// TestApply_ATextAnswerToAFileField: Greenhouse lets a cover letter be
// typed instead of attached (cover_letter_text); where a form takes only a
// file, an optional letter as text is left out — never attached as a file
// nobody approved — and a required one needs the user.
func TestApply_ATextAnswerToAFileField(t *testing.T) {
	t.Parallel()
	p := domain.PlatformGreenhouse
	j := replica.Job{Board: "acme", ID: "4012399"}
	for _, required := range []bool{false, true} {
		t.Run(fmt.Sprint("required=", required), func(t *testing.T) {
			t.Parallel()
			srv := replica.New(p, j, replica.Variant{})
			t.Cleanup(srv.Close)
			a := newApplier(t, browser.Options{MaxBrowsers: 1}, srv)
			form, want, files := answered(p, nil)
			for i := range form.Fields {
				if form.Fields[i].Field == "cover_letter" {
					form.Fields[i].File, form.Fields[i].Value, form.Fields[i].Required = nil, "Dear Acme, …", required
				}
			}
			delete(files, "cover_letter")
			_, err := a.Apply(context.Background(), packet(p, j, form))
			if required {
				require.ErrorIs(t, err, domain.ErrNeedsUser)
				require.Empty(t, srv.Submissions())
				return
			}
			require.NoError(t, err)
			require.Len(t, srv.Accepted(), 1)
			require.Equal(t, want, received(srv.Accepted()[0]))
			require.Equal(t, files, receivedFiles(srv.Accepted()[0]), "no cover letter file")
		})
	}
}

// TestApply_WaitingForABrowserIsNotPartOfTheDeadline: with one browser,
// an application that holds it for its whole deadline (the platform never
// answers) makes the next one wait longer than a deadline for the browser;
// the next is still filled and submitted: its deadline starts when it has
// the browser. (The hold is the first application's own deadline, not a
// guess at how fast this machine fills a form.)
func TestApply_WaitingForABrowserIsNotPartOfTheDeadline(t *testing.T) {
	t.Parallel()
	p := domain.PlatformGreenhouse
	const deadline = 20 * time.Second
	slowJob := replica.Job{Board: "acme", ID: "4012360"}
	slow := replica.New(p, slowJob, replica.Variant{ConfirmationDelay: 5 * time.Minute})
	t.Cleanup(slow.Close)
	lj := replica.Job{Board: "acme", ID: "5f6e7d8c-1111-4222-8333-944455566699"}
	next := replica.New(domain.PlatformLever, lj, replica.Variant{})
	t.Cleanup(next.Close)
	a := newApplier(t, browser.Options{MaxBrowsers: 1, Deadline: deadline}, slow, next)
	first := make(chan error, 1)
	go func() {
		form, _, _ := answered(p, nil)
		_, err := a.Apply(context.Background(), packet(p, slowJob, form))
		first <- err
	}()
	require.Eventually(t, func() bool { return len(a.BrowserPIDs()) == 1 }, time.Minute, 20*time.Millisecond, "the first has the browser")
	start := time.Now()
	form, _, _ := answered(domain.PlatformLever, nil)
	_, err := a.Apply(context.Background(), packet(domain.PlatformLever, lj, form))
	require.NoError(t, err, "the second is submitted")
	require.Greater(t, time.Since(start), deadline, "it waited longer than a deadline for the browser")
	require.Len(t, next.Accepted(), 1)
	require.Equal(t, domain.OutcomeUnknown, domain.ClassifyApply(<-first, false), "the first ran out of its own time")
}

// TestApply_MessagesWhileTheSubmissionIsOnItsWay: a page that always shows
// an alert (a cookie notice) and says "Submitting…" in an alert while its
// request is on the way is not a form refusing the application: the
// applier waits for the platform's answer, and the application is
// submitted once — never handed to the user as if nothing had been sent.
func TestApply_MessagesWhileTheSubmissionIsOnItsWay(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	posts := 0
	mux := http.NewServeMux()
	mux.HandleFunc("GET /acme/jobs/77", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><html><body>
<div role="alert">We use cookies to run this site.</div>
<form id="application-form" novalidate>
<label for="first_name">First name</label><input id="first_name" name="first_name" required>
<label for="last_name">Last name</label><input id="last_name" name="last_name" required>
<label for="email">Email</label><input id="email" name="email" required>
<button type="submit">Submit application</button></form>
<div id="status"></div>
<script>
document.getElementById("application-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  document.getElementById("status").innerHTML = '<div role="alert">Submitting your application…</div>';
  const r = await fetch("/acme/jobs/77", {method: "POST", body: new FormData(e.target)});
  if (r.ok) document.body.innerHTML = "<h1>Thank you for applying.</h1>";
});
</script></body></html>`)
	})
	mux.HandleFunc("POST /acme/jobs/77", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posts++
		mu.Unlock()
		time.Sleep(2 * time.Second)
		w.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a := browser.New(browser.Options{ChromiumPath: chromium(t), MaxBrowsers: 1, Deadline: 30 * time.Second, Files: store, Log: zaptest.NewLogger(t),
		BaseURLs: map[domain.Platform]string{domain.PlatformGreenhouse: srv.URL}})
	t.Cleanup(a.Close)
	form, _, _ := answered(domain.PlatformGreenhouse, nil)
	form.Fields = form.Fields[:3] // first_name, last_name, email
	pk := packet(domain.PlatformGreenhouse, replica.Job{Board: "acme", ID: "77"}, form)
	pk.Documents = nil
	res, err := a.Apply(context.Background(), pk)
	require.NoError(t, err)
	require.Equal(t, []string{"filled_form screenshot", "filled_form application/json", "confirmation screenshot"}, kinds(res.Evidence))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, posts)
}

// TestApply_AChoiceIsTheOptionOfThatValue: an answer picks the option whose
// value (or label) it is; "1" means yes only where no option is "1".
func TestApply_AChoiceIsTheOptionOfThatValue(t *testing.T) {
	t.Parallel()
	p := domain.PlatformGreenhouse
	qs := []replica.Question{{ID: "4101", Label: "How many years?", Kind: replica.KindSingleSelect, Required: true,
		Options: []replica.Option{{Label: "Yes", Value: "5"}, {Label: "One", Value: "1"}}}}
	j := replica.Job{Board: "acme", ID: "4012350", Questions: qs}
	srv := replica.New(p, j, replica.Variant{})
	t.Cleanup(srv.Close)
	a := newApplier(t, browser.Options{MaxBrowsers: 1}, srv)
	form, _, _ := answered(p, qs)
	form.Field("question_4101").Value = "1"
	_, err := a.Apply(context.Background(), packet(p, j, form))
	require.NoError(t, err)
	require.Len(t, srv.Accepted(), 1)
	require.Equal(t, []string{"1"}, srv.Accepted()[0].Fields["question_4101"])
}

// TestPool_ABrowserIsReplacedAfterItsApplications: a browser fills
// RecycleAfter applications, then a fresh one takes over (a long-lived
// Chromium only grows), and the old one is gone.
func TestPool_ABrowserIsReplacedAfterItsApplications(t *testing.T) {
	t.Parallel()
	p := domain.PlatformLever
	srv, a, j, form := setup(t, p, replica.Variant{}, browser.Options{MaxBrowsers: 1, RecycleAfter: 2})
	var pids []int
	for range 3 {
		_, err := a.Apply(context.Background(), packet(p, j, form))
		require.NoError(t, err)
		pids = append(pids, a.BrowserPIDs()...)
	}
	require.Len(t, srv.Accepted(), 3)
	require.Len(t, pids, 2, "after two applications the browser was replaced: %v", pids)
	require.Equal(t, a.BrowserPIDs(), pids[1:], "the second browser runs on")
	require.Eventually(t, func() bool { return proctest.Gone(pids[0]) }, 10*time.Second, 50*time.Millisecond, "the first is gone")
}

// TestReadForm_ReadsEveryFieldAndTypesNothing: reading a hosted form
// (form discovery) gives every field it shows — label, kind, options,
// whether it is required — the platform's standard fields saying what they
// take, and sends nothing.
func TestReadForm_ReadsEveryFieldAndTypesNothing(t *testing.T) {
	t.Parallel()
	for _, p := range platforms {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			j := job(p)
			srv := replica.New(p, j, replica.Variant{})
			t.Cleanup(srv.Close)
			a := newApplier(t, browser.Options{MaxBrowsers: 1}, srv)
			form, err := a.ReadForm(context.Background(), domain.FormTarget{TaskID: domain.NewID(), Platform: p, Board: j.Board, PostingID: j.ID})
			require.NoError(t, err)
			require.Empty(t, srv.Submissions(), "reading sends nothing")
			require.Equal(t, domain.FormHash(form.Questions), form.Hash)
			byField := map[string]domain.Question{}
			for _, q := range form.Questions {
				byField[q.Field] = q
			}
			require.ElementsMatch(t, srv.FieldNames(), fieldsOf(form.Questions), "every field the form shows, nothing else")
			for _, q := range j.Questions {
				got, ok := byField[replica.FieldName(p, q)]
				require.True(t, ok, "question %s", q.Label)
				require.Equal(t, q.Label, got.Label)
				require.Equal(t, q.Required, got.Required, q.Label)
				require.Equal(t, domain.SectionCustom, got.Section, q.Label)
				require.Empty(t, got.Fills)
				want := q.Kind
				require.Equal(t, want, got.Kind, q.Label)
				if q.Kind == replica.KindSingleSelect || q.Kind == replica.KindMultiSelect {
					require.Equal(t, replicaLabels(q.Options), optionLabels(got.Options), q.Label)
				}
			}
			resume := byField[replicaResumeField(p)]
			require.Equal(t, "resume", resume.Fills)
			require.Equal(t, domain.QuestionFile, resume.Kind)
			require.True(t, resume.Required)
			email := byField[map[domain.Platform]string{domain.PlatformGreenhouse: "email", domain.PlatformLever: "email", domain.PlatformAshby: "_systemfield_email"}[p]]
			require.Equal(t, "email", email.Fills)
			require.Equal(t, domain.SectionStandard, email.Section)
			require.True(t, email.Required)
		})
	}
}

func fieldsOf(qs []domain.Question) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.Field)
	}
	return out
}

// TestApply_ThePageCannotReachTheApplierScript: the applier's script runs
// in an isolated world of its own. A page that replaces the DOM functions
// of its own world (here querySelectorAll, which would hide every field
// from a script running beside the page's) does not change what the
// applier reads or fills.
func TestApply_ThePageCannotReachTheApplierScript(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /acme/jobs/78", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><html><body>
<form id="application-form" method="post" action="/acme/jobs/78">
<label for="first_name">First name</label><input id="first_name" name="first_name" required>
<label for="last_name">Last name</label><input id="last_name" name="last_name" required>
<label for="email">Email</label><input id="email" name="email" required>
<button type="submit">Submit application</button></form>
<script>
Document.prototype.querySelectorAll = function () { return []; };
Element.prototype.querySelectorAll = function () { return []; };
window.getComputedStyle = function () { return {display: "none"}; };
</script></body></html>`)
	})
	mux.HandleFunc("POST /acme/jobs/78", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		got = append(got, r.PostForm.Get("first_name")+" "+r.PostForm.Get("last_name")+" "+r.PostForm.Get("email"))
		mu.Unlock()
		http.Redirect(w, r, "/acme/jobs/78/confirmation", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /acme/jobs/78/confirmation", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><html><body><h1>Thank you for applying.</h1></body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a := browser.New(browser.Options{ChromiumPath: chromium(t), MaxBrowsers: 1, Deadline: 30 * time.Second, Files: store, Log: zaptest.NewLogger(t),
		BaseURLs: map[domain.Platform]string{domain.PlatformGreenhouse: srv.URL}})
	t.Cleanup(a.Close)
	form, _, _ := answered(domain.PlatformGreenhouse, nil)
	form.Fields = form.Fields[:3]
	pk := packet(domain.PlatformGreenhouse, replica.Job{Board: "acme", ID: "78"}, form)
	pk.Documents = nil
	_, err := a.Apply(context.Background(), pk)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"Ada Lovelace ada@example.test"}, got)
}

// TestApply_BaseURLWithAPath: a proxy (or a replica) may serve a
// platform's forms under a path: the form is opened there, and the
// application goes through once.
func TestApply_BaseURLWithAPath(t *testing.T) {
	t.Parallel()
	p := domain.PlatformLever
	j := job(p)
	srv := replica.New(p, j, replica.Variant{})
	t.Cleanup(srv.Close)
	target, err := url.Parse(srv.URL())
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var paths []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/forms/lever")
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	a := browser.New(browser.Options{ChromiumPath: chromium(t), MaxBrowsers: 1, Deadline: 45 * time.Second, Files: store, Log: zaptest.NewLogger(t),
		BaseURLs: map[domain.Platform]string{p: proxy.URL + "/forms/lever/"}})
	t.Cleanup(a.Close)
	form, _, _ := answered(p, j.Questions)
	_, err = a.Apply(context.Background(), packet(p, j, form))
	require.NoError(t, err)
	require.Len(t, srv.Accepted(), 1)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, "GET /forms/lever/acme/"+j.ID+"/apply", paths[0], "the form is opened under the base URL's path")
}

func optionLabels(opts []domain.QuestionOption) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Label)
	}
	return out
}

func replicaLabels(opts []replica.Option) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Label)
	}
	return out
}
