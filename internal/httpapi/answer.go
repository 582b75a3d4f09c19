package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
)

// The questions waiting for the user, and the answer library.

type waitingQuestionJSON struct {
	Key       string                  `json:"key"`
	Label     string                  `json:"label"`
	Kind      string                  `json:"kind"`
	Category  string                  `json:"category"`
	Sensitive bool                    `json:"sensitive"`
	Options   []domain.QuestionOption `json:"options"`
	Why       string                  `json:"why"`
	Tasks     int                     `json:"tasks_waiting"`
	Runs      int                     `json:"runs"`
	// AskedBy are the applications waiting for it, with their jobs.
	AskedBy []domain.QuestionAsker `json:"asked_by"`
	// SuggestedScope is where the answer is best kept: "application" for a
	// question written for one employer or role, else "library".
	SuggestedScope string `json:"suggested_scope"`
}

func toWaitingQuestion(w postgres.WaitingQuestion) waitingQuestionJSON {
	opts := w.Options
	if opts == nil {
		opts = []domain.QuestionOption{}
	}
	askers := w.Askers
	if askers == nil {
		askers = []domain.QuestionAsker{}
	}
	return waitingQuestionJSON{Key: w.Key, Label: w.Label, Kind: string(w.Kind), Category: string(w.Category), Sensitive: w.Category.Sensitive(),
		Options: opts, Why: w.Why, Tasks: w.Tasks, Runs: w.Runs, AskedBy: askers, SuggestedScope: suggestedScope(w)}
}

// suggestedScope is domain.ScopeApplication for a company-specific
// question (domain.CompanySpecific), else domain.ScopeLibrary.
func suggestedScope(w postgres.WaitingQuestion) string {
	if strings.HasPrefix(w.Key, domain.ProfileKeyPrefix) || strings.HasPrefix(w.Key, domain.DocumentKeyPrefix) {
		return domain.ScopeLibrary
	}
	companies := make([]string, len(w.Askers))
	for i, a := range w.Askers {
		companies[i] = a.Company
	}
	if domain.CompanySpecific(w.Label, companies...) {
		return domain.ScopeApplication
	}
	return domain.ScopeLibrary
}

type answerJSON struct {
	ID domain.ID `json:"id"`
	answerFields
}

// answerFields are what a library answer and an answer kept for one
// application both say.
type answerFields struct {
	Key       string    `json:"key"`
	Label     string    `json:"label"`
	Category  string    `json:"category"`
	Sensitive bool      `json:"sensitive"`
	Value     string    `json:"value"`
	Values    []string  `json:"values"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toAnswer(a *domain.Answer) answerJSON {
	return answerJSON{ID: a.ID, answerFields: answerFieldsOf(a)}
}

func answerFieldsOf(a *domain.Answer) answerFields {
	values := a.Values
	if values == nil {
		values = []string{}
	}
	return answerFields{Key: a.Key, Label: a.Label, Category: string(a.Category), Sensitive: a.Category.Sensitive(),
		Value: a.Value, Values: values, UpdatedAt: a.UpdatedAt}
}

// handleListQuestions answers GET /api/v1/questions: the questions the
// user's paused tasks wait for, across runs, those most tasks wait for
// first.
func (s *Server) handleListQuestions(c echo.Context) error {
	ws, err := s.db.WaitingQuestions(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[waitingQuestionJSON]{Items: mapSlice(ws, toWaitingQuestion)})
}

type answerRequest struct {
	Key    string   `json:"key"`
	Label  string   `json:"label"`
	Value  string   `json:"value"`
	Values []string `json:"values"`
	// TaskID keeps the answer for that application only (never in the
	// library); only POST /questions/answer takes it.
	TaskID *domain.ID `json:"task_id"`
}

type answerResponse struct {
	// Scope is "library", or "application" for an answer kept for one
	// application only (TaskAnswer then, Answer null).
	Scope        string          `json:"scope"`
	Answer       *answerJSON     `json:"answer"`
	TaskAnswer   *taskAnswerJSON `json:"task_answer,omitempty"`
	Resumed      int             `json:"tasks_resumed"`
	StillWaiting int             `json:"tasks_still_waiting"`
}

// taskAnswerJSON is an answer kept for one application only.
type taskAnswerJSON struct {
	TaskID domain.ID `json:"task_id"`
	answerFields
}

// answer files the user's answer and says what it did.
func (s *Server) answer(c echo.Context, status int, req answerRequest) error {
	u := currentUser(c)
	if len(req.Values) > domain.MaxAnswerValues {
		return domain.ValidationError(map[string]string{"values": "must have at most 50 entries"})
	}
	res, err := s.tasks.Answer(c.Request().Context(), u.ID, tasks.AnswerInput{Key: req.Key, Label: req.Label, Value: req.Value, Values: req.Values,
		TaskID: req.TaskID}, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	out := answerResponse{Scope: domain.ScopeLibrary, Resumed: res.Resumed, StillWaiting: res.StillWaiting}
	switch a := res.Answer; {
	case a != nil && a.TaskID != nil:
		out.Scope = domain.ScopeApplication
		out.TaskAnswer = &taskAnswerJSON{TaskID: *a.TaskID, answerFields: answerFieldsOf(a)}
	case a != nil:
		j := toAnswer(a)
		out.Answer = &j
	}
	return c.JSON(status, out)
}

// handleAnswerQuestion answers POST /api/v1/questions/answer {key, value |
// values, task_id?}: the answer is filed in the library (or, for a
// profile:… key, set in the profile) and every task that waited only for
// answered questions is queued again, boosted. With task_id it is kept for
// that application only: it fills that task's form and never enters the
// library. A sensitive question without a choice answers 422
// choice_required.
func (s *Server) handleAnswerQuestion(c echo.Context) error {
	var req answerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Key == "" {
		return domain.ValidationError(map[string]string{"key": "is required: GET /api/v1/questions lists the keys"})
	}
	return s.answer(c, http.StatusOK, req)
}

// handleListAnswers answers GET /api/v1/answers: the user's answer library.
func (s *Server) handleListAnswers(c echo.Context) error {
	as, err := s.db.Answers(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[answerJSON]{Items: mapSlice(as, toAnswer)})
}

// handlePutAnswer answers POST /api/v1/answers {label, value | values}:
// files an answer to a question by its wording (it also answers tasks
// waiting for that question).
func (s *Server) handlePutAnswer(c echo.Context) error {
	var req answerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Label == "" {
		return domain.ValidationError(map[string]string{"label": "is required: the question as forms ask it"})
	}
	if p := domain.LineProblem(req.Label, 1000); p != "" {
		return domain.ValidationError(map[string]string{"label": p})
	}
	if req.TaskID != nil {
		return domain.ValidationError(map[string]string{"task_id": "answer a question for one application with POST /api/v1/questions/answer {key, task_id}"})
	}
	req.Key = ""
	return s.answer(c, http.StatusCreated, req)
}

type editAnswerRequest struct {
	Value  string   `json:"value"`
	Values []string `json:"values"`
}

// handleEditAnswer answers PATCH /api/v1/answers/:id {value | values}: a
// library answer changes its value (its question stays); the next forms
// get the new one. Empty is 400 (delete it instead), or 422
// choice_required for a sensitive question.
func (s *Server) handleEditAnswer(c echo.Context) error {
	id, err := pathID(c, "answer")
	if err != nil {
		return err
	}
	var req editAnswerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := s.tasks.EditAnswer(c.Request().Context(), currentUser(c).ID, id, req.Value, req.Values)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAnswer(a))
}

// handleDeleteAnswer answers DELETE /api/v1/answers/:id.
func (s *Server) handleDeleteAnswer(c echo.Context) error {
	id, err := pathID(c, "answer")
	if err != nil {
		return err
	}
	if err := s.tasks.DeleteAnswer(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
