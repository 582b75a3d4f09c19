package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

// handleListTasks answers GET /api/v1/tasks?state=a,b&run_id=&cursor=&limit=.
// The queued view (state=queued alone) is in claim order.
func (s *Server) handleListTasks(c echo.Context) error {
	states, err := queryStates(c)
	if err != nil {
		return err
	}
	runID, err := queryOptionalID(c, "run_id")
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	userID := currentUser(c).ID
	tasks, next, err := s.db.ListTasks(c.Request().Context(), userID,
		domain.TaskFilter{States: states, RunID: runID, Cursor: c.QueryParam("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	items := mapSlice(tasks, toTask)
	if err := s.withCodes(c, userID, items); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[taskJSON]{Items: items, NextCursor: next})
}

// withCodes sets the code_request of the tasks in submitting among items
// (one query for the page).
func (s *Server) withCodes(c echo.Context, userID domain.ID, items []taskJSON) error {
	var ids []domain.ID
	for _, t := range items {
		if t.State == string(domain.StateSubmitting) {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	open, err := s.db.CodeOpenForTasks(c.Request().Context(), userID, ids)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].withCode(open[items[i].ID])
	}
	return nil
}

// handleGetTask answers GET /api/v1/tasks/:id: the task with its job, run,
// transition timeline, packet and current approval.
func (s *Server) handleGetTask(c echo.Context) error {
	id, err := pathID(c, "task")
	if err != nil {
		return err
	}
	d, err := s.db.GetTaskDetail(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	out := toTaskDetail(d)
	codes := []taskJSON{out.taskJSON}
	if err := s.withCodes(c, currentUser(c).ID, codes); err != nil {
		return err
	}
	out.taskJSON = codes[0]
	a, err := s.db.ApprovalLatestForTask(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if a != nil {
		out.Approval = s.toApproval(a)
	}
	ev, err := s.db.Evidence(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	out.Evidence = make([]evidenceJSON, len(ev))
	for i, e := range ev {
		out.Evidence[i] = evidenceJSON{ID: e.ID, Kind: e.Kind, ContentType: e.ContentType, Size: e.Size, Applier: e.Applier,
			CreatedAt: e.CreatedAt, URL: "/api/v1/tasks/" + id.String() + "/evidence/" + e.ID.String()}
	}
	return c.JSON(http.StatusOK, out)
}

type evidenceJSON struct {
	ID          domain.ID `json:"id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Applier     string    `json:"applier"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

// handleGetEvidence answers GET /api/v1/tasks/:id/evidence/:evidence: the
// bytes of what an applier saw (a screenshot), as stored.
func (s *Server) handleGetEvidence(c echo.Context) error {
	id, err := pathID(c, "task")
	if err != nil {
		return err
	}
	eid, err := pathIDParam(c, "evidence", "evidence")
	if err != nil {
		return err
	}
	r, rec, err := s.tasks.OpenEvidence(c.Request().Context(), currentUser(c).ID, id, eid)
	if err != nil {
		return err
	}
	defer r.Close()
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	return c.Stream(http.StatusOK, rec.ContentType, r)
}

type resumeRequest struct {
	Confirm bool `json:"confirm"`
}

// handleResumeTask answers POST /api/v1/tasks/:id/resume [{"confirm"}]: a
// paused or failed task goes back to queued, boosted ahead of
// default-priority tasks. When it would most likely stop at the same place
// (its form needs a person, its posting is closed) it answers 409
// resume_needs_confirmation saying why, unless confirm is true. Any other
// state answers 409 with the current state. The body may be empty.
func (s *Server) handleResumeTask(c echo.Context) error {
	id, err := pathID(c, "task")
	if err != nil {
		return err
	}
	var req resumeRequest
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	u := currentUser(c)
	t, err := s.tasks.ResumeChecked(c.Request().Context(), u.ID, id, domain.UserActor(u.ID), req.Confirm)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTask(t))
}

// handleMarkApplied answers POST /api/v1/tasks/:id/applied: the user
// applied to a paused or failed task's job by hand, on the posting's own
// form; the task becomes submitted (reason applied_by_hand) and nothing is
// sent. 409 already_applied when another task of the job has the
// submission; 409 illegal_transition from any other state.
func (s *Server) handleMarkApplied(c echo.Context) error {
	id, err := pathID(c, "task")
	if err != nil {
		return err
	}
	u := currentUser(c)
	t, err := s.tasks.MarkApplied(c.Request().Context(), u.ID, id, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTask(t))
}

// handleCancelTask answers POST /api/v1/tasks/:id/cancel. A task in
// submitting, submitted or cancelled answers 409 with its current state.
func (s *Server) handleCancelTask(c echo.Context) error {
	id, err := pathID(c, "task")
	if err != nil {
		return err
	}
	u := currentUser(c)
	t, err := s.tasks.Cancel(c.Request().Context(), u.ID, id, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTask(t))
}

type giveCodeRequest struct {
	Code string `json:"code"`
}

// handleGiveCode answers POST /api/v1/tasks/:id/code {"code"}: the security
// code the task's application form waits for (202 {"status":"given"}),
// stored for the worker holding the page. The code is never logged nor
// echoed: errors (400 not a code, 404, 409 nothing waits, 410 the page
// stopped waiting, 429 too many) say why in words of their own.
func (s *Server) handleGiveCode(c echo.Context) error {
	id, err := pathID(c, "task")
	if err != nil {
		return err
	}
	var req giveCodeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.tasks.GiveCode(c.Request().Context(), currentUser(c).ID, id, req.Code); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, codeGivenJSON{Status: "given"})
}

type codeGivenJSON struct {
	Status string `json:"status"`
}

type bulkRequest struct {
	RunID  *domain.ID `json:"run_id"`
	States []string   `json:"states"`
}

type bulkResponse struct {
	Changed int `json:"changed"`
}

func (s *Server) bulkFilter(c echo.Context) (domain.TaskFilter, error) {
	var req bulkRequest
	if err := decodeJSON(c, &req); err != nil {
		return domain.TaskFilter{}, err
	}
	f := domain.TaskFilter{RunID: req.RunID}
	for _, name := range req.States {
		st, err := domain.ParseState(name)
		if err != nil {
			return f, domain.ValidationError(map[string]string{"states": domain.ErrorMessage(err)})
		}
		f.States = append(f.States, st)
	}
	if f.RunID == nil && len(f.States) == 0 {
		return f, domain.ValidationError(map[string]string{"run_id": "give run_id or states (or both): a bulk action needs a filter"})
	}
	if f.RunID != nil {
		if _, err := s.db.GetRun(c.Request().Context(), currentUser(c).ID, *f.RunID); err != nil {
			return f, err
		}
	}
	return f, nil
}

// handleBulkResume answers POST /api/v1/tasks/bulk-resume {run_id, states}:
// every paused or failed task matching the filter is resumed; the answer
// says how many changed.
func (s *Server) handleBulkResume(c echo.Context) error {
	f, err := s.bulkFilter(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	n, err := s.tasks.BulkResume(c.Request().Context(), u.ID, f, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkResponse{Changed: n})
}

// handleBulkCancel answers POST /api/v1/tasks/bulk-cancel {run_id, states}:
// every cancellable task matching the filter is cancelled.
func (s *Server) handleBulkCancel(c echo.Context) error {
	f, err := s.bulkFilter(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	n, err := s.tasks.BulkCancel(c.Request().Context(), u.ID, f, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkResponse{Changed: n})
}

// handleDevNextTask answers GET /api/v1/dev/runs/:id/next-task (development
// only, http.dev_endpoints): the task a worker would claim next in the run.
func (s *Server) handleDevNextTask(c echo.Context) error {
	id, err := pathID(c, "run")
	if err != nil {
		return err
	}
	if _, err := s.db.GetRun(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	t, err := s.db.TaskNext(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTask(t))
}
