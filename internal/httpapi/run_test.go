package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// templateRefusal is the error answer for a refused cover-letter template.
type templateRefusal struct {
	Error struct {
		Code    string `json:"code"`
		Details struct {
			Fields   map[string]string `json:"fields"`
			Template struct {
				Line     int      `json:"line"`
				Column   int      `json:"column"`
				Offset   int      `json:"offset"`
				Found    string   `json:"found"`
				Variable []string `json:"allowed_variables"`
			} `json:"cover_letter_template"`
		} `json:"details"`
	} `json:"error"`
}

// mustRefuseTemplate checks a 400 that names cover_letter_template, the
// position and what was found, and lists the variables.
func mustRefuseTemplate(t *testing.T, r resp, line, column, offset int, found string) templateRefusal {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, r.Status, "%.300s", r.Body)
	var e templateRefusal
	r.JSON(t, &e)
	require.Equal(t, domain.EINVALID, e.Error.Code)
	require.Contains(t, e.Error.Details.Fields["cover_letter_template"], fmt.Sprintf("line %d, column %d: ", line, column))
	tp := e.Error.Details.Template
	require.Equal(t, []int{line, column, offset}, []int{tp.Line, tp.Column, tp.Offset})
	require.Equal(t, found, tp.Found)
	require.Equal(t, []string{"name", "email", "phone", "location", "company", "title", "job_location", "job_url"}, tp.Variable)
	return e
}

// nestedDefines is the 1.4 KB template that made text/template render
// 128 MiB at save (16 bytes doubled 23 times).
func nestedDefines(levels int) string {
	var b strings.Builder
	b.WriteString(`{{define "t0"}}0123456789abcdef{{end}}`)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d"}}{{template "t%d"}}{{end}}`, i, i-1, i-1)
	}
	fmt.Fprintf(&b, `{{template "t%d"}}`, levels)
	return b.String()
}

// The two templates that held the API (25 s of CPU; 128 MiB) are refused at
// save, on create and on update, before anything runs them.
func TestRuns_TemplateAttacksRefusedAtSave(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	r := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: map[string]any{"name": "ok", "cover_letter_template": "Dear {{.company}}"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var run struct {
		ID string `json:"id"`
	}
	r.JSON(t, &run)
	runs := pgtest.MustCount(t, b.db, "SELECT count(*) FROM application_runs")

	attacks := []struct{ tmpl, found string }{
		{"{{range 350000000}}{{end}}", "{{range 350000000}}"},
		{nestedDefines(23), `{{define "t0"}}`},
	}
	for _, a := range attacks {
		r := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: map[string]any{"name": "attack", "cover_letter_template": a.tmpl}})
		mustRefuseTemplate(t, r, 1, 1, 0, a.found)
		r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + run.ID, Token: token, Body: map[string]any{"cover_letter_template": a.tmpl}})
		mustRefuseTemplate(t, r, 1, 1, 0, a.found)
	}
	require.Equal(t, runs, pgtest.MustCount(t, b.db, "SELECT count(*) FROM application_runs"))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, "SELECT count(*) FROM application_runs WHERE id = $1 AND cover_letter_template = 'Dear {{.company}}'", run.ID))
}

// Unknown variables, anything that is not a substitution and templates that
// could render over the cap are refused at save with their position; every
// form of plain substitution text/template accepted is still saved.
func TestRuns_TemplateRefusalsNamePosition(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	create := func(tmpl string) resp {
		return b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: map[string]any{"name": "r", "cover_letter_template": tmpl}})
	}

	e := mustRefuseTemplate(t, create("Dear team,\n  {{ .hiring_manager }} at {{.company}}"), 2, 3, 13, "{{ .hiring_manager }}")
	require.Contains(t, e.Error.Details.Fields["cover_letter_template"], `unknown variable "hiring_manager"`)
	require.Contains(t, e.Error.Details.Fields["cover_letter_template"], "{{.job_url}}", "the message lists the variables")
	mustRefuseTemplate(t, create("Hi {{/* note */}}"), 1, 4, 3, "{{/* note */}}")
	mustRefuseTemplate(t, create("Hi {{.name | printf \"%q\"}}"), 1, 4, 3, `{{.name | printf "%q"}}`)
	mustRefuseTemplate(t, create("Hi {{.name"), 1, 4, 3, "{{.name")
	mustRefuseTemplate(t, create("Hi {.name}}"), 1, 10, 9, "}}")
	// 17 × {{.job_url}} (204 bytes) could render 17 × 2048 bytes.
	e = mustRefuseTemplate(t, create(strings.Repeat("{{.job_url}}", 17)), 1, 1+16*12, 16*12, "{{.job_url}}")
	require.Contains(t, e.Error.Details.Fields["cover_letter_template"], "over the limit of 32768")

	tmpl := "Dear {{.company}},\n{{ .name }} {{- .email -}} {{.phone }}\n{{-\t.location\n-}}\n{{ .title}} {{.job_location}} {{.job_url}}"
	r := create(tmpl)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var run struct {
		ID       string `json:"id"`
		Template string `json:"cover_letter_template"`
	}
	r.JSON(t, &run)
	require.Equal(t, tmpl, run.Template)
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + run.ID, Token: token, Body: map[string]any{"cover_letter_template": "{{.nope}}"}})
	mustRefuseTemplate(t, r, 1, 1, 0, "{{.nope}}")
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + run.ID, Token: token, Body: map[string]any{"cover_letter_template": "Hi {{ .name }}"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

// TestRuns_ApprovalIsTheDefault: a run created without requires_approval
// (absent or null) asks for approval; only an explicit false turns it off.
func TestRuns_ApprovalIsTheDefault(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	token := pgtest.MustSession(t, b.db, uniqueEmail())
	for body, want := range map[string]bool{
		`{"name":"absent"}`:                          true,
		`{"name":"null","requires_approval":null}`:   true,
		`{"name":"true","requires_approval":true}`:   true,
		`{"name":"false","requires_approval":false}`: false,
	} {
		r := b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: body})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var run struct {
			RequiresApproval bool `json:"requires_approval"`
		}
		r.JSON(t, &run)
		require.Equal(t, want, run.RequiresApproval, body)
	}
}
