package dashboard

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

type runsPage struct {
	Runs   []*domain.Run
	Form   domain.RunCreate
	Errors map[string]string
}

// handleRuns serves GET /runs: every run with per-state counts and progress,
// and the form to create one.
func (d *Dashboard) handleRuns(c echo.Context) error {
	return d.runsPage(c, http.StatusOK, runsPage{})
}

func (d *Dashboard) runsPage(c echo.Context, status int, p runsPage) error {
	runs, _, err := d.db.ListRuns(c.Request().Context(), userOf(c).ID, "", 200)
	if err != nil {
		return d.renderError(c, err, userOf(c))
	}
	p.Runs = runs
	return d.page(c, status, "runs.html", "Runs", p)
}

// handleCreateRun serves POST /runs.
func (d *Dashboard) handleCreateRun(c echo.Context) error {
	in := domain.RunCreate{Name: c.FormValue("name"), RequiresApproval: c.FormValue("requires_approval") == "on",
		CoverLetterTemplate: c.FormValue("cover_letter_template")}
	errs := map[string]string{}
	if err := in.Validate(); err != nil {
		errs = fieldErrors(err)
	} else if err := domain.ValidateCoverLetterTemplate(in.CoverLetterTemplate); err != nil {
		errs = fieldErrors(err)
	}
	if len(errs) > 0 {
		return d.runsPage(c, http.StatusBadRequest, runsPage{Form: in, Errors: errs})
	}
	if _, err := d.tasks.CreateRun(c.Request().Context(), userOf(c).ID, in); err != nil {
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
