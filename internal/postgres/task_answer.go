package postgres

import (
	"context"
	"encoding/json"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// Answers for one application only (task_answers): they fill that task's
// form and never enter the library.

func taskAnswerFromRow(r *dbsqlc.TaskAnswer) *domain.Answer {
	id := r.TaskID
	return &domain.Answer{UserID: r.UserID, Key: r.Key, Label: r.Label, Category: domain.AnswerCategory(r.Category),
		Value: r.Value, Values: r.Choices, UpdatedAt: r.UpdatedAt, TaskID: &id}
}

// TaskAnswerPut files a's answer for its task (a.TaskID), replacing the
// one there.
func (s *Store) TaskAnswerPut(ctx context.Context, a *domain.Answer) (*domain.Answer, error) {
	values := a.Values
	if values == nil {
		values = []string{}
	}
	r, err := s.q.TaskAnswerUpsert(ctx, dbsqlc.TaskAnswerUpsertParams{TaskID: *a.TaskID, UserID: a.UserID, Key: a.Key, Label: a.Label,
		Category: string(a.Category), Value: a.Value, Choices: values})
	if err != nil {
		return nil, err
	}
	return taskAnswerFromRow(r), nil
}

// TaskAnswers returns the answers given for one task only, by key.
func (s *Store) TaskAnswers(ctx context.Context, taskID domain.ID) ([]*domain.Answer, error) {
	rows, err := s.q.TaskAnswerListByTask(ctx, taskID)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Answer, len(rows))
	for i, r := range rows {
		out[i] = taskAnswerFromRow(r)
	}
	return out, nil
}

// WaitingQuestionForTask returns the question one of the user's tasks
// paused for answers waits for under key (ENOTFOUND when it does not).
func (s *Store) WaitingQuestionForTask(ctx context.Context, userID, taskID domain.ID, key string) (*domain.WaitingQuestion, error) {
	r, err := s.q.WaitingQuestionForTask(ctx, dbsqlc.WaitingQuestionForTaskParams{UserID: userID, TaskID: taskID, Key: key})
	if err != nil {
		return nil, notFound(err, "question waiting for that application")
	}
	w := &domain.WaitingQuestion{Key: r.Key, Label: r.Label, Kind: domain.QuestionKind(r.Kind), Category: domain.AnswerCategory(r.Category), Why: r.Why}
	if err := json.Unmarshal(r.Options, &w.Options); err != nil {
		return nil, err
	}
	return w, nil
}

// WaitingQuestionKeysForTask returns the keys a task still waits for.
func (s *Store) WaitingQuestionKeysForTask(ctx context.Context, taskID domain.ID) ([]string, error) {
	return s.q.WaitingQuestionKeysForTask(ctx, taskID)
}

// WaitingQuestionDeleteForTask forgets that one task waits for key (run
// it with the task locked).
func (s *Store) WaitingQuestionDeleteForTask(ctx context.Context, taskID domain.ID, key string) error {
	return s.q.WaitingQuestionDeleteForTask(ctx, dbsqlc.WaitingQuestionDeleteForTaskParams{TaskID: taskID, Key: key})
}

// waitingAskers returns, by key, the tasks (with their jobs) waiting for
// each of the user's waiting questions.
func (s *Store) waitingAskers(ctx context.Context, userID domain.ID) (map[string][]domain.QuestionAsker, error) {
	rows, err := s.q.WaitingQuestionAskers(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := map[string][]domain.QuestionAsker{}
	for _, r := range rows {
		out[r.Key] = append(out[r.Key], domain.QuestionAsker{TaskID: r.TaskID, RunID: r.RunID, JobID: r.JobID,
			Company: r.Company, Title: r.Title, URL: r.Url})
	}
	return out, nil
}
