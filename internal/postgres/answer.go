package postgres

import (
	"context"
	"encoding/json"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

func answerFromRow(r *dbsqlc.Answer) *domain.Answer {
	return &domain.Answer{ID: r.ID, UserID: r.UserID, Key: r.Key, Label: r.Label, Category: domain.AnswerCategory(r.Category),
		Value: r.Value, Values: r.Choices, UpdatedAt: r.UpdatedAt}
}

// Answers returns the user's answer library, by key.
func (s *Store) Answers(ctx context.Context, userID domain.ID) ([]*domain.Answer, error) {
	rows, err := s.q.AnswerListByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Answer, len(rows))
	for i, r := range rows {
		out[i] = answerFromRow(r)
	}
	return out, nil
}

// Answer returns one of the user's answers.
func (s *Store) Answer(ctx context.Context, userID, id domain.ID) (*domain.Answer, error) {
	r, err := s.q.AnswerGet(ctx, dbsqlc.AnswerGetParams{UserID: userID, ID: id})
	if err != nil {
		return nil, notFound(err, "answer")
	}
	return answerFromRow(r), nil
}

// AnswerByKey returns the user's answer filed under key.
func (s *Store) AnswerByKey(ctx context.Context, userID domain.ID, key string) (*domain.Answer, error) {
	r, err := s.q.AnswerGetByKey(ctx, dbsqlc.AnswerGetByKeyParams{UserID: userID, Key: key})
	if err != nil {
		return nil, notFound(err, "answer")
	}
	return answerFromRow(r), nil
}

// AnswerCount returns how many answers the user's library holds.
func (s *Store) AnswerCount(ctx context.Context, userID domain.ID) (int, error) {
	return s.q.AnswerCount(ctx, userID)
}

// AnswerPut files a (the user's) under its key, replacing what was there.
func (s *Store) AnswerPut(ctx context.Context, a *domain.Answer) (*domain.Answer, error) {
	values := a.Values
	if values == nil {
		values = []string{}
	}
	r, err := s.q.AnswerUpsert(ctx, dbsqlc.AnswerUpsertParams{ID: domain.NewID(), UserID: a.UserID, Key: a.Key, Label: a.Label,
		Category: string(a.Category), Value: a.Value, Choices: values})
	if err != nil {
		return nil, err
	}
	return answerFromRow(r), nil
}

// AnswerDelete deletes one of the user's answers.
func (s *Store) AnswerDelete(ctx context.Context, userID, id domain.ID) error {
	n, err := s.q.AnswerDelete(ctx, dbsqlc.AnswerDeleteParams{UserID: userID, ID: id})
	if err == nil && n == 0 {
		err = domain.Errorf(domain.ENOTFOUND, "answer not found")
	}
	return err
}

// AnsweredKeys returns which of keys the user's library answers.
func (s *Store) AnsweredKeys(ctx context.Context, userID domain.ID, keys []string) ([]string, error) {
	return s.q.AnswerKeysAmong(ctx, dbsqlc.AnswerKeysAmongParams{UserID: userID, Keys: keys})
}

// WaitingQuestionsSet records the questions a task waits for (replacing
// those it waited for before).
func (s *Store) WaitingQuestionsSet(ctx context.Context, task *domain.Task, qs []domain.WaitingQuestion) error {
	p := dbsqlc.WaitingQuestionsReplaceParams{TaskID: task.ID, UserID: task.UserID}
	for _, q := range qs {
		opts, err := json.Marshal(q.Options)
		if err != nil {
			return err
		}
		if q.Options == nil {
			opts = []byte("[]")
		}
		p.Keys, p.Labels, p.Kinds = append(p.Keys, q.Key), append(p.Labels, q.Label), append(p.Kinds, string(q.Kind))
		p.Categories, p.Options, p.Whys = append(p.Categories, string(q.Category)), append(p.Options, opts), append(p.Whys, q.Why)
	}
	// A task paused for answers again may wait for a key it waited for
	// before: clear its rows first (run it with the task locked).
	if err := s.q.WaitingQuestionsClearTask(ctx, task.ID); err != nil {
		return err
	}
	return s.q.WaitingQuestionsReplace(ctx, p)
}

// WaitingQuestion is a question some of the user's tasks wait for.
type WaitingQuestion struct {
	domain.WaitingQuestion
	Tasks int // tasks waiting for it
	Runs  int // in how many runs
	// Askers are the tasks waiting for it, with their jobs, oldest first.
	Askers []domain.QuestionAsker
}

// WaitingQuestions returns the questions the user's paused tasks wait
// for, those most tasks wait for first.
func (s *Store) WaitingQuestions(ctx context.Context, userID domain.ID) ([]WaitingQuestion, error) {
	rows, err := s.q.WaitingQuestionsForUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	askers, err := s.waitingAskers(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]WaitingQuestion, len(rows))
	for i, r := range rows {
		w := WaitingQuestion{Askers: askers[r.Key], WaitingQuestion: domain.WaitingQuestion{Key: r.Key, Label: r.Label, Kind: domain.QuestionKind(r.Kind),
			Category: domain.AnswerCategory(r.Category), Why: r.Why}, Tasks: r.Tasks, Runs: r.Runs}
		if err := json.Unmarshal(r.Options, &w.Options); err != nil {
			return nil, err
		}
		if len(w.Options) == 0 {
			w.Options = nil
		}
		out[i] = w
	}
	return out, nil
}

// TaskWaiting is a task paused for answers, with every key it waits for.
type TaskWaiting struct {
	Task *domain.Task
	Keys []string
}

// WaitingQuestionsDeleteKey forgets that the user's tasks wait for key:
// it is answered (run it with the tasks locked, after TasksWaitingOnKey).
func (s *Store) WaitingQuestionsDeleteKey(ctx context.Context, userID domain.ID, key string) error {
	return s.q.WaitingQuestionsDeleteKey(ctx, dbsqlc.WaitingQuestionsDeleteKeyParams{UserID: userID, Key: key})
}

// TasksWaitingOnKey locks, in id order, the user's tasks paused for
// answers that wait for key.
func (s *Store) TasksWaitingOnKey(ctx context.Context, userID domain.ID, key string) ([]TaskWaiting, error) {
	rows, err := s.q.TasksWaitingOnKeyForUpdate(ctx, dbsqlc.TasksWaitingOnKeyForUpdateParams{UserID: userID, Key: key})
	if err != nil {
		return nil, err
	}
	out := make([]TaskWaiting, len(rows))
	for i, r := range rows {
		out[i] = TaskWaiting{Task: taskFromRow(&r.ApplicationTask), Keys: r.Keys}
	}
	return out, nil
}

// AnswerUpdate changes the value of one of the user's answers.
func (s *Store) AnswerUpdate(ctx context.Context, userID, id domain.ID, value string, values []string) (*domain.Answer, error) {
	if values == nil {
		values = []string{}
	}
	r, err := s.q.AnswerUpdate(ctx, dbsqlc.AnswerUpdateParams{UserID: userID, ID: id, Value: value, Choices: values})
	if err != nil {
		return nil, notFound(err, "answer")
	}
	return answerFromRow(r), nil
}
