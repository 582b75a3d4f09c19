package domain

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The cover-letter template language substitutes variables and does nothing
// else: text is copied as is, and {{.company}} (spaces inside the braces
// allowed, and text/template's trim markers "{{- " and " -}}") is replaced by
// the value. Anything else between "{{" and "}}", a "{{" never closed and a
// "}}" never opened are errors. It replaced text/template, whose loops and
// nested templates let a saved template burn CPU and memory without bound;
// the scanner below reads the template once and renders in one pass.

// MaxCoverLetterTemplateBytes caps a template as saved.
const MaxCoverLetterTemplateBytes = 20000

// MaxCoverLetterBytes caps a rendered cover letter: 32 KiB, several times a
// long letter. A template is refused at save when it could exceed it with
// every variable at its longest allowed value; at render the real length is
// checked again (values stored before their limit existed can be longer) and
// an overlong letter pauses the task, reason preparation_failed.
const MaxCoverLetterBytes = 32 << 10

// TemplateVariable is one value a cover-letter template can substitute.
type TemplateVariable struct {
	Name string // written {{.name}}
	Max  int    // the longest value validation lets in, in bytes
	Help string // where the value comes from
}

// templateVariables are the names the text/template data map had, so stored
// templates that only substitute keep working. Max follows the validation of
// each source: Profile.Validate, NormalizeEmail and JobInput.Normalize.
var templateVariables = []TemplateVariable{
	{"name", 200, "the applicant's name (profile)"},
	{"email", 254, "the applicant's email address"},
	{"phone", 50, "the applicant's phone (profile)"},
	{"location", 200, "the applicant's location (profile)"},
	{"company", 300, "the posting's company"},
	{"title", 300, "the posting's job title"},
	{"job_location", 300, "the posting's location"},
	{"job_url", 2048, "the posting's URL"},
}

// TemplateVariables lists the variables a cover-letter template can use.
func TemplateVariables() []TemplateVariable {
	return append([]TemplateVariable(nil), templateVariables...)
}

// PacketMaterials are the user's materials a packet is built from: the
// documents chosen for the run (or the user's defaults) and the answer
// library.
type PacketMaterials struct {
	Resume          *FormFile
	CoverLetterFile *FormFile
	Library         *Library
	// ApplierFor names the applier that submits a posting of a platform
	// ("" for none known: the default).
	ApplierFor func(Platform) string
}

// BuildPacket prepares the application for one task: the cover letter
// rendered, the documents it carries and, when the posting's form is known
// — published by its board, read by the browser, or both
// (JobPosting.FormQuestions) — the form filled (FillForm). A missing profile name or a template
// that does not parse or renders too long is an EINVALID error that names
// it (the worker pauses the task, preparation_failed, for the user to fix);
// required questions nothing answers are returned instead of a packet (the
// task waits for its user's answers).
func BuildPacket(t *Task, run *Run, job *JobPosting, user *User, m PacketMaterials, now time.Time) (*Packet, []WaitingQuestion, error) {
	if strings.TrimSpace(user.Profile.Name) == "" {
		return nil, nil, Errorf(EINVALID, "profile field name is missing: set it in your profile (PATCH /api/v1/me) and resume the task")
	}
	vars := map[string]string{
		"name": user.Profile.Name, "email": user.Email, "phone": user.Profile.Phone,
		"location": user.Profile.Location, "company": job.Company, "title": job.Title,
		"job_location": job.Location, "job_url": job.URL,
	}
	letter, err := RenderCoverLetter(run.CoverLetterTemplate, vars)
	if err != nil {
		return nil, nil, err
	}
	p := &Packet{
		TaskID: t.ID, RunID: t.RunID, JobID: t.JobID, UserID: t.UserID, JobURL: job.URL, ApplyURL: job.ApplyURL,
		Company: job.Company, Title: job.Title, Applicant: user.Profile, Email: user.Email,
		CoverLetter: letter, PreparedAt: now.UTC(),
	}
	p.Platform, p.Board, p.PlatformPostingID = PostingOnBoard(job)
	if m.ApplierFor != nil {
		p.Applier = m.ApplierFor(p.Platform)
	}
	questions := job.FormQuestions()
	if questions == nil {
		p.Documents = carried(m.Resume, m.CoverLetterFile)
		return p, nil, nil
	}
	form, waiting := FillForm(questions, Materials{Profile: user.Profile, Email: user.Email, CoverLetter: letter,
		Resume: m.Resume, CoverLetterFile: m.CoverLetterFile, Library: m.Library})
	if len(waiting) > 0 {
		return nil, waiting, nil
	}
	p.Form = form
	p.Documents = form.Files()
	return p, nil, nil
}

// carried lists the documents given.
func carried(files ...*FormFile) []FormFile {
	var out []FormFile
	for _, f := range files {
		if f != nil {
			out = append(out, *f)
		}
	}
	return out
}

// RenderCoverLetter parses and renders a run's cover-letter template with
// vars (a missing variable renders empty). Errors are EINVALID: a template
// that does not parse (details give its position) or a letter over
// MaxCoverLetterBytes.
func RenderCoverLetter(tmpl string, vars map[string]string) (string, error) {
	t, err := ParseCoverLetterTemplate(tmpl)
	if err != nil {
		return "", &Error{Code: EINVALID, Message: "cover letter template, " + ErrorMessage(err), Details: ErrorDetails(err)}
	}
	return t.Render(vars)
}

// CoverLetterTemplate is a parsed template: literal text and variables.
type CoverLetterTemplate struct {
	parts []templatePart
	// worst is the rendered length with every variable at its Max, and
	// worstAt the part at which that first exceeds MaxCoverLetterBytes (-1).
	worst, worstAt int
}

type templatePart struct {
	text     string // literal text, or the variable name when isVar
	isVar    bool
	offset   int    // of the part in the source, for errors
	source   string // the action as written, for errors
	variable int    // index in templateVariables when isVar
}

// templateSpace is what text/template counts as space, inside actions and
// for trim markers.
const templateSpace = " \t\r\n"

func isTemplateSpace(c byte) bool { return strings.IndexByte(templateSpace, c) >= 0 }

// ParseCoverLetterTemplate reads a cover-letter template in one pass. The
// error is EINVALID; its details give line, column (in characters, both from
// 1), byte offset, what was found and the allowed variables.
func ParseCoverLetterTemplate(src string) (*CoverLetterTemplate, error) {
	t := &CoverLetterTemplate{worstAt: -1}
	trimLeading := false // the previous action ended with " -}}"
	for i := 0; i <= len(src); {
		end := len(src)
		open := strings.Index(src[i:], "{{")
		if open >= 0 {
			end = i + open
		}
		text := src[i:end]
		if j := strings.Index(text, "}}"); j >= 0 {
			return nil, templateError(src, i+j, "}}", `found "}}" without an opening "{{" (a variable is written {{.company}})`, false)
		}
		textOffset := i
		if trimLeading {
			trimmed := strings.TrimLeft(text, templateSpace)
			textOffset += len(text) - len(trimmed)
			text = trimmed
		}
		if open < 0 {
			t.add(templatePart{text: text, offset: textOffset})
			break
		}
		closing := strings.Index(src[end+2:], "}}")
		if closing < 0 {
			return nil, templateError(src, end, src[end:], `found "{{" that is never closed by "}}"`, false)
		}
		next := end + 2 + closing + 2
		action := src[end:next]
		body := action[2 : len(action)-2]
		if len(body) >= 2 && body[0] == '-' && isTemplateSpace(body[1]) {
			body = body[2:]
			text = strings.TrimRight(text, templateSpace)
		}
		trimLeading = false
		if n := len(body); n >= 2 && body[n-1] == '-' && isTemplateSpace(body[n-2]) {
			body = body[:n-2]
			trimLeading = true
		}
		t.add(templatePart{text: text, offset: textOffset})
		body = strings.Trim(body, templateSpace)
		name, isField := strings.CutPrefix(body, ".")
		v := variableIndex(name)
		switch {
		case isField && v >= 0:
			t.add(templatePart{text: name, isVar: true, offset: end, source: action, variable: v})
		case isField && isIdentifier(name):
			return nil, templateError(src, end, action, "unknown variable "+strconv.Quote(shorten(name))+" in "+strconv.Quote(shorten(action)), true)
		default:
			return nil, templateError(src, end, action, "found "+strconv.Quote(shorten(action))+
				", but a template can only substitute variables, written like {{.company}}", true)
		}
		i = next
	}
	return t, nil
}

func (t *CoverLetterTemplate) add(p templatePart) {
	if !p.isVar && p.text == "" {
		return
	}
	if p.isVar {
		t.worst += templateVariables[p.variable].Max
	} else {
		t.worst += len(p.text)
	}
	if t.worst > MaxCoverLetterBytes && t.worstAt < 0 {
		t.worstAt = len(t.parts)
	}
	t.parts = append(t.parts, p)
}

// MaxLen is the longest letter the template renders with every variable at
// its Max.
func (t *CoverLetterTemplate) MaxLen() int { return t.worst }

// CheckMaxLen returns an EINVALID error, with the position where the letter
// could first exceed MaxCoverLetterBytes, when MaxLen exceeds it. src is the
// template t was parsed from.
func (t *CoverLetterTemplate) CheckMaxLen(src string) error {
	if t.worstAt < 0 {
		return nil
	}
	p := t.parts[t.worstAt]
	found := p.source
	if !p.isVar {
		found = p.text
	}
	limits := make([]string, len(templateVariables))
	for i, v := range templateVariables {
		limits[i] = v.Name + " " + strconv.Itoa(v.Max)
	}
	return templateError(src, p.offset, found, "the letter could reach "+strconv.Itoa(t.worst)+" bytes, over the limit of "+
		strconv.Itoa(MaxCoverLetterBytes)+", from here on: each variable counts at its longest allowed value ("+
		strings.Join(limits, ", ")+" bytes)", false)
}

// Render substitutes vars (a missing one renders empty) in one pass. A letter
// over MaxCoverLetterBytes is an EINVALID error, found before any of it is
// written.
func (t *CoverLetterTemplate) Render(vars map[string]string) (string, error) {
	n := 0
	for _, p := range t.parts {
		if p.isVar {
			n += len(vars[p.text])
		} else {
			n += len(p.text)
		}
		if n > MaxCoverLetterBytes {
			return "", Errorf(EINVALID, "the cover letter would be over the limit of %d bytes: shorten the run's template or the values it substitutes",
				MaxCoverLetterBytes)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range t.parts {
		if p.isVar {
			b.WriteString(vars[p.text])
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String(), nil
}

func variableIndex(name string) int {
	for i, v := range templateVariables {
		if v.Name == name {
			return i
		}
	}
	return -1
}

// isIdentifier reports whether text/template would read s as a field name,
// to tell an unknown variable from anything else.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// shorten shortens what an error quotes to 40 bytes, on a rune boundary.
func shorten(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// templateError is the EINVALID error for the template problem at byte
// offset off of src.
func templateError(src string, off int, found, problem string, listVariables bool) error {
	line := 1 + strings.Count(src[:off], "\n")
	column := 1 + utf8.RuneCountInString(src[strings.LastIndexByte(src[:off], '\n')+1:off])
	names := make([]string, len(templateVariables))
	written := make([]string, len(templateVariables))
	for i, v := range templateVariables {
		names[i] = v.Name
		written[i] = "{{." + v.Name + "}}"
	}
	msg := "line " + strconv.Itoa(line) + ", column " + strconv.Itoa(column) + ": " + problem
	if listVariables {
		msg += "; the variables are " + strings.Join(written, ", ")
	}
	return (&Error{Code: EINVALID, Message: msg}).WithDetails(map[string]any{
		"line": line, "column": column, "offset": off, "found": shorten(found), "allowed_variables": names,
	})
}

// PostingOnBoard names a posting on its job board: the platform, the
// board and the platform's posting id, from a synced posting's fields or,
// for a pasted link, its canonical key ("greenhouse:acme:4012345"); empty
// when applyq does not know the platform.
func PostingOnBoard(j *JobPosting) (Platform, string, string) {
	platform, rest, ok := strings.Cut(j.CanonicalKey, ":")
	p := Platform(platform)
	if !ok || !p.Valid() {
		return j.Platform, "", j.PlatformPostingID
	}
	board, id, ok := strings.Cut(rest, ":")
	if !ok { // Workable keys carry no board
		board, id = "", rest
	}
	if j.PlatformPostingID != "" {
		id = j.PlatformPostingID
	}
	return p, board, id
}
