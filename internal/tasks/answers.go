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
}

// AnswerResult is what answering did.
type AnswerResult struct {
	// Answer is the library entry (nil for a profile field).
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
	q, err := s.questionFor(ctx, userID, key, in.Label)
	if err != nil {
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
			a, err := s.fileAnswer(ctx, t, userID, key, q, in)
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

// questionFor is the question key stands for: as a task waiting for it
// asks it, else as the library has it, else (with a label) a new one.
func (s *Service) questionFor(ctx context.Context, userID domain.ID, key, label string) (domain.Question, error) {
	waiting, err := s.store.WaitingQuestions(ctx, userID)
	if err != nil {
		return domain.Question{}, err
	}
	for _, w := range waiting {
		if w.Key == key {
			return domain.Question{Label: w.Label, Kind: w.Kind, Options: w.Options, Required: true}, nil
		}
	}
	if strings.HasPrefix(key, domain.ProfileKeyPrefix) {
		return domain.Question{Label: key, Kind: domain.QuestionText}, nil
	}
	a, err := s.store.AnswerByKey(ctx, userID, key)
	switch {
	case err == nil:
		return domain.Question{Label: a.Label, Kind: kindOfAnswer(a)}, nil
	case domain.ErrorCode(err) != domain.ENOTFOUND:
		return domain.Question{}, err
	case strings.TrimSpace(label) != "":
		return domain.Question{Label: strings.TrimSpace(label), Kind: domain.QuestionTextarea}, nil
	}
	return domain.Question{}, domain.Errorf(domain.ENOTFOUND, "no question waits under the key %q and your library has no answer filed under it: GET /api/v1/questions lists the questions waiting for you", key)
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

// fileAnswer checks an answer against the question and files it: a
// choice under its option's label (what other forms' options are matched
// by), anything else as given.
func (s *Service) fileAnswer(ctx context.Context, t *txn, userID domain.ID, key string, q domain.Question, in AnswerInput) (*domain.Answer, error) {
	var f domain.FormField
	if err := domain.SetAnswer(&f, q, in.Value, in.Values); err != nil {
		return nil, domain.ValidationError(map[string]string{"value": domain.ErrorMessage(err)})
	}
	a := &domain.Answer{UserID: userID, Key: key, Label: q.Label, Category: domain.ClassifyQuestion(q), Value: strings.TrimSpace(in.Value)}
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
