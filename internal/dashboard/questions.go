package dashboard

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/web"
)

// The questions waiting for the user across runs, answered in place, and
// the answer library.

type questionsPage struct {
	Waiting []postgres.WaitingQuestion
	Answers []*domain.Answer
	// Key and Errors are the answer refused, shown again with its error.
	Key    string
	Values map[string]string
	Errors map[string]string
	// WorkAuthorization is the user's own note, shown beside
	// work-authorisation questions.
	WorkAuthorization string
}

// handleQuestions serves GET /questions.
func (d *Dashboard) handleQuestions(c echo.Context) error {
	return d.questionsPage(c, http.StatusOK, questionsPage{})
}

func (d *Dashboard) questionsPage(c echo.Context, status int, p questionsPage) error {
	u, ctx := userOf(c), c.Request().Context()
	var err error
	if p.Waiting, err = d.db.WaitingQuestions(ctx, u.ID); err != nil {
		return d.renderError(c, err, u)
	}
	if p.Answers, err = d.db.Answers(ctx, u.ID); err != nil {
		return d.renderError(c, err, u)
	}
	p.WorkAuthorization = u.Profile.WorkAuthorization
	return d.page(c, status, "questions.html", "Questions", p)
}

// handleAnswer serves POST /questions: answer a waiting question (key) or
// file an answer by its wording (label).
func (d *Dashboard) handleAnswer(c echo.Context) error {
	u := userOf(c)
	form, _ := c.FormParams()
	in := tasks.AnswerInput{Key: strings.TrimSpace(c.FormValue("key")), Label: strings.TrimSpace(c.FormValue("label")),
		Value: normalizeNewlines(c.FormValue("value")), Values: form["values"]}
	res, err := d.tasks.Answer(c.Request().Context(), u.ID, in, domain.UserActor(u.ID))
	if err != nil {
		errs := fieldErrors(err)
		if len(errs) == 0 {
			errs = map[string]string{"value": domain.ErrorMessage(err)}
		}
		return d.questionsPage(c, web.Status(domain.ErrorCode(err)), questionsPage{Key: in.Key + in.Label, Errors: errs,
			Values: map[string]string{"value": in.Value, "label": in.Label}})
	}
	return back(c, "/questions", "answer_saved", res.Resumed, res.StillWaiting)
}

// handleDeleteAnswer serves POST /answers/:id/delete.
func (d *Dashboard) handleDeleteAnswer(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err == nil {
		err = d.tasks.DeleteAnswer(c.Request().Context(), u.ID, id)
	}
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "answer not found"), u)
	}
	return back(c, "/questions", "answer_deleted")
}
