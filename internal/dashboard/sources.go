package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/web"
)

type sourcesPage struct {
	Sources   []sourceRow
	Runs      []*domain.Run
	Platforms []domain.Platform
	Form      sourceForm
	Errors    map[string]string
}

// sourceRow is a source with the name of the run its matches join.
type sourceRow struct {
	*domain.Source
	RunName string
}

// sourceForm is the add-a-source form as entered, for showing it again.
type sourceForm struct {
	URL, Platform, Board, Name            string
	TitleKeywords, Locations, Departments string // comma-separated
	RemoteOnly                            bool
	RunID, SyncEvery                      string
}

// handleSources serves GET /sources: the boards the user follows, their
// sync state, and the form to follow another.
func (d *Dashboard) handleSources(c echo.Context) error {
	return d.sourcesPage(c, http.StatusOK, sourcesPage{})
}

func (d *Dashboard) sourcesPage(c echo.Context, status int, p sourcesPage) error {
	u, ctx := userOf(c), c.Request().Context()
	srcs, err := d.db.SourceList(ctx, u.ID)
	if err != nil {
		return d.renderError(c, err, u)
	}
	if p.Runs, _, err = d.db.ListRuns(ctx, u.ID, "", 200); err != nil {
		return d.renderError(c, err, u)
	}
	names := make(map[domain.ID]string, len(p.Runs))
	for _, r := range p.Runs {
		names[r.ID] = r.Name
	}
	for _, s := range srcs {
		row := sourceRow{Source: s}
		if s.TargetRunID != nil {
			row.RunName = names[*s.TargetRunID]
		}
		p.Sources = append(p.Sources, row)
	}
	p.Platforms = domain.Platforms
	return d.page(c, status, "sources.html", "Sources", p)
}

// handleCreateSource serves POST /sources: follow a board by its URL, or by
// platform and board name.
func (d *Dashboard) handleCreateSource(c echo.Context) error {
	f := sourceForm{URL: c.FormValue("url"), Platform: c.FormValue("platform"), Board: c.FormValue("board"), Name: c.FormValue("name"),
		TitleKeywords: c.FormValue("title_keywords"), Locations: c.FormValue("locations"), Departments: c.FormValue("departments"),
		RemoteOnly: c.FormValue("remote_only") == "on", RunID: c.FormValue("run_id"), SyncEvery: c.FormValue("sync_every")}
	in := domain.SourceCreate{URL: f.URL, Platform: domain.Platform(f.Platform), Board: f.Board, Name: f.Name,
		Filters: domain.SourceFilters{TitleKeywords: commaList(f.TitleKeywords), Locations: commaList(f.Locations),
			Departments: commaList(f.Departments), RemoteOnly: f.RemoteOnly}}
	errs := map[string]string{}
	if f.RunID != "" {
		id, err := domain.ParseID(f.RunID)
		if err != nil {
			errs["run_id"] = "must be one of your runs"
		}
		in.RunID = &id
	}
	if f.SyncEvery != "" {
		every, err := time.ParseDuration(strings.TrimSpace(f.SyncEvery))
		if err != nil {
			errs["sync_every"] = "must be a duration such as 6h, 90m or 1h30m"
		}
		in.SyncEvery = every
	}
	if len(errs) > 0 {
		return d.sourcesPage(c, http.StatusBadRequest, sourcesPage{Form: f, Errors: errs})
	}
	_, err := d.tasks.AddSource(c.Request().Context(), userOf(c).ID, in)
	switch code := domain.ErrorCode(err); code {
	case "":
		return back(c, "/sources", "source_added")
	case domain.EINVALID, domain.EDUPLICATE: // the form again, saying what to change
		for k, v := range fieldErrors(err) {
			errs[strings.TrimPrefix(k, "filters.")] = v // the form has no filters group
		}
		return d.sourcesPage(c, web.Status(code), sourcesPage{Form: f, Errors: errs})
	}
	return d.renderError(c, err, userOf(c))
}

// handleSourceAction serves POST /sources/:id/pause|resume|rename|sync|delete.
// rename (form field name) changes the company name its postings show
// where the board names none.
// resume also takes back a broken source once its board is fixed.
func (d *Dashboard) handleSourceAction(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "source not found"), u)
	}
	ctx := c.Request().Context()
	var msg string
	switch c.Param("action") {
	case "pause", "resume":
		st := domain.SourcePaused
		msg = "source_paused"
		if c.Param("action") == "resume" {
			st, msg = domain.SourceActive, "source_resumed"
		}
		_, err = d.tasks.UpdateSource(ctx, u.ID, id, domain.SourceUpdate{Status: &st})
	case "rename":
		name := c.FormValue("name")
		_, err = d.tasks.UpdateSource(ctx, u.ID, id, domain.SourceUpdate{Name: &name})
		if m := fieldErrors(err)["name"]; m != "" {
			err = domain.Errorf(domain.EINVALID, "The company name %s.", m)
		}
		msg = "source_renamed"
	case "sync":
		_, err = d.tasks.SyncSourceNow(ctx, u.ID, id)
		msg = "sync_queued"
	case "delete":
		err = d.tasks.DeleteSource(ctx, u.ID, id)
		msg = "source_deleted"
	default:
		err = domain.Errorf(domain.ENOTFOUND, "no such action")
	}
	if err != nil {
		return d.renderError(c, err, u)
	}
	return back(c, "/sources", msg)
}

// commaList splits a comma-separated form field (the domain trims entries
// and drops empty ones).
func commaList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, ",")
}
