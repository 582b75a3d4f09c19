package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

type createRunRequest struct {
	Name string `json:"name"`
	// RequiresApproval absent or null: true. Nothing goes out that the
	// user did not approve unless they say so.
	RequiresApproval    *bool  `json:"requires_approval"`
	CoverLetterTemplate string `json:"cover_letter_template"`
	ApprovalTTLSeconds  *int   `json:"approval_ttl_seconds"`
	// The documents its applications carry (absent or null: your defaults).
	ResumeDocumentID      *domain.ID `json:"resume_document_id"`
	CoverLetterDocumentID *domain.ID `json:"cover_letter_document_id"`
}

// ttlFromSeconds reads a run's approval window (0 or null: the default).
func ttlFromSeconds(n *int) time.Duration {
	if n == nil {
		return 0
	}
	return time.Duration(*n) * time.Second
}

// handleCreateRun answers POST /api/v1/runs.
func (s *Server) handleCreateRun(c echo.Context) error {
	var req createRunRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := domain.RunCreate{Name: req.Name, RequiresApproval: req.RequiresApproval == nil || *req.RequiresApproval, CoverLetterTemplate: req.CoverLetterTemplate,
		ApprovalTTL: ttlFromSeconds(req.ApprovalTTLSeconds), ResumeDocumentID: req.ResumeDocumentID, CoverLetterDocumentID: req.CoverLetterDocumentID}
	if err := in.Validate(); err != nil {
		return err
	}
	if err := domain.ValidateCoverLetterTemplate(in.CoverLetterTemplate); err != nil {
		return err
	}
	run, err := s.tasks.CreateRun(c.Request().Context(), currentUser(c).ID, in)
	if err != nil {
		return err
	}
	run.StateCounts = map[domain.State]int{}
	return c.JSON(http.StatusCreated, toRun(run))
}

// handleListRuns answers GET /api/v1/runs?cursor=&limit=: newest first, each
// with its task counts per state.
func (s *Server) handleListRuns(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	runs, next, err := s.db.ListRuns(c.Request().Context(), currentUser(c).ID, c.QueryParam("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[runJSON]{Items: mapSlice(runs, toRun), NextCursor: next})
}

// handleGetRun answers GET /api/v1/runs/:id.
func (s *Server) handleGetRun(c echo.Context) error {
	id, err := pathID(c, "run")
	if err != nil {
		return err
	}
	run, err := s.db.GetRunWithCounts(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRun(run))
}

type updateRunRequest struct {
	Name                *string `json:"name"`
	RequiresApproval    *bool   `json:"requires_approval"`
	CoverLetterTemplate *string `json:"cover_letter_template"`
	Status              *string `json:"status"`
	ApprovalTTLSeconds  *int    `json:"approval_ttl_seconds"`
	// A document id, or null for your default; absent: unchanged.
	ResumeDocumentID      json.RawMessage `json:"resume_document_id"`
	CoverLetterDocumentID json.RawMessage `json:"cover_letter_document_id"`
}

// handleUpdateRun answers PATCH /api/v1/runs/:id: rename, change approval or
// template, or pause/resume with status "paused"/"active". Workers do not
// start tasks of a paused run.
func (s *Server) handleUpdateRun(c echo.Context) error {
	id, err := pathID(c, "run")
	if err != nil {
		return err
	}
	var req updateRunRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u := domain.RunUpdate{Name: req.Name, RequiresApproval: req.RequiresApproval, CoverLetterTemplate: req.CoverLetterTemplate}
	if req.ApprovalTTLSeconds != nil {
		ttl := ttlFromSeconds(req.ApprovalTTLSeconds)
		u.ApprovalTTL = &ttl
	}
	var isNull bool
	if u.ResumeDocumentID, isNull, err = bodyID("resume_document_id", req.ResumeDocumentID); err != nil {
		return err
	}
	u.SetResume = u.ResumeDocumentID != nil || isNull
	if u.CoverLetterDocumentID, isNull, err = bodyID("cover_letter_document_id", req.CoverLetterDocumentID); err != nil {
		return err
	}
	u.SetCoverLetter = u.CoverLetterDocumentID != nil || isNull
	if req.Status != nil {
		st := domain.RunStatus(*req.Status)
		u.Status = &st
	}
	if u.CoverLetterTemplate != nil {
		if err := domain.ValidateCoverLetterTemplate(*u.CoverLetterTemplate); err != nil {
			return err
		}
	}
	run, err := s.tasks.UpdateRun(c.Request().Context(), currentUser(c).ID, id, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRun(run))
}

type cancelRunResponse struct {
	Run            runJSON `json:"run"`
	TasksCancelled int     `json:"tasks_cancelled"`
}

// handleCancelRun answers POST /api/v1/runs/:id/cancel: the run and every
// cancellable task end (tasks already submitting finish on their own).
func (s *Server) handleCancelRun(c echo.Context) error {
	id, err := pathID(c, "run")
	if err != nil {
		return err
	}
	u := currentUser(c)
	run, n, err := s.tasks.CancelRun(c.Request().Context(), u.ID, id, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cancelRunResponse{Run: toRun(run), TasksCancelled: n})
}

// handleDeleteRun answers DELETE /api/v1/runs/:id: only a run nothing was
// submitted from can go (409 otherwise).
func (s *Server) handleDeleteRun(c echo.Context) error {
	id, err := pathID(c, "run")
	if err != nil {
		return err
	}
	if err := s.tasks.DeleteRun(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type addTasksRequest struct {
	JobIDs []domain.ID `json:"job_ids"`
}

// handleAddTasks answers POST /api/v1/runs/:id/tasks {job_ids}: one task per
// job, each with its River job, in one transaction; the answer lists what was
// queued and which jobs were duplicates and why.
func (s *Server) handleAddTasks(c echo.Context) error {
	id, err := pathID(c, "run")
	if err != nil {
		return err
	}
	var req addTasksRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u := currentUser(c)
	res, err := s.tasks.AddJobs(c.Request().Context(), u.ID, id, req.JobIDs, domain.UserActor(u.ID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
