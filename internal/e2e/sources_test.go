package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/sources"
)

// greenhouseBoard serves one Greenhouse board, "acme", in the Job Board
// API's shape (loopback only): the jobs list and each job with its
// questions. Tests take jobs off the board.
type greenhouseBoard struct {
	mu   sync.Mutex
	jobs map[int]string // id → title
	hits int
}

func (g *greenhouseBoard) remove(id int) {
	g.mu.Lock()
	delete(g.jobs, id)
	g.mu.Unlock()
}

func (g *greenhouseBoard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hits++
	job := func(id int) map[string]any {
		return map[string]any{"id": id, "title": g.jobs[id], "updated_at": "2026-11-20T10:00:00-05:00",
			"absolute_url": fmt.Sprintf("https://boards.greenhouse.io/acme/jobs/%d", id),
			"location":     map[string]any{"name": "Remote - Europe"}, "departments": []any{map[string]any{"name": "Engineering"}},
			"offices": []any{}, "content": "&lt;p&gt;Build the &lt;strong&gt;things&lt;/strong&gt;.&lt;/p&gt;"}
	}
	var body any
	switch rest := strings.TrimPrefix(r.URL.Path, "/v1/boards/acme/jobs"); {
	case !strings.HasPrefix(r.URL.Path, "/v1/boards/acme/jobs"):
		http.NotFound(w, r)
		return
	case rest == "":
		var list []any
		for _, id := range []int{101, 102, 103} {
			if _, ok := g.jobs[id]; ok {
				list = append(list, job(id))
			}
		}
		body = map[string]any{"jobs": list, "meta": map[string]any{"total": len(list)}}
	default:
		var id int
		if _, err := fmt.Sscanf(rest, "/%d", &id); err != nil || g.jobs[id] == "" {
			http.NotFound(w, r)
			return
		}
		d := job(id)
		d["questions"] = []any{
			map[string]any{"required": true, "label": "First Name", "fields": []any{map[string]any{"name": "first_name", "type": "input_text", "values": []any{}}}},
			map[string]any{"required": true, "label": "Resume/CV", "fields": []any{map[string]any{"name": "resume", "type": "input_file", "values": []any{}}}},
			map[string]any{"required": false, "label": "Are you authorised to work in the EU?", "fields": []any{map[string]any{
				"name": "question_7001", "type": "multi_value_single_select",
				"values": []any{map[string]any{"value": 1, "label": "Yes"}, map[string]any{"value": 0, "label": "No"}}}}},
		}
		body = d
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// TestSources_FollowABoardThenAPostingClosesAndItsQueuedTaskIsCancelled: a
// user follows a Greenhouse board through the API; the worker syncs it (a
// real client against a loopback server in the board API's shape); the
// postings arrive with their questions and join the user's run; a posting
// taken off the board closes and its queued task is cancelled
// (posting_closed) — never submitted — while the others are submitted.
func TestSources_FollowABoardThenAPostingClosesAndItsQueuedTaskIsCancelled(t *testing.T) {
	t.Parallel()
	board := &greenhouseBoard{jobs: map[int]string{101: "Backend Engineer", 102: "Platform Engineer", 103: "Data Engineer"}}
	srv := httptest.NewServer(board)
	t.Cleanup(srv.Close)
	gh, err := sources.New(domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL})
	require.NoError(t, err)
	s := startStack(t, stackOpts{Boards: map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: gh}})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	auth := map[string]string{"Authorization": "Bearer " + s.session(t, user)}

	// A paused run: its tasks stay queued until the user resumes it.
	code, body := s.post(t, "/api/v1/runs", map[string]any{"name": "Acme", "requires_approval": false, "cover_letter_template": "Dear {{.company}}"}, auth)
	require.Equal(t, http.StatusCreated, code, string(body))
	var run struct{ ID domain.ID }
	require.NoError(t, json.Unmarshal(body, &run))
	code, _, body = s.request(t, http.MethodPatch, "/api/v1/runs/"+run.ID.String(), map[string]any{"status": "paused"}, auth)
	require.Equal(t, http.StatusOK, code, string(body))

	code, body = s.post(t, "/api/v1/sources", map[string]any{"url": "https://boards.greenhouse.io/acme", "name": "Acme", "run_id": run.ID}, auth)
	require.Equal(t, http.StatusCreated, code, string(body))
	var src struct {
		ID       domain.ID
		Platform string
		Board    string
	}
	require.NoError(t, json.Unmarshal(body, &src))
	require.Equal(t, "greenhouse", src.Platform)
	require.Equal(t, "acme", src.Board)

	// The first sync runs on the worker.
	waitFor(t, 30*time.Second, "three queued tasks", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'queued'`, run.ID) == 3
	})
	code, _, body = s.request(t, http.MethodGet, "/api/v1/jobs?source_id="+src.ID.String(), nil, auth)
	require.Equal(t, http.StatusOK, code, string(body))
	var jobs struct {
		Items []struct {
			ID          domain.ID
			Title       string
			Department  string
			Description string
			Platform    string
			ClosedAt    *time.Time `json:"closed_at"`
			Questions   []struct {
				Field, Label, Kind, Section string
				Required                    bool
				Options                     []struct{ Label, Value string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(body, &jobs))
	require.Len(t, jobs.Items, 3)
	byTitle := map[string]int{}
	for i, j := range jobs.Items {
		byTitle[j.Title] = i
		require.Equal(t, "Engineering", j.Department)
		require.Equal(t, "Build the things.", j.Description, "the description is plain text")
		require.Len(t, j.Questions, 3)
		require.Equal(t, "question_7001", j.Questions[2].Field)
		require.Equal(t, "single_select", j.Questions[2].Kind)
		require.Equal(t, []struct{ Label, Value string }{{"Yes", "1"}, {"No", "0"}}, j.Questions[2].Options)
		require.Equal(t, "file", j.Questions[1].Kind)
	}
	closing := jobs.Items[byTitle["Platform Engineer"]].ID

	// Posting 102 leaves the board; the next sync (asked for now) closes it.
	board.remove(102)
	code, body = s.post(t, "/api/v1/sources/"+src.ID.String()+"/sync", nil, auth)
	require.Equal(t, http.StatusAccepted, code, string(body))
	waitFor(t, 30*time.Second, "the posting's task cancelled", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE job_id = $1 AND state = 'cancelled' AND state_reason = 'posting_closed'`, closing) == 1
	})
	code, _, body = s.request(t, http.MethodGet, "/api/v1/jobs/"+closing.String(), nil, auth)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(body), `"closed_at":"`)

	// Resumed, the run prepares the two open postings' forms: they ask for
	// a résumé the user has not uploaded, so both wait for it.
	code, _, body = s.request(t, http.MethodPatch, "/api/v1/me", map[string]any{"first_name": "Ada"}, auth)
	require.Equal(t, http.StatusOK, code, string(body))
	code, _, body = s.request(t, http.MethodPatch, "/api/v1/runs/"+run.ID.String(), map[string]any{"status": "active"}, auth)
	require.Equal(t, http.StatusOK, code, string(body))
	waitFor(t, 30*time.Second, "two tasks waiting for a résumé", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'paused' AND state_reason = 'needs_answer'`, run.ID) == 2
	})
	require.Empty(t, s.dry.Sent(), "nothing goes out while the form misses what only the user can give")

	// Uploading one queues them again; they go out with that résumé.
	resume := documentstest.PDF("Ada Lovelace, engineer")
	code, body = s.upload(t, "/api/v1/documents", map[string]string{"kind": "resume"}, "ada.pdf", resume, auth)
	require.Equal(t, http.StatusCreated, code, string(body))
	var doc struct{ ID domain.ID }
	require.NoError(t, json.Unmarshal(body, &doc))
	waitFor(t, 30*time.Second, "two submissions", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'submitted'`, run.ID) == 2
	})
	require.Len(t, s.dry.Sent(), 2)
	for _, p := range s.dry.Sent() {
		require.NotEqual(t, closing, p.JobID, "a closed posting is never submitted")
		require.NotNil(t, p.Form)
		require.Equal(t, "Ada", p.Form.Field("first_name").Value)
		require.Equal(t, doc.ID, p.Form.Field("resume").File.DocumentID, "the form carries the résumé uploaded")
		require.True(t, p.Form.Field("question_7001").Empty(), "an optional question nothing answers is left blank, never guessed")
		require.Len(t, p.Documents, 1)
	}
}
