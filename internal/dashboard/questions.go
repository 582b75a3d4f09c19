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
	Waiting []waitingQuestion
	Answers []*domain.Answer
	// Key and Errors are the answer refused, shown again with its error.
	Key    string
	Values map[string]string
	Errors map[string]string
	// EditID and EditError are the library answer whose edit was refused.
	EditID    string
	EditError string
	// WorkAuthorization is the user's own note, shown beside
	// work-authorisation questions.
	WorkAuthorization string
}

// waitingQuestion is a question waiting for the user, with where its
// answer is kept unless they choose otherwise.
type waitingQuestion struct {
	postgres.WaitingQuestion
	// Scope is the scope choice checked: "library", or the id of the one
	// application (task) to keep it for — by default the first asking a
	// company-specific question (domain.CompanySpecific).
	Scope string
	// PerApplication says the answer may be kept for one application (not
	// a profile field or a document).
	PerApplication bool
}

func toWaitingQuestion(w postgres.WaitingQuestion) waitingQuestion {
	out := waitingQuestion{WaitingQuestion: w, Scope: domain.ScopeLibrary,
		PerApplication: len(w.Askers) > 0 && !strings.HasPrefix(w.Key, domain.ProfileKeyPrefix) && !strings.HasPrefix(w.Key, domain.DocumentKeyPrefix)}
	if !out.PerApplication {
		return out
	}
	companies := make([]string, len(w.Askers))
	for i, a := range w.Askers {
		companies[i] = a.Company
	}
	if domain.CompanySpecific(w.Label, companies...) {
		out.Scope = w.Askers[0].TaskID.String()
	}
	return out
}

// handleQuestions serves GET /questions.
func (d *Dashboard) handleQuestions(c echo.Context) error {
	return d.questionsPage(c, http.StatusOK, questionsPage{})
}

func (d *Dashboard) questionsPage(c echo.Context, status int, p questionsPage) error {
	u, ctx := userOf(c), c.Request().Context()
	var err error
	waiting, err := d.db.WaitingQuestions(ctx, u.ID)
	if err != nil {
		return d.renderError(c, err, u)
	}
	p.Waiting = make([]waitingQuestion, len(waiting))
	for i, w := range waiting {
		p.Waiting[i] = toWaitingQuestion(w)
		if scope := p.Values["scope"]; scope != "" && w.Key == p.Key { // the choice just refused, kept
			p.Waiting[i].Scope = scope
		}
	}
	if p.Answers, err = d.db.Answers(ctx, u.ID); err != nil {
		return d.renderError(c, err, u)
	}
	p.WorkAuthorization = u.Profile.WorkAuthorization
	return d.page(c, status, "questions.html", "Questions", p)
}

// handleAnswer serves POST /questions: answer a waiting question (key) or
// file an answer by its wording (label); scope is "library" (or empty) to
// file it in the library, or the id of the one application (task) asking
// it to keep it for that application only. A sensitive question without
// a choice is shown again saying so (422).
func (d *Dashboard) handleAnswer(c echo.Context) error {
	u := userOf(c)
	form, _ := c.FormParams()
	in := tasks.AnswerInput{Key: strings.TrimSpace(c.FormValue("key")), Label: strings.TrimSpace(c.FormValue("label")),
		Value: normalizeNewlines(c.FormValue("value")), Values: form["values"]}
	scope := c.FormValue("scope")
	var err error
	if scope != "" && scope != domain.ScopeLibrary {
		id, perr := domain.ParseID(scope)
		if perr != nil {
			err = domain.ValidationError(map[string]string{"value": "choose where to keep the answer: your library, or one of the applications asking it"})
		}
		in.TaskID = &id
	}
	var res *tasks.AnswerResult
	if err == nil {
		res, err = d.tasks.Answer(c.Request().Context(), u.ID, in, domain.UserActor(u.ID))
	}
	if err != nil {
		errs := fieldErrors(err)
		if msg, ok := errs["_"]; ok { // not a field's: shown beside the answer
			errs["value"] = msg
		}
		return d.questionsPage(c, web.Status(domain.ErrorCode(err)), questionsPage{Key: in.Key + in.Label, Errors: errs,
			Values: map[string]string{"value": in.Value, "label": in.Label, "scope": scope}})
	}
	return back(c, "/questions", "answer_saved", res.Resumed, res.StillWaiting)
}

// handleEditAnswer serves POST /answers/:id/edit (value, or values_text: a
// multi-select's choices, one a line): a library answer changes its
// value. Refused, the page shows why beside it.
func (d *Dashboard) handleEditAnswer(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "answer not found"), u)
	}
	value, values := normalizeNewlines(c.FormValue("value")), []string(nil)
	if text, ok := c.Request().PostForm["values_text"]; ok && len(text) > 0 {
		values, value = strings.Split(normalizeNewlines(text[0]), "\n"), ""
	}
	if _, err := d.tasks.EditAnswer(c.Request().Context(), u.ID, id, value, values); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return d.renderError(c, err, u)
		}
		msg := domain.ErrorMessage(err)
		for _, v := range fieldErrors(err) {
			msg = v
		}
		return d.questionsPage(c, web.Status(domain.ErrorCode(err)), questionsPage{EditID: id.String(), EditError: msg})
	}
	return back(c, "/questions", "answer_edited")
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
