package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// Answers: the user's answer library, and the questions tasks paused as
// needs_answer wait for. Answering a question files the answer (or sets
// the profile field it asks for) and queues again, boosted, every task
// whose questions are then all answered; the next preparation fills its
// form with the answer. Lock order: the user's row or library entry, then
// tasks in id order.

// AnswerInput is a user's answer: to a waiting question by its key, or to
// a question by its wording (Label; the key is QuestionKey of it).
type AnswerInput struct {
	Key    string
	Label  string
	Value  string
	Values []string // a multi-select's choices
	// TaskID keeps the answer for that one application
	// (domain.ScopeApplication): it fills that task's form only and never
	// enters the library. Nil files it in the library.
	TaskID *domain.ID
}

// AnswerResult is what answering did.
type AnswerResult struct {
	// Answer is the library entry (nil for a profile field), or the
	// answer kept for one application (its TaskID set).
	Answer *domain.Answer
	// Resumed counts the tasks queued again; StillWaiting those that wait
	// for other questions as well.
	Resumed      int
	StillWaiting int
}

// Answer files the user's answer. A waiting question's answer must fit it
// (a choice one of its options, a number a number…); a key no task waits
// for and the library does not hold is ENOTFOUND. Sensitive categories are
// filed like any other: what makes them sensitive is that only this exact
// answer fills them. Answers count against the user's answers per hour
// (ERATELIMITED when spent; a refused answer counts nothing).
func (s *Service) Answer(ctx context.Context, userID domain.ID, in AnswerInput, actor string) (*AnswerResult, error) {
	key := strings.TrimSpace(in.Key)
	if key == "" {
		key = domain.QuestionKey(in.Label)
	}
	if key == "" {
		return nil, domain.ValidationError(map[string]string{"key": "give the question's key (GET /api/v1/questions) or its wording as label"})
	}
	if kind, ok := strings.CutPrefix(key, domain.DocumentKeyPrefix); ok {
		return nil, domain.ValidationError(map[string]string{"key": "this question is answered by a document: upload your " +
			strings.ReplaceAll(kind, "_", " ") + " (POST /api/v1/documents) and the tasks waiting for it are queued again"})
	}
	if in.TaskID != nil {
		return s.answerForTask(ctx, userID, key, in, actor)
	}
	q, cat, err := s.questionFor(ctx, userID, key, in.Label)
	if err != nil {
		return nil, err
	}
	if err := requireChoice(q.Label, cat, in.Value, in.Values); err != nil {
		return nil, err
	}
	res := &AnswerResult{}
	err = s.inTx(ctx, func(t *txn) error {
		*res = AnswerResult{}
		if err := t.st.QuotaHit(ctx, s.o.Quotas.Answers(userID), "too many answers this hour"); err != nil {
			return err
		}
		if field, ok := strings.CutPrefix(key, domain.ProfileKeyPrefix); ok {
			if err := s.setProfileField(ctx, t, userID, field, in.Value); err != nil {
				return err
			}
		} else {
			a, err := s.fileAnswer(ctx, t, userID, key, q, cat, in)
			if err != nil {
				return err
			}
			res.Answer = a
		}
		return s.resumeAnswered(ctx, t, userID, key, actor, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// questionFor is the question key stands for, with its category: as a
// task waiting for it asks it, else as the library has it, else (with a
// label) a new one.
func (s *Service) questionFor(ctx context.Context, userID domain.ID, key, label string) (domain.Question, domain.AnswerCategory, error) {
	waiting, err := s.store.WaitingQuestions(ctx, userID)
	if err != nil {
		return domain.Question{}, "", err
	}
	for _, w := range waiting {
		if w.Key == key {
			return domain.Question{Label: w.Label, Kind: w.Kind, Options: w.Options, Required: true}, w.Category, nil
		}
	}
	if strings.HasPrefix(key, domain.ProfileKeyPrefix) {
		return domain.Question{Label: key, Kind: domain.QuestionText}, domain.CategoryGeneral, nil
	}
	a, err := s.store.AnswerByKey(ctx, userID, key)
	switch {
	case err == nil:
		return domain.Question{Label: a.Label, Kind: kindOfAnswer(a)}, a.Category, nil
	case domain.ErrorCode(err) != domain.ENOTFOUND:
		return domain.Question{}, "", err
	case strings.TrimSpace(label) != "":
		q := domain.Question{Label: strings.TrimSpace(label), Kind: domain.QuestionTextarea}
		return q, domain.ClassifyQuestion(q), nil
	}
	return domain.Question{}, "", domain.Errorf(domain.ENOTFOUND, "no question waits under the key %q and your library has no answer filed under it: GET /api/v1/questions lists the questions waiting for you", key)
}

// requireChoice refuses an empty answer to a sensitive question (work
// authorisation, sponsorship, demographics, pay…): only the person's own
// explicit choice answers it, so nothing may be saved until they choose.
func requireChoice(label string, cat domain.AnswerCategory, value string, values []string) error {
	if !cat.Sensitive() || strings.TrimSpace(value) != "" || slices.ContainsFunc(values, func(v string) bool { return strings.TrimSpace(v) != "" }) {
		return nil
	}
	return domain.Errorf(domain.ECHOICEREQUIRED, "choose your answer to “%s”: questions about %s are answered only by your own choice, never filled in for you",
		label, strings.ReplaceAll(string(cat), "_", " ")).WithDetails(map[string]any{"category": string(cat)})
}

// answerForTask keeps the user's answer for one task waiting for key (it
// fills that task's form only; the library is not touched) and queues the
// task again, boosted, when it waits for nothing else.
func (s *Service) answerForTask(ctx context.Context, userID domain.ID, key string, in AnswerInput, actor string) (*AnswerResult, error) {
	if strings.HasPrefix(key, domain.ProfileKeyPrefix) {
		return nil, domain.ValidationError(map[string]string{"task_id": "a profile field is answered in your profile, for every application: leave out task_id"})
	}
	res := &AnswerResult{}
	err := s.inTx(ctx, func(t *txn) error {
		*res = AnswerResult{}
		if err := t.st.QuotaHit(ctx, s.o.Quotas.Answers(userID), "too many answers this hour"); err != nil {
			return err
		}
		task, err := t.st.TaskGetForUpdate(ctx, userID, *in.TaskID)
		if err != nil {
			return err
		}
		w, err := t.st.WaitingQuestionForTask(ctx, userID, task.ID, key)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return domain.Errorf(domain.ENOTFOUND, "that application does not wait for the question %q: GET /api/v1/questions lists the applications asking each question", key)
		}
		if err != nil {
			return err
		}
		q := domain.Question{Label: w.Label, Kind: w.Kind, Options: w.Options, Required: true}
		if err := requireChoice(q.Label, w.Category, in.Value, in.Values); err != nil {
			return err
		}
		a, err := buildAnswer(userID, key, q, w.Category, in)
		if err != nil {
			return err
		}
		a.TaskID = &task.ID
		if res.Answer, err = t.st.TaskAnswerPut(ctx, a); err != nil {
			return err
		}
		if err := t.st.WaitingQuestionDeleteForTask(ctx, task.ID, key); err != nil {
			return err
		}
		left, err := t.st.WaitingQuestionKeysForTask(ctx, task.ID)
		if err != nil {
			return err
		}
		answered, err := s.answeredKeys(ctx, t, userID, left)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(left, func(k string) bool { return !answered[k] }) {
			res.StillWaiting = 1
			return nil
		}
		res.Resumed = 1
		_, err = s.resumeLocked(ctx, t, []*domain.Task{task}, actor, domain.ReasonAnswered)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// kindOfAnswer is the kind a library answer was given for, as far as its
// shape tells (the library keeps text, and choices for a multi-select).
func kindOfAnswer(a *domain.Answer) domain.QuestionKind {
	if len(a.Values) > 0 {
		return domain.QuestionMultiSelect
	}
	return domain.QuestionTextarea
}

func (s *Service) setProfileField(ctx context.Context, t *txn, userID domain.ID, field, value string) error {
	u, err := t.st.GetUserForUpdate(ctx, userID)
	if err != nil {
		return err
	}
	p := u.Profile
	if err := domain.SetProfileField(&p, field, value); err != nil {
		return domain.ValidationError(map[string]string{"value": domain.ErrorMessage(err)})
	}
	if err := p.Validate(u.DailySubmissionLimit); err != nil {
		return err
	}
	_, err = t.st.UpdateProfile(ctx, userID, p, u.DailySubmissionLimit)
	return err
}

// buildAnswer checks an answer against the question: a choice is kept
// under its option's label (what other forms' options are matched by),
// anything else as given.
func buildAnswer(userID domain.ID, key string, q domain.Question, cat domain.AnswerCategory, in AnswerInput) (*domain.Answer, error) {
	var f domain.FormField
	if err := domain.SetAnswer(&f, q, in.Value, in.Values); err != nil {
		return nil, domain.ValidationError(map[string]string{"value": domain.ErrorMessage(err)})
	}
	a := &domain.Answer{UserID: userID, Key: key, Label: q.Label, Category: cat, Value: strings.TrimSpace(in.Value)}
	switch q.Kind {
	case domain.QuestionSingleSelect:
		a.Value = domain.OptionLabel(q.Options, f.Value)
	case domain.QuestionMultiSelect:
		a.Value = ""
		for _, v := range f.Values {
			a.Values = append(a.Values, domain.OptionLabel(q.Options, v))
		}
	case domain.QuestionBoolean:
		a.Value = f.Value
	}
	return a, nil
}

// fileAnswer checks an answer against the question (buildAnswer) and
// files it in the library.
func (s *Service) fileAnswer(ctx context.Context, t *txn, userID domain.ID, key string, q domain.Question, cat domain.AnswerCategory, in AnswerInput) (*domain.Answer, error) {
	a, err := buildAnswer(userID, key, q, cat, in)
	if err != nil {
		return nil, err
	}
	if _, err := t.st.AnswerByKey(ctx, userID, key); domain.ErrorCode(err) == domain.ENOTFOUND {
		n, err := t.st.AnswerCount(ctx, userID)
		if err != nil {
			return nil, err
		}
		if n >= domain.MaxAnswers {
			return nil, domain.Errorf(domain.ECONFLICT, "your library holds %d answers, the most it takes: delete some first", n)
		}
	} else if err != nil {
		return nil, err
	}
	return t.st.AnswerPut(ctx, a)
}

// resumeAnswered queues again, boosted, the user's tasks waiting for key
// whose every question is now answered.
func (s *Service) resumeAnswered(ctx context.Context, t *txn, userID domain.ID, key, actor string, res *AnswerResult) error {
	waiting, err := t.st.TasksWaitingOnKey(ctx, userID, key)
	if err != nil || len(waiting) == 0 {
		return err
	}
	var all []string
	for _, w := range waiting {
		all = append(all, w.Keys...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	answered, err := s.answeredKeys(ctx, t, userID, all)
	if err != nil {
		return err
	}
	var ready []*domain.Task
	for _, w := range waiting {
		if !slices.ContainsFunc(w.Keys, func(k string) bool { return !answered[k] }) {
			ready = append(ready, w.Task)
		} else {
			res.StillWaiting++
		}
	}
	res.Resumed = len(ready)
	if answered[key] {
		// Answered: the tasks still waiting for others no longer list it
		// (the Questions page stops asking it).
		if err := t.st.WaitingQuestionsDeleteKey(ctx, userID, key); err != nil {
			return err
		}
	}
	if len(ready) == 0 {
		return nil
	}
	_, err = s.resumeLocked(ctx, t, ready, actor, domain.ReasonAnswered)
	return err
}

// answeredKeys says which of keys are answered now: profile keys by the
// profile, the others by the library.
func (s *Service) answeredKeys(ctx context.Context, t *txn, userID domain.ID, keys []string) (map[string]bool, error) {
	out := make(map[string]bool, len(keys))
	var library []string
	var user *domain.User
	var docs documentSet
	for _, k := range keys {
		if kind, ok := strings.CutPrefix(k, domain.DocumentKeyPrefix); ok {
			if docs == nil {
				var err error
				if docs, err = t.st.DocumentsForApplications(ctx, []domain.ID{userID}, nil); err != nil {
					return nil, err
				}
			}
			f, _ := docs.pick(userID, &domain.Run{}, domain.DocumentKind(kind))
			out[k] = f != nil
			continue
		}
		field, ok := strings.CutPrefix(k, domain.ProfileKeyPrefix)
		if !ok {
			library = append(library, k)
			continue
		}
		if user == nil {
			var err error
			if user, err = t.st.GetUser(ctx, userID); err != nil {
				return nil, err
			}
		}
		out[k] = domain.ProfileHas(user.Profile, user.Email, field)
	}
	found, err := t.st.AnsweredKeys(ctx, userID, library)
	if err != nil {
		return nil, err
	}
	for _, k := range found {
		out[k] = true
	}
	return out, nil
}

// DocumentsChanged queues again, boosted, the user's tasks that waited
// for a document of kind (and nothing else unanswered), now that the user
// has a default one; it returns how many. The documents service calls it
// after an upload or a change of default.
func (s *Service) DocumentsChanged(ctx context.Context, userID domain.ID, kind domain.DocumentKind, actor string) (int, error) {
	res := &AnswerResult{}
	err := s.inTx(ctx, func(t *txn) error {
		*res = AnswerResult{}
		return s.resumeAnswered(ctx, t, userID, domain.DocumentKeyPrefix+string(kind), actor, res)
	})
	return res.Resumed, err
}

// EditAnswer changes the value (or a multi-select's values) of one of the
// user's library answers; its question stays. Emptying it is EINVALID
// (delete it instead), or ECHOICEREQUIRED for a sensitive question. Forms
// already filled keep what they had; the next ones get the new answer.
func (s *Service) EditAnswer(ctx context.Context, userID, id domain.ID, value string, values []string) (*domain.Answer, error) {
	value = strings.TrimSpace(value)
	var vs []string
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			vs = append(vs, v)
		}
	}
	switch {
	case value != "" && len(vs) > 0:
		return nil, domain.ValidationError(map[string]string{"values": "give value or values (a multi-select's choices), not both"})
	case len(vs) > domain.MaxAnswerValues:
		return nil, domain.ValidationError(map[string]string{"values": fmt.Sprintf("must have at most %d entries", domain.MaxAnswerValues)})
	case len([]rune(value)) > domain.MaxAnswerChars:
		return nil, domain.ValidationError(map[string]string{"value": fmt.Sprintf("must be at most %d characters", domain.MaxAnswerChars)})
	}
	var out *domain.Answer
	err := s.inTx(ctx, func(t *txn) error {
		a, err := t.st.Answer(ctx, userID, id)
		if err != nil {
			return err
		}
		if err := requireChoice(a.Label, a.Category, value, vs); err != nil {
			return err
		}
		if value == "" && len(vs) == 0 {
			return domain.ValidationError(map[string]string{"value": "give an answer, or delete this one"})
		}
		if err := t.st.QuotaHit(ctx, s.o.Quotas.Answers(userID), "too many answers this hour"); err != nil {
			return err
		}
		out, err = t.st.AnswerUpdate(ctx, userID, id, value, vs)
		return err
	})
	return out, err
}

// DeleteAnswer removes an answer from the user's library. Forms already
// filled with it keep it; the next forms ask again.
func (s *Service) DeleteAnswer(ctx context.Context, userID, id domain.ID) error {
	return s.inTx(ctx, func(t *txn) error { return t.st.AnswerDelete(ctx, userID, id) })
}

// waitingSummary is a task's reason line for the questions it waits for.
func waitingSummary(ws []domain.WaitingQuestion) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Describe()
	}
	msg := fmt.Sprintf("waiting for %d answer(s): %s", len(ws), strings.Join(parts, "; "))
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return msg
}
