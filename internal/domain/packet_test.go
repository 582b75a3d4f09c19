package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// letterVars fills every template variable with a short, distinct value.
func letterVars() map[string]string {
	return map[string]string{
		"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0000", "location": "London",
		"company": "Acme", "title": "Engineer", "job_location": "Berlin", "job_url": "https://example.com/jobs/1",
	}
}

// nestedDefines is the template that made text/template render 16·2^levels
// bytes from about 60·levels bytes of input.
func nestedDefines(levels int) string {
	var b strings.Builder
	b.WriteString(`{{define "t0"}}0123456789abcdef{{end}}`)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d"}}{{template "t%d"}}{{end}}`, i, i-1, i-1)
	}
	fmt.Fprintf(&b, `{{template "t%d"}}`, levels)
	return b.String()
}

// Stored templates that only substitute render as text/template rendered
// them, in every form text/template accepted for a plain substitution.
func TestRenderCoverLetter_SubstitutesEveryVariable(t *testing.T) {
	t.Parallel()
	vars := letterVars()
	var names []string
	for _, v := range domain.TemplateVariables() {
		names = append(names, v.Name)
	}
	require.ElementsMatch(t, []string{"name", "email", "phone", "location", "company", "title", "job_location", "job_url"}, names)

	out, err := domain.RenderCoverLetter("Dear {{.company}},\n\nI am {{.name}} ({{.email}}, {{.phone}}, {{.location}}), applying as {{.title}} in {{.job_location}}: {{.job_url}}.", vars)
	require.NoError(t, err)
	require.Equal(t, "Dear Acme,\n\nI am Ada Lovelace (ada@example.com, +44 20 7946 0000, London), applying as Engineer in Berlin: https://example.com/jobs/1.", out)

	forms := []string{"{{.%s}}", "{{ .%s }}", "{{.%s }}", "{{ .%s}}", "{{\t.%s\n}}", "{{\r\n.%s\r\n}}",
		"{{- .%s}}", "{{.%s -}}", "{{- .%s -}}", "{{-\n.%s\t-}}", "{{-  .%s  -}}"}
	for _, name := range names {
		for _, form := range forms {
			tmpl := "Hi \n\t " + fmt.Sprintf(form, name) + " \n.  {{.name}}"
			got, err := domain.RenderCoverLetter(tmpl, vars)
			require.NoError(t, err, tmpl)
			old := template.Must(template.New("").Option("missingkey=error").Parse(tmpl))
			var want strings.Builder
			require.NoError(t, old.Execute(&want, vars))
			require.Equal(t, want.String(), got, "%q renders as text/template rendered it", tmpl)
			require.Contains(t, got, vars[name])
		}
	}

	// Values are inserted as they are, never read as template text.
	vars["company"] = "{{.name}} }} {{"
	out, err = domain.RenderCoverLetter("Dear {{.company}}", vars)
	require.NoError(t, err)
	require.Equal(t, "Dear {{.name}} }} {{", out)
	// Text without braces, single braces and an empty template are kept.
	for _, s := range []string{"", "plain {text} } { here", "a }{ b"} {
		out, err := domain.RenderCoverLetter(s, vars)
		require.NoError(t, err)
		require.Equal(t, s, out)
	}
}

// Everything but a substitution is refused, with the position of what was
// found and the allowed variables, by the check made at save and at render.
func TestRenderCoverLetter_RefusesAllButSubstitution(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tmpl                 string
		line, column, offset int
		found, message       string
	}{
		{"{{range 3}}x{{end}}", 1, 1, 0, "{{range 3}}", "only substitute variables"},
		{nestedDefines(23), 1, 1, 0, `{{define "t0"}}`, "only substitute variables"},
		{"Dear {{.nope}}", 1, 6, 5, "{{.nope}}", `unknown variable "nope"`},
		{"Dear {{.Company}}", 1, 6, 5, "{{.Company}}", `unknown variable "Company"`},
		{"Hi\n  {{/* a note */}}", 2, 3, 5, "{{/* a note */}}", "only substitute variables"},
		{`{{.company | printf "%s"}}`, 1, 1, 0, `{{.company | printf "%s"}}`, "only substitute variables"},
		{`{{printf "%s" .name}}`, 1, 1, 0, `{{printf "%s" .name}}`, "only substitute variables"},
		{"{{.}}", 1, 1, 0, "{{.}}", "only substitute variables"},
		{"{{ }}", 1, 1, 0, "{{ }}", "only substitute variables"},
		{"{{$.company}}", 1, 1, 0, "{{$.company}}", "only substitute variables"},
		{"{{.company.name}}", 1, 1, 0, "{{.company.name}}", "only substitute variables"},
		{"{{ .company .name }}", 1, 1, 0, "{{ .company .name }}", "only substitute variables"},
		{"{{-3}}", 1, 1, 0, "{{-3}}", "only substitute variables"},
		{"{{.company-}}", 1, 1, 0, "{{.company-}}", "only substitute variables"},
		{`{{"{{"}}`, 1, 1, 0, `{{"{{"}}`, "only substitute variables"},
		{"{{{.company}}", 1, 1, 0, "{{{.company}}", "only substitute variables"},
		{"Dear {{.company", 1, 6, 5, "{{.company", "never closed"},
		{"{{.company}}{{", 1, 13, 12, "{{", "never closed"},
		{"Dear {.company}}", 1, 15, 14, "}}", "without an opening"},
		{"{{ .company }}}}", 1, 15, 14, "}}", "without an opening"},
		{"Grüße\nà {{.nom}}", 2, 3, 11, "{{.nom}}", `unknown variable "nom"`},
		{strings.Repeat("x", 50) + "{{" + strings.Repeat("y", 60), 1, 51, 50, "{{" + strings.Repeat("y", 38) + "…", "never closed"},
	}
	for _, c := range cases {
		_, err := domain.RenderCoverLetter(c.tmpl, letterVars())
		require.Error(t, err, "%.60q", c.tmpl)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
		msg := domain.ErrorMessage(err)
		require.Contains(t, msg, fmt.Sprintf("line %d, column %d: ", c.line, c.column), "%.60q", c.tmpl)
		require.Contains(t, msg, c.message, "%.60q", c.tmpl)
		d := domain.ErrorDetails(err)
		require.Equal(t, c.line, d["line"], "%.60q", c.tmpl)
		require.Equal(t, c.column, d["column"], "%.60q", c.tmpl)
		require.Equal(t, c.offset, d["offset"], "%.60q", c.tmpl)
		require.Equal(t, c.found, d["found"], "%.60q", c.tmpl)
		require.Equal(t, []string{"name", "email", "phone", "location", "company", "title", "job_location", "job_url"}, d["allowed_variables"])

		// Saving refuses it the same way, naming the field.
		err = domain.ValidateCoverLetterTemplate(c.tmpl)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "%.60q", c.tmpl)
		d = domain.ErrorDetails(err)
		require.Equal(t, map[string]any{"cover_letter_template": msg[len("cover letter template, "):]}, d["fields"])
		require.Equal(t, c.offset, d["cover_letter_template"].(map[string]any)["offset"])
	}
}

// The letter is capped: at save, counting every variable at its longest
// allowed value; at render, counting the real values.
func TestRenderCoverLetter_OutputCap(t *testing.T) {
	t.Parallel()
	require.Equal(t, 32768, domain.MaxCoverLetterBytes)

	// Each variable's Max is exactly what validation lets in.
	valueOf := func(name string, n int) string {
		switch name {
		case "email":
			return "a@" + strings.Repeat("b", n-6) + ".com"
		case "job_url":
			return "https://example.com/" + strings.Repeat("j", n-20)
		}
		return strings.Repeat("v", n)
	}
	valid := func(name, v string) bool {
		switch name {
		case "name", "phone", "location":
			p := domain.Profile{}
			switch name {
			case "name":
				p.Name = v
			case "phone":
				p.Phone = v
			case "location":
				p.Location = v
			}
			return p.Validate(0) == nil
		case "email":
			_, err := domain.NormalizeEmail(v)
			return err == nil
		}
		in := domain.JobInput{URL: "https://example.com/a"}
		switch name {
		case "company":
			in.Company = v
		case "title":
			in.Title = v
		case "job_location":
			in.Location = v
		case "job_url":
			in.URL = v
		}
		_, err := in.Normalize()
		return err == nil
	}
	longest := map[string]string{}
	for _, v := range domain.TemplateVariables() {
		require.True(t, valid(v.Name, valueOf(v.Name, v.Max)), "%s of %d bytes is valid", v.Name, v.Max)
		require.False(t, valid(v.Name, valueOf(v.Name, v.Max+1)), "%s of %d bytes is refused", v.Name, v.Max+1)
		longest[v.Name] = valueOf(v.Name, v.Max)
	}

	// Exactly at the cap with every value at its longest: saved and rendered.
	urls := strings.Repeat("{{.job_url}}", 8) // 8 × 2048 bytes
	atCap := strings.Repeat("a", 32768-8*2048) + urls
	require.NoError(t, domain.ValidateCoverLetterTemplate(atCap))
	out, err := domain.RenderCoverLetter(atCap, longest)
	require.NoError(t, err)
	require.Len(t, out, domain.MaxCoverLetterBytes)

	// One byte more could exceed it: refused at save, at the variable that
	// crosses the cap.
	err = domain.ValidateCoverLetterTemplate("a" + atCap)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	d := domain.ErrorDetails(err)["cover_letter_template"].(map[string]any)
	require.Equal(t, 1+32768-8*2048+7*12, d["offset"])
	require.Equal(t, "{{.job_url}}", d["found"])
	require.Contains(t, domain.ErrorDetails(err)["fields"].(map[string]any)["cover_letter_template"], "could reach 32769 bytes, over the limit of 32768")
	// The save-time bound also catches a short template of many variables.
	err = domain.ValidateCoverLetterTemplate(strings.Repeat("{{.job_url}}", 17))
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))

	// At render, real values count: a template saved before the bound (or a
	// value stored before its limit) that renders over the cap is an
	// EINVALID error, which pauses the task (reason preparation_failed).
	over := letterVars()
	over["company"] = strings.Repeat("c", 20000)
	_, err = domain.RenderCoverLetter("{{.company}} and {{.company}}", over)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Contains(t, domain.ErrorMessage(err), "over the limit of 32768 bytes")
	user := &domain.User{Email: "ada@example.com", Profile: domain.Profile{Name: "Ada"}}
	task := &domain.Task{ID: domain.NewID()}
	_, _, err = domain.BuildPacket(task, &domain.Run{CoverLetterTemplate: "{{.company}} {{.company}}"}, &domain.JobPosting{Company: over["company"]}, user, domain.PacketMaterials{}, time.Now())
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	p, _, err := domain.BuildPacket(task, &domain.Run{CoverLetterTemplate: "{{.company}}"}, &domain.JobPosting{Company: over["company"]}, user, domain.PacketMaterials{}, time.Now())
	require.NoError(t, err)
	require.Len(t, p.CoverLetter, 20000)
}

func TestPostingOnBoard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		job       domain.JobPosting
		platform  domain.Platform
		board, id string
	}{
		{domain.JobPosting{CanonicalKey: "greenhouse:acme:4012345"}, domain.PlatformGreenhouse, "acme", "4012345"},
		{domain.JobPosting{CanonicalKey: "lever:globex:6f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c"}, domain.PlatformLever, "globex", "6f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c"},
		{domain.JobPosting{CanonicalKey: "recruitee:acme:backend-engineer", PlatformPostingID: "backend-engineer"}, domain.PlatformRecruitee, "acme", "backend-engineer"},
		{domain.JobPosting{CanonicalKey: "workable:AB12CD"}, domain.PlatformWorkable, "", "AB12CD"},
		{domain.JobPosting{CanonicalKey: "url:example.com/careers/1"}, "", "", ""},
	} {
		p, board, id := domain.PostingOnBoard(&tc.job)
		require.Equal(t, tc.platform, p, tc.job.CanonicalKey)
		require.Equal(t, tc.board, board, tc.job.CanonicalKey)
		require.Equal(t, tc.id, id, tc.job.CanonicalKey)
	}
	// The applier is chosen by platform when the packet is prepared.
	user := &domain.User{Email: "ada@example.com", Profile: domain.Profile{Name: "Ada"}}
	p, _, err := domain.BuildPacket(&domain.Task{ID: domain.NewID()}, &domain.Run{}, &domain.JobPosting{CanonicalKey: "lever:globex:abc"}, user,
		domain.PacketMaterials{ApplierFor: func(p domain.Platform) string { return "browser:" + string(p) }}, time.Now())
	require.NoError(t, err)
	require.Equal(t, "browser:lever", p.Applier)
	require.Equal(t, domain.PlatformLever, p.Platform)
}

func TestClassifyApply_NeedsUser(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("greenhouse: %w", &domain.NeedsUserError{Why: "a CAPTCHA", Evidence: []domain.Evidence{{Kind: domain.EvidenceNeedsUser}}})
	require.Equal(t, domain.OutcomeNeedsUser, domain.ClassifyApply(err, true), "never retried, even by an idempotent applier")
	require.Len(t, domain.EvidenceOf(domain.ApplyResult{}, err), 1)
	require.Equal(t, domain.OutcomeUnknown, domain.ClassifyApply(&domain.EvidenceError{Err: errors.New("no confirmation")}, false))
}

// TestPacket_ApplyEditsRecordsOnlyChanges: a value sent back as it was
// shown (CRLF line endings, surrounding spaces, a choice by its label,
// a multi-select in another order) is no edit; the cover letter is
// compared the same way.
func TestPacket_ApplyEditsRecordsOnlyChanges(t *testing.T) {
	t.Parallel()
	opts := []domain.QuestionOption{{Label: "Go", Value: "go"}, {Label: "Rust", Value: "rust"}}
	p := &domain.Packet{CoverLetter: "Dear Acme,\nHello.", Form: &domain.Form{Fields: []domain.FormField{
		{Field: "why", Label: "Why?", Kind: domain.QuestionTextarea, Value: "Because.\nReally.", Source: domain.SourceLibrary},
		{Field: "langs", Label: "Languages", Kind: domain.QuestionMultiSelect, Options: opts, Values: []string{"go", "rust"}, Source: domain.SourceLibrary},
	}}}
	edits, err := p.ApplyEdits([]domain.FormEdit{
		{Field: "why", Value: "Because.\r\nReally.\r\n"},
		{Field: "langs", Values: []string{"Rust", "go"}},
		{Field: "cover_letter", Value: "Dear Acme,\r\nHello.\r\n"},
	})
	require.NoError(t, err)
	require.Empty(t, edits)
	require.Equal(t, domain.SourceLibrary, p.Form.Field("why").Source)
	require.Equal(t, "Dear Acme,\nHello.", p.CoverLetter)

	edits, err = p.ApplyEdits([]domain.FormEdit{{Field: "why", Value: "Because!\r\nReally."}, {Field: "cover_letter", Value: "Dear Acme,\r\nHi."}})
	require.NoError(t, err)
	require.Equal(t, []domain.Edit{
		{Field: "why", Label: "Why?", Before: "Because.\nReally.", After: "Because!\nReally."},
		{Field: "cover_letter", Label: "Cover letter", Before: "Dear Acme,\nHello.", After: "Dear Acme,\nHi."},
	}, edits)
	require.Equal(t, domain.SourceUserEdit, p.Form.Field("why").Source)
}
