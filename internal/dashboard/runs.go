package dashboard

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

type runsPage struct {
	Runs   []*domain.Run
	Form   domain.RunCreate
	Errors map[string]string
	// Resumes and Letters are the user's documents a run may carry.
	Resumes, Letters []*domain.Document
	// TTLMinutes is the approval window as chosen ("" for the default),
	// TTLChoices the windows offered.
	TTLMinutes string
	TTLChoices []ttlChoice
	// Checklist is the first-landing checklist (nil or done: not shown).
	Checklist *checklist
}

// handleRuns serves GET / and GET /runs: until the user has done each
// first step, the checklist; every run with per-state counts and progress;
// and the form to create one, asking for approval by default.
func (d *Dashboard) handleRuns(c echo.Context) error {
	return d.runsPage(c, http.StatusOK, runsPage{Form: domain.RunCreate{RequiresApproval: true}})
}

func (d *Dashboard) runsPage(c echo.Context, status int, p runsPage) error {
	runs, _, err := d.db.ListRuns(c.Request().Context(), userOf(c).ID, "", 200)
	if err != nil {
		return d.renderError(c, err, userOf(c))
	}
	p.Runs = runs
	p.TTLChoices = ttlChoices(d.defaultTTL())
	if p.Checklist, err = d.checklist(c.Request().Context(), userOf(c)); err != nil {
		return d.renderError(c, err, userOf(c))
	}
	if d.db != nil {
		docs, err := d.db.DocumentList(c.Request().Context(), userOf(c).ID, nil)
		if err != nil {
			return d.renderError(c, err, userOf(c))
		}
		for _, doc := range docs {
			if doc.Kind == domain.DocumentResume {
				p.Resumes = append(p.Resumes, doc)
			} else {
				p.Letters = append(p.Letters, doc)
			}
		}
	}
	return d.page(c, status, "runs.html", "Runs", p)
}

// handleCreateRun serves POST /runs.
func (d *Dashboard) handleCreateRun(c echo.Context) error {
	in := domain.RunCreate{Name: c.FormValue("name"), RequiresApproval: c.FormValue("requires_approval") == "on",
		CoverLetterTemplate: c.FormValue("cover_letter_template")}
	errs := map[string]string{}
	ttl := strings.TrimSpace(c.FormValue("approval_ttl_minutes"))
	if ttl != "" {
		m, err := strconv.Atoi(ttl)
		if w := time.Duration(m) * time.Minute; err != nil || m <= 0 || w < domain.MinApprovalTTL || w > domain.MaxApprovalTTL {
			errs["approval_ttl"] = "must be one of the windows offered, between " + windowText(domain.MinApprovalTTL) + " and " + windowText(domain.MaxApprovalTTL)
		} else {
			in.ApprovalTTL = w
		}
	}
	for field, dst := range map[string]**domain.ID{"resume_document_id": &in.ResumeDocumentID, "cover_letter_document_id": &in.CoverLetterDocumentID} {
		if v := c.FormValue(field); v != "" {
			id, err := domain.ParseID(v)
			if err != nil {
				errs[field] = "is not one of your documents"
				continue
			}
			*dst = &id
		}
	}
	if len(errs) == 0 {
		if err := in.Validate(); err != nil {
			errs = fieldErrors(err)
		} else if err := domain.ValidateCoverLetterTemplate(in.CoverLetterTemplate); err != nil {
			errs = fieldErrors(err)
		}
	}
	page := runsPage{Form: in, Errors: errs, TTLMinutes: ttl}
	if len(errs) > 0 {
		return d.runsPage(c, http.StatusBadRequest, page)
	}
	if _, err := d.tasks.CreateRun(c.Request().Context(), userOf(c).ID, in); err != nil {
		if page.Errors = fieldErrors(err); domain.ErrorCode(err) == domain.EINVALID && len(page.Errors) > 0 {
			return d.runsPage(c, http.StatusBadRequest, page)
		}
		return d.renderError(c, err, userOf(c))
	}
	return back(c, "/runs", "run_created")
}

// handleRunAction serves POST /runs/:id/pause|resume|cancel.
func (d *Dashboard) handleRunAction(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "run not found"), u)
	}
	ctx := c.Request().Context()
	var msg string
	var n []int
	switch c.Param("action") {
	case "pause", "resume":
		st := domain.RunPaused
		msg = "run_paused"
		if c.Param("action") == "resume" {
			st, msg = domain.RunActive, "run_resumed"
		}
		_, err = d.tasks.UpdateRun(ctx, u.ID, id, domain.RunUpdate{Status: &st})
	case "cancel":
		var cancelled int
		_, cancelled, err = d.tasks.CancelRun(ctx, u.ID, id, domain.UserActor(u.ID))
		msg, n = "run_cancelled", []int{cancelled}
	default:
		err = domain.Errorf(domain.ENOTFOUND, "no such action")
	}
	if err != nil {
		return d.renderError(c, err, u)
	}
	return back(c, "/runs", msg, n...)
}

// defaultTTL is how long a run's approval requests stay open when it does
// not say (approval.ttl).
func (d *Dashboard) defaultTTL() time.Duration {
	if d.opts.ApprovalTTL > 0 {
		return d.opts.ApprovalTTL
	}
	return 20 * time.Minute
}

// fieldErrors turns a validation error into field → message.
func fieldErrors(err error) map[string]string {
	out := map[string]string{}
	if fields, ok := domain.ErrorDetails(err)["fields"].(map[string]any); ok {
		for k, v := range fields {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	}
	if len(out) == 0 {
		out["_"] = domain.ErrorMessage(err)
	}
	return out
}
