package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

type createSourceRequest struct {
	Platform  string             `json:"platform"`
	Board     string             `json:"board"`
	URL       string             `json:"url"`
	Name      string             `json:"name"`
	Filters   *sourceFiltersJSON `json:"filters"`
	RunID     json.RawMessage    `json:"run_id"`
	SyncEvery string             `json:"sync_every"`
}

// handleCreateSource answers POST /api/v1/sources: follow a board given by
// its URL, or by platform and board name. Its first sync is enqueued.
func (s *Server) handleCreateSource(c echo.Context) error {
	var req createSourceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := domain.SourceCreate{Platform: domain.Platform(req.Platform), Board: req.Board, URL: req.URL, Name: req.Name}
	if req.Filters != nil {
		in.Filters = req.Filters.toDomain()
	}
	runID, _, err := bodyID("run_id", req.RunID)
	if err != nil {
		return err
	}
	in.RunID = runID
	if req.SyncEvery != "" {
		if in.SyncEvery, err = bodyDuration("sync_every", req.SyncEvery); err != nil {
			return err
		}
	}
	src, err := s.tasks.AddSource(c.Request().Context(), currentUser(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSource(src))
}

// handleListSources answers GET /api/v1/sources: every source of the user,
// newest first (a user follows few boards: one page).
func (s *Server) handleListSources(c echo.Context) error {
	srcs, err := s.db.SourceList(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[sourceJSON]{Items: mapSlice(srcs, toSource)})
}

// handleGetSource answers GET /api/v1/sources/:id.
func (s *Server) handleGetSource(c echo.Context) error {
	id, err := pathID(c, "source")
	if err != nil {
		return err
	}
	src, err := s.db.SourceGet(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSource(src))
}

type updateSourceRequest struct {
	Name      *string            `json:"name"`
	Filters   *sourceFiltersJSON `json:"filters"`
	RunID     json.RawMessage    `json:"run_id"`
	SyncEvery *string            `json:"sync_every"`
	Status    *string            `json:"status"`
}

// handleUpdateSource answers PATCH /api/v1/sources/:id: rename, replace
// the filters, change the run new matches go to (null: none), the
// interval, or pause/resume with status "paused"/"active" (active also
// takes a broken source back once its board is fixed).
func (s *Server) handleUpdateSource(c echo.Context) error {
	id, err := pathID(c, "source")
	if err != nil {
		return err
	}
	var req updateSourceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u := domain.SourceUpdate{Name: req.Name}
	if req.Filters != nil {
		f := req.Filters.toDomain()
		u.Filters = &f
	}
	if u.RunID, u.ClearRun, err = bodyID("run_id", req.RunID); err != nil {
		return err
	}
	if req.SyncEvery != nil {
		d, err := bodyDuration("sync_every", *req.SyncEvery)
		if err != nil {
			return err
		}
		u.SyncEvery = &d
	}
	if req.Status != nil {
		st := domain.SourceStatus(*req.Status)
		u.Status = &st
	}
	src, err := s.tasks.UpdateSource(c.Request().Context(), currentUser(c).ID, id, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSource(src))
}

// handleDeleteSource answers DELETE /api/v1/sources/:id: stop following the
// board. Its postings stay in the job list.
func (s *Server) handleDeleteSource(c echo.Context) error {
	id, err := pathID(c, "source")
	if err != nil {
		return err
	}
	if err := s.tasks.DeleteSource(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleSyncSource answers POST /api/v1/sources/:id/sync: a sync is
// enqueued (unless one is waiting or running); 409 for a broken source.
func (s *Server) handleSyncSource(c echo.Context) error {
	id, err := pathID(c, "source")
	if err != nil {
		return err
	}
	src, err := s.tasks.SyncSourceNow(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toSource(src))
}

// bodyID reads an optional id field of a request body: nil when absent,
// null (isNull) when the client sent null, EINVALID naming the field for
// anything but an id.
func bodyID(field string, raw json.RawMessage) (id *domain.ID, isNull bool, err error) {
	if len(raw) == 0 {
		return nil, false, nil
	}
	if string(raw) == "null" {
		return nil, true, nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return nil, false, domain.ValidationError(map[string]string{field: "must be an id (UUID) or null"})
	}
	parsed, err := domain.ParseID(text)
	if err != nil {
		return nil, false, domain.ValidationError(map[string]string{field: domain.ErrorMessage(err)})
	}
	return &parsed, false, nil
}

// bodyDuration reads a duration field of a request body written as Go
// writes durations (6h, 90m, 1h30m).
func bodyDuration(field, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, domain.ValidationError(map[string]string{field: "must be a duration such as 6h, 90m or 1h30m"})
	}
	return d, nil
}
