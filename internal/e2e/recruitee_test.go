package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sources"
)

// recruiteeSite is one company's Recruitee careers site, "acme", on
// loopback: its offers (with an open question) and the candidate endpoint,
// which records every application it receives.
type recruiteeSite struct {
	mu         sync.Mutex
	candidates []map[string][]string // form values of each application
	files      []map[string][]byte   // its files, by field
}

func (r *recruiteeSite) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/acme/api/offers":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"offers":[{"id":1,"slug":"backend-engineer","status":"published","title":"Backend Engineer",
			"description":"<p>Build things.</p>","location":"Berlin","department":"Engineering","company_name":"Acme",
			"careers_url":"https://acme.recruitee.com/o/backend-engineer","options_phone":"required","options_cv":"required",
			"options_cover_letter":"off","options_photo":"off",
			"open_questions":[{"id":501,"kind":"text","required":true,"position":1,"body":"Why Acme?","open_question_options":[]}]}]}`)
	case req.Method == http.MethodPost && req.URL.Path == "/acme/api/offers/backend-engineer/candidates":
		if err := req.ParseMultipartForm(8 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		files := map[string][]byte{}
		for field, fhs := range req.MultipartForm.File {
			f, err := fhs[0].Open()
			if err == nil {
				files[field], _ = io.ReadAll(f)
				_ = f.Close()
			}
		}
		r.mu.Lock()
		r.candidates = append(r.candidates, req.MultipartForm.Value)
		r.files = append(r.files, files)
		n := len(r.candidates)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"candidate":{"id":%d}}`, 9000+n)
	default:
		http.NotFound(w, req)
	}
}

// TestRecruitee_FollowAnswerApproveSubmitOnceWithEvidence is the whole
// flow against a Recruitee careers site on loopback: the user follows the
// board, uploads a résumé, answers the question the form asks, reviews and
// edits the filled form, approves it; the worker submits it through
// Recruitee's candidate API — exactly once, with the approved answers and
// the résumé's bytes — and keeps Recruitee's answer as evidence.
func TestRecruitee_FollowAnswerApproveSubmitOnceWithEvidence(t *testing.T) {
	t.Parallel()
	site := &recruiteeSite{}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	board, err := sources.New(domain.PlatformRecruitee, sources.Options{BaseURL: srv.URL + "/{board}"})
	require.NoError(t, err)
	s := startStack(t, stackOpts{HandoffDelay: -1, Boards: map[domain.Platform]domain.BoardClient{domain.PlatformRecruitee: board},
		Direct: func(files domain.DocumentFiles, codes domain.Codes) map[domain.Platform]domain.Applier {
			return map[domain.Platform]domain.Applier{domain.PlatformRecruitee: &applier.Recruitee{BaseURL: srv.URL + "/{board}", Files: files}}
		}})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	auth := map[string]string{"Authorization": "Bearer " + s.session(t, user)}
	call := func(method, path string, body any) []byte {
		t.Helper()
		code, _, out := s.request(t, method, path, body, auth)
		require.Less(t, code, 300, "%s %s: %s", method, path, out)
		return out
	}

	call(http.MethodPatch, "/api/v1/me", map[string]any{"name": "Ada Lovelace", "phone": "+44 20 7946 0000"})
	resume := documentstest.PDF("Ada Lovelace, analyst")
	code, out := s.upload(t, "/api/v1/documents", map[string]string{"kind": "resume"}, "ada.pdf", resume, auth)
	require.Equal(t, http.StatusCreated, code, string(out))
	var run struct{ ID domain.ID }
	require.NoError(t, json.Unmarshal(call(http.MethodPost, "/api/v1/runs", map[string]any{"name": "Acme", "requires_approval": true,
		"cover_letter_template": "Dear {{.company}},"}), &run))
	call(http.MethodPost, "/api/v1/sources", map[string]any{"url": "https://acme.recruitee.com", "run_id": run.ID})

	// The form asks "Why Acme?": the task waits for the answer.
	waitFor(t, 30*time.Second, "the question to wait", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state_reason = 'needs_answer'`, run.ID) == 1
	})
	call(http.MethodPost, "/api/v1/questions/answer", map[string]any{"key": "why acme", "value": "Rockets."})
	waitFor(t, 30*time.Second, "the filled form to wait for approval", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'awaiting_approval'`, run.ID) == 1
	})
	a := approveTheOnlyApproval(t, call, "recruitee", "501", "Because rockets.")

	waitFor(t, 30*time.Second, "the application submitted", func() bool {
		return pgtest.MustTaskState(t, s.db, a.TaskID) == domain.StateSubmitted
	})
	site.mu.Lock()
	require.Len(t, site.candidates, 1, "exactly once")
	got, files := site.candidates[0], site.files[0]
	site.mu.Unlock()
	require.Equal(t, []string{"Ada Lovelace"}, got["candidate[name]"])
	require.Equal(t, []string{user.Email}, got["candidate[email]"])
	require.Equal(t, []string{"+44 20 7946 0000"}, got["candidate[phone]"])
	require.Equal(t, resume, files["candidate[cv]"], "the résumé's exact bytes")
	var answer string
	for k, v := range got {
		if strings.HasPrefix(k, "candidate[open_question_answers_attributes]") && strings.HasSuffix(k, "[content]") {
			answer = v[0]
		}
	}
	require.Equal(t, "Because rockets.", answer, "the edited answer is what was sent")
	require.Empty(t, s.dry.Sent(), "nothing went through the default applier")

	// The task shows Recruitee's answer as evidence.
	var detail struct {
		Evidence []struct{ Kind, Applier, URL string }
	}
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/tasks/"+a.TaskID.String(), nil), &detail))
	require.Len(t, detail.Evidence, 1)
	require.Equal(t, "confirmation", detail.Evidence[0].Kind)
	require.Equal(t, "recruitee", detail.Evidence[0].Applier)
	require.Contains(t, string(call(http.MethodGet, detail.Evidence[0].URL, nil)), `"id":9001`)
}

// approveTheOnlyApproval approves, through the API, the one approval
// waiting, after checking that its packet names applier (the user sees
// which applier will submit it), with one edit; it returns the approval's
// id and task.
func approveTheOnlyApproval(t *testing.T, call func(method, path string, body any) []byte, applier, field, value string) struct{ ID, TaskID domain.ID } {
	t.Helper()
	var approvals struct {
		Items []struct {
			ID     domain.ID
			TaskID domain.ID `json:"task_id"`
			Packet struct{ Applier string }
		}
	}
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/api/v1/approvals", nil), &approvals))
	require.Len(t, approvals.Items, 1)
	a := approvals.Items[0]
	require.Equal(t, applier, a.Packet.Applier, "the user sees which applier will submit it")
	edits := []map[string]string{}
	if field != "" {
		edits = append(edits, map[string]string{"field": field, "value": value})
	}
	call(http.MethodPost, "/api/v1/approvals/"+a.ID.String()+"/approve", map[string]any{"edits": edits})
	return struct{ ID, TaskID domain.ID }{a.ID, a.TaskID}
}
