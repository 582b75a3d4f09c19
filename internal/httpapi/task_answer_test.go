package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestQuestions_ContextScopeAndChoice: a waiting question names the
// application asking it and suggests where its answer belongs; answered
// for that application only it stays out of the library; a sensitive one
// without a choice is 422 choice_required; a library answer can be edited.
func TestQuestions_ContextScopeAndChoice(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	_, id := formTask(t, b, false)
	ctx := context.Background()
	_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET company = 'Acme' WHERE id = (SELECT job_id FROM application_tasks WHERE id = $1)`, id)
	require.NoError(t, err)

	r := b.call(t, req{Method: "GET", Path: "/api/v1/questions"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var page struct {
		Items []struct {
			Key            string
			SuggestedScope string `json:"suggested_scope"`
			AskedBy        []struct {
				TaskID  string `json:"task_id"`
				JobID   string `json:"job_id"`
				Company string
				URL     string
			} `json:"asked_by"`
		}
	}
	r.JSON(t, &page)
	scope := map[string]string{}
	for _, w := range page.Items {
		scope[w.Key] = w.SuggestedScope
		require.Len(t, w.AskedBy, 1, w.Key)
		require.Equal(t, id.String(), w.AskedBy[0].TaskID)
		require.Equal(t, "Acme", w.AskedBy[0].Company)
		require.NotEmpty(t, w.AskedBy[0].URL)
	}
	require.Equal(t, map[string]string{"why acme": "application", "will you require visa sponsorship": "library"}, scope)

	// A sensitive question without a choice: 422, for the library and for
	// one application; nothing is filed.
	for _, body := range []map[string]any{
		{"key": "will you require visa sponsorship", "value": ""},
		{"key": "will you require visa sponsorship", "value": "", "task_id": id},
	} {
		r = b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: body})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
		e := r.Error(t)
		require.Equal(t, domain.ECHOICEREQUIRED, e.Code)
		require.Contains(t, e.Message, "Will you require visa sponsorship?")
	}
	r = b.call(t, req{Method: "POST", Path: "/api/v1/answers", Body: map[string]any{"label": "Are you authorised to work in the UK?", "value": " "}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`))

	// For this application only: kept with the task, not in the library.
	r = b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"key": "why acme", "value": "Rockets.", "task_id": id}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var res struct {
		Scope      string
		Answer     *struct{ ID string }
		TaskAnswer *struct {
			TaskID string `json:"task_id"`
			Value  string
		} `json:"task_answer"`
	}
	r.JSON(t, &res)
	require.Equal(t, "application", res.Scope)
	require.Nil(t, res.Answer)
	require.Equal(t, id.String(), res.TaskAnswer.TaskID)
	require.Equal(t, "Rockets.", res.TaskAnswer.Value)
	r = b.call(t, req{Method: "GET", Path: "/api/v1/answers"})
	var lib struct {
		Items []struct{ ID, Key, Value string }
	}
	r.JSON(t, &lib)
	require.Empty(t, lib.Items, "the library is unchanged")
	// task_id is for waiting questions only.
	fieldError(t, b.call(t, req{Method: "POST", Path: "/api/v1/answers", Body: map[string]any{"label": "Why Acme?", "value": "x", "task_id": id}}), "task_id")

	// The library answer for the visa question, then edited.
	r = b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"key": "will you require visa sponsorship", "value": "No"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &res)
	require.Equal(t, "library", res.Scope)
	require.NotNil(t, res.Answer)
	path := "/api/v1/answers/" + res.Answer.ID
	r = b.call(t, req{Method: "PATCH", Path: path, Body: map[string]any{"value": "Yes"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var edited struct{ ID, Value string }
	r.JSON(t, &edited)
	require.Equal(t, "Yes", edited.Value)
	r = b.call(t, req{Method: "PATCH", Path: path, Body: map[string]any{"value": ""}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	require.Equal(t, domain.ECHOICEREQUIRED, r.ErrorCode(t))
	r = b.call(t, req{Method: "PATCH", Path: path, Body: map[string]any{"value": "No", "extra": 1}})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	r = b.do(t, req{Method: "PATCH", Path: path, Token: pgtest.MustSession(t, b.db, uniqueEmail()), Body: map[string]any{"value": "No"}})
	require.Equal(t, http.StatusNotFound, r.Status, "another user's answer")
	r = b.call(t, req{Method: "GET", Path: "/api/v1/answers"})
	r.JSON(t, &lib)
	require.Len(t, lib.Items, 1)
	require.Equal(t, "Yes", lib.Items[0].Value)
}
