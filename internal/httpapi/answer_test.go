package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// formTask adds a job whose posting publishes a form (first name, a visa
// choice, a general question) to a new run of user (approval as asked),
// and prepares it as a worker does: its form waits for answers.
func formTask(t *testing.T, b *sourceBundle, approval bool) (*tasks.Service, domain.ID) {
	t.Helper()
	ctx := context.Background()
	p := b.user.Profile
	p.Name, p.FirstName = "Ada Lovelace", "Ada"
	_, err := b.db.UpdateProfile(ctx, b.user.ID, p, 50)
	require.NoError(t, err)
	b.user.Profile = p
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	taskstest.MustForm(t, b.db, taskstest.Form(), job...)
	run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: approval})
	id := taskstest.MustAdd(t, b.db, b.user, run, job).Queued[0].TaskID
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	prepare(t, b, svc, id)
	return svc, id
}

// prepare claims and prepares a task as a worker does.
func prepare(t *testing.T, b *sourceBundle, svc *tasks.Service, id domain.ID) {
	t.Helper()
	taskstest.MustWork(t, b.db, svc, b.user.ID, id)
}

type waitingView struct {
	Key       string
	Label     string
	Kind      string
	Category  string
	Sensitive bool
	Options   []domain.QuestionOption
	Tasks     int `json:"tasks_waiting"`
}

func TestQuestions_ListAnswerAndResume(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	_, id := formTask(t, b, false)

	r := b.call(t, req{Method: "GET", Path: "/api/v1/questions"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var page struct{ Items []waitingView }
	r.JSON(t, &page)
	require.Len(t, page.Items, 2)
	byKey := map[string]waitingView{}
	for _, w := range page.Items {
		byKey[w.Key] = w
	}
	visa := byKey["will you require visa sponsorship"]
	require.True(t, visa.Sensitive)
	require.Equal(t, "work_authorization", visa.Category)
	require.Equal(t, "single_select", visa.Kind)
	require.Len(t, visa.Options, 2)
	require.Equal(t, 1, visa.Tasks)
	require.False(t, byKey["why acme"].Sensitive)

	r = b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"key": visa.Key, "value": "Perhaps"}})
	require.Contains(t, fieldError(t, r, "value"), "not one of the options (Yes, No)")
	r = b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"key": "no such question", "value": "x"}})
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	fieldError(t, b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"value": "x"}}), "key")

	r = b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"key": visa.Key, "value": "No"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var res struct {
		Answer       struct{ ID, Key, Value, Category string }
		Resumed      int `json:"tasks_resumed"`
		StillWaiting int `json:"tasks_still_waiting"`
	}
	r.JSON(t, &res)
	require.Equal(t, "No", res.Answer.Value)
	require.Equal(t, 0, res.Resumed)
	require.Equal(t, 1, res.StillWaiting)

	r = b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"key": "why acme", "value": "Rockets."}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &res)
	require.Equal(t, 1, res.Resumed)
	require.Equal(t, domain.StateQueued, pgtest.MustTaskState(t, b.db, id))

	// The library: list, file by wording, delete; another user's is not found.
	r = b.call(t, req{Method: "POST", Path: "/api/v1/answers", Body: map[string]any{"label": "What is your notice period?", "value": "One month"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &res)
	require.Equal(t, "notice_period", res.Answer.Category)
	r = b.call(t, req{Method: "GET", Path: "/api/v1/answers"})
	var lib struct {
		Items []struct{ ID, Key, Label, Value string }
	}
	r.JSON(t, &lib)
	require.Len(t, lib.Items, 3)
	r = b.do(t, req{Method: "DELETE", Path: "/api/v1/answers/" + res.Answer.ID, Token: pgtest.MustSession(t, b.db, uniqueEmail())})
	require.Equal(t, http.StatusNotFound, r.Status, "another user's answer")
	r = b.call(t, req{Method: "DELETE", Path: "/api/v1/answers/" + res.Answer.ID})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	r = b.call(t, req{Method: "DELETE", Path: "/api/v1/answers/" + res.Answer.ID})
	require.Equal(t, http.StatusNotFound, r.Status)
	fieldError(t, b.call(t, req{Method: "POST", Path: "/api/v1/answers", Body: map[string]any{"value": "x"}}), "label")
}

func TestApprovals_ApproveWithEdits(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	svc, id := formTask(t, b, true)
	for key, value := range map[string]string{"will you require visa sponsorship": "No", "why acme": "Rockets."} {
		r := b.call(t, req{Method: "POST", Path: "/api/v1/questions/answer", Body: map[string]any{"key": key, "value": value}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	prepare(t, b, svc, id)
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, id))
	a, err := b.db.ApprovalLatestForTask(context.Background(), id)
	require.NoError(t, err)
	path := "/api/v1/approvals/" + a.ID.String()

	// The request shows the filled form.
	r := b.call(t, req{Method: "GET", Path: path})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got struct {
		Status string
		Packet struct {
			Form struct {
				Fields []struct{ Field, Value, Source string }
			}
		}
		Edits []struct{ Field, Before, After string }
	}
	r.JSON(t, &got)
	require.Len(t, got.Packet.Form.Fields, 3)
	require.Equal(t, "library", got.Packet.Form.Fields[2].Source)

	r = b.call(t, req{Method: "POST", Path: path + "/approve", Body: map[string]any{"edits": []map[string]any{{"field": "first_name", "value": ""}}}})
	require.Contains(t, fieldError(t, r, "form.first_name"), "cannot be emptied")
	r = b.call(t, req{Method: "POST", Path: path + "/approve", Body: map[string]any{"edits": []map[string]any{{"field": "q_visa", "value": "Sometimes"}}}})
	fieldError(t, r, "form.q_visa")
	r = b.call(t, req{Method: "POST", Path: path + "/reject", Body: map[string]any{"edits": []map[string]any{{"field": "q_why", "value": "x"}}}})
	fieldError(t, r, "edits")
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, id), "nothing decided")

	r = b.call(t, req{Method: "POST", Path: path + "/approve", Body: map[string]any{"edits": []map[string]any{{"field": "q_why", "value": "Because rockets."}}, "save_to_library": true}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &got)
	require.Equal(t, "approved", got.Status)
	require.Equal(t, []struct{ Field, Before, After string }{{"q_why", "Rockets.", "Because rockets."}}, got.Edits)
	require.Equal(t, "Because rockets.", got.Packet.Form.Fields[2].Value)
	require.Equal(t, "user_edit", got.Packet.Form.Fields[2].Source)
	saved, err := b.db.AnswerByKey(context.Background(), b.user.ID, "why acme")
	require.NoError(t, err)
	require.Equal(t, "Because rockets.", saved.Value)
}

// TestRuns_ChooseTheirDocuments: a run may carry one of the user's
// résumés instead of the default; another user's document is not found,
// a deleted one or one of the other kind is refused naming the field, and
// null goes back to the default.
func TestRuns_ChooseTheirDocuments(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	_, token := newUser(t, b)
	_, other := newUser(t, b)
	first := b.mustUpload(t, token, "resume", "first.pdf", documentstest.PDF("first"))
	second := b.mustUpload(t, token, "resume", "second.pdf", documentstest.PDF("second"))
	letter := b.mustUpload(t, token, "cover_letter", "letter.pdf", documentstest.PDF("letter"))
	theirs := b.mustUpload(t, other, "resume", "theirs.pdf", documentstest.PDF("theirs"))
	require.True(t, first.IsDefault)

	create := func(body map[string]any) resp {
		body["name"] = "run"
		return b.do(t, req{Method: "POST", Path: "/api/v1/runs", Token: token, Body: body})
	}
	r := create(map[string]any{"resume_document_id": theirs.ID})
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	fieldError(t, create(map[string]any{"resume_document_id": letter.ID}), "resume_document_id")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_runs`), "nothing half-written")

	r = create(map[string]any{"resume_document_id": second.ID, "approval_ttl_seconds": 3600})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var run struct {
		ID               string
		ResumeDocumentID *string `json:"resume_document_id"`
		TTL              *int    `json:"approval_ttl_seconds"`
	}
	r.JSON(t, &run)
	require.Equal(t, second.ID, *run.ResumeDocumentID)
	require.Equal(t, 3600, *run.TTL)

	r = b.do(t, req{Method: "DELETE", Path: "/api/v1/documents/" + first.ID, Token: token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + run.ID, Token: token, Body: map[string]any{"resume_document_id": first.ID}})
	require.Contains(t, fieldError(t, r, "resume_document_id"), "deleted")
	r = b.do(t, req{Method: "PATCH", Path: "/api/v1/runs/" + run.ID, Token: token, Body: map[string]any{"resume_document_id": nil}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &run)
	require.Nil(t, run.ResumeDocumentID, "null: back to the default")
	require.Equal(t, 3600, *run.TTL, "what the patch did not name stays")
}

// TestTasks_Evidence: a task's detail lists what the applier saw, and its
// bytes are served as stored (typed, nosniff) to the task's user only.
func TestTasks_Evidence(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	ctx := context.Background()
	user, token := newUser(t, b)
	_, other := newUser(t, b)
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	id := taskstest.MustAdd(t, b.db, user, run, pgtest.MustJobs(t, b.db, user, 1)).Queued[0].TaskID
	blobs, err := blob.Open(ctx, documentstest.FileURL(blobDir))
	require.NoError(t, err)
	rec := &domain.EvidenceRecord{ID: domain.NewID(), TaskID: id, UserID: user.ID, Kind: domain.EvidenceConfirmation, ContentType: "image/png",
		Size: 9, Applier: "browser"}
	rec.BlobKey = domain.EvidenceBlobKey(user.ID, id, rec.ID)
	require.NoError(t, blobs.Put(ctx, rec.BlobKey, "image/png", []byte("\x89PNG shot")))
	_, err = b.db.EvidenceAdd(ctx, rec)
	require.NoError(t, err)

	r := b.do(t, req{Method: "GET", Path: "/api/v1/tasks/" + id.String(), Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var detail struct {
		Evidence []struct{ ID, Kind, URL, Applier string }
	}
	r.JSON(t, &detail)
	require.Len(t, detail.Evidence, 1)
	require.Equal(t, "confirmation", detail.Evidence[0].Kind)
	require.Equal(t, "browser", detail.Evidence[0].Applier)

	r = b.do(t, req{Method: "GET", Path: detail.Evidence[0].URL, Token: token})
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "\x89PNG shot", string(r.Body))
	require.Equal(t, "image/png", r.Header.Get("Content-Type"))
	require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
	r = b.do(t, req{Method: "GET", Path: detail.Evidence[0].URL, Token: other})
	require.Equal(t, http.StatusNotFound, r.Status, "another user's evidence")
	r = b.do(t, req{Method: "GET", Path: "/api/v1/tasks/" + id.String() + "/evidence/nope", Token: token})
	require.Equal(t, http.StatusNotFound, r.Status)
}
