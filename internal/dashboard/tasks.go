package dashboard

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/web"
)

// codeRank orders a task waiting for its security code first.
func codeRank(t *domain.Task) int {
	if t.StateReason == domain.ReasonNeedsCode {
		return 0
	}
	return 1
}

// cardView is a task card as a viewer sees it: Operator (the admin role)
// also sees the queue's workings, the priority and the attempts.
type cardView struct {
	postgres.TaskCard
	Operator bool
}

func cardViews(u *domain.User, cards []postgres.TaskCard) []cardView {
	out := make([]cardView, len(cards))
	for i, c := range cards {
		out[i] = cardView{TaskCard: c, Operator: u.Role == domain.RoleAdmin}
	}
	return out
}

type queuePage struct {
	State      domain.State
	Cards      []cardView
	Runs       []*domain.Run
	RunID      string
	Count      int
	NextCursor string
	Bulk       []string // bulk actions that fit this view
}

func (d *Dashboard) filter(c echo.Context) (domain.State, *domain.ID, error) {
	st, err := domain.ParseState(c.Param("state"))
	if err != nil {
		return "", nil, domain.Errorf(domain.ENOTFOUND, "no such queue view")
	}
	var runID *domain.ID
	if s := c.QueryParam("run_id"); s != "" {
		id, err := domain.ParseID(s)
		if err != nil {
			return "", nil, domain.Errorf(domain.ENOTFOUND, "run not found")
		}
		runID = &id
	}
	return st, runID, nil
}

// handleQueue serves GET /queue/:state?run_id=&cursor=: one view per state
// (queued in claim order), filterable by run; the URL is shareable.
func (d *Dashboard) handleQueue(c echo.Context) error {
	u := userOf(c)
	ctx := c.Request().Context()
	st, runID, err := d.filter(c)
	if err != nil {
		return d.renderError(c, err, u)
	}
	tasks, next, err := d.db.ListTasks(ctx, u.ID, domain.TaskFilter{States: []domain.State{st}, RunID: runID, Cursor: c.QueryParam("cursor"), Limit: 50})
	if err != nil {
		return d.renderError(c, err, u)
	}
	cards, err := d.db.TaskCards(ctx, tasks)
	if err != nil {
		return d.renderError(c, err, u)
	}
	runs, _, err := d.db.ListRuns(ctx, u.ID, "", 200)
	if err != nil {
		return d.renderError(c, err, u)
	}
	counts, err := d.db.UserStateCounts(ctx, u.ID, runID)
	if err != nil {
		return d.renderError(c, err, u)
	}
	if st == domain.StateSubmitting {
		// Those whose form waits for the security code need their user now.
		slices.SortStableFunc(cards, func(a, b postgres.TaskCard) int {
			return cmp.Compare(codeRank(a.Task), codeRank(b.Task))
		})
	}
	p := queuePage{State: st, Cards: cardViews(u, cards), Runs: runs, RunID: c.QueryParam("run_id"), Count: counts[st], NextCursor: next}
	if st == domain.StatePaused || st == domain.StateFailed {
		p.Bulk = append(p.Bulk, "resume")
	}
	if domain.CanTransition(st, domain.StateCancelled) {
		p.Bulk = append(p.Bulk, "cancel")
	}
	return d.page(c, http.StatusOK, "queue.html", "Queue: "+strings.ReplaceAll(string(st), "_", " "), p)
}

type bulkPage struct {
	State  domain.State
	Action string
	RunID  string
	Count  int
}

// handleBulkConfirm serves GET /queue/:state/bulk?action=&run_id=: it says
// how many tasks the action will touch and asks for a click. It changes nothing.
func (d *Dashboard) handleBulkConfirm(c echo.Context) error {
	u := userOf(c)
	st, runID, err := d.filter(c)
	if err != nil {
		return d.renderError(c, err, u)
	}
	action := c.QueryParam("action")
	if action != "resume" && action != "cancel" {
		return d.renderError(c, domain.Errorf(domain.EINVALID, "choose resume or cancel"), u)
	}
	counts, err := d.db.UserStateCounts(c.Request().Context(), u.ID, runID)
	if err != nil {
		return d.renderError(c, err, u)
	}
	return d.page(c, http.StatusOK, "bulk.html", "Confirm", bulkPage{State: st, Action: action, RunID: c.QueryParam("run_id"), Count: counts[st]})
}

// handleBulk serves POST /queue/:state/bulk (action): resume or cancel every
// task of the view.
func (d *Dashboard) handleBulk(c echo.Context) error {
	u := userOf(c)
	st, runID, err := d.filter(c)
	if err != nil {
		return d.renderError(c, err, u)
	}
	f := domain.TaskFilter{States: []domain.State{st}, RunID: runID}
	var n int
	switch c.FormValue("action") {
	case "resume":
		n, err = d.tasks.BulkResume(c.Request().Context(), u.ID, f, domain.UserActor(u.ID))
	case "cancel":
		n, err = d.tasks.BulkCancel(c.Request().Context(), u.ID, f, domain.UserActor(u.ID))
	default:
		err = domain.Errorf(domain.EINVALID, "choose resume or cancel")
	}
	if err != nil {
		return d.renderError(c, err, u)
	}
	to := "/queue/" + string(st)
	if runID != nil {
		to += "?run_id=" + runID.String()
	}
	return back(c, to, "tasks_changed", n)
}

type taskPage struct {
	Detail *domain.TaskDetail
	Card   cardView
	// Sent is the packet as stored (what was or will be sent), Packet its
	// JSON for the record.
	Sent     *domain.Packet
	Packet   string
	Approval *domain.Approval
	// Evidence is what the applier saw (screenshots).
	Evidence []*domain.EvidenceRecord
	// Code is the request of the task's form while it waits for the
	// security code mailed to the applicant (or while the code given is
	// typed); CodeError says why the code just posted was refused.
	Code      *domain.CodeWait
	CodeError string
	// OwnAnswers are the answers given for this application only.
	OwnAnswers []*domain.Answer
}

// handleTask serves GET /tasks/:id: the card, the transition timeline and
// the exact packet sent or to be sent; first, when the task's form waits
// for a security code, the box to type it in.
func (d *Dashboard) handleTask(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "task not found"), u)
	}
	p, err := d.taskPage(c, u, id)
	if err != nil {
		return d.renderError(c, err, u)
	}
	return d.page(c, http.StatusOK, "task.html", "Task", p)
}

// taskPage reads what the task page shows.
func (d *Dashboard) taskPage(c echo.Context, u *domain.User, id domain.ID) (taskPage, error) {
	ctx := c.Request().Context()
	det, err := d.db.GetTaskDetail(ctx, u.ID, id)
	if err != nil {
		return taskPage{}, err
	}
	cards, err := d.db.TaskCards(ctx, []*domain.Task{det.Task})
	if err != nil {
		return taskPage{}, err
	}
	p := taskPage{Detail: det, Card: cardViews(u, cards)[0]}
	if det.Packet != nil {
		var buf bytes.Buffer
		if json.Indent(&buf, det.Packet, "", "  ") == nil {
			p.Packet = buf.String()
		}
		var sent domain.Packet
		if json.Unmarshal(det.Packet, &sent) == nil {
			p.Sent = &sent
		}
	}
	if p.Approval, err = d.db.ApprovalLatestForTask(ctx, id); err != nil {
		return taskPage{}, err
	}
	if p.Evidence, err = d.db.Evidence(ctx, u.ID, id); err != nil {
		return taskPage{}, err
	}
	if p.OwnAnswers, err = d.db.TaskAnswers(ctx, id); err != nil { // the task is the user's: read above
		return taskPage{}, err
	}
	if det.Task.State == domain.StateSubmitting {
		open, err := d.db.CodeOpenForTasks(ctx, u.ID, []domain.ID{id})
		if err != nil {
			return taskPage{}, err
		}
		p.Code = open[id]
	}
	return p, nil
}

// handleGiveCode serves POST /tasks/:id/code (code): the security code the
// task's form waits for. Stored, it goes back to the task page saying so;
// refused (not a code, nothing waits, too late, too many), the page shows
// why in the code box. The code is never logged nor shown again.
func (d *Dashboard) handleGiveCode(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "task not found"), u)
	}
	err = d.tasks.GiveCode(c.Request().Context(), u.ID, id, c.FormValue("code"))
	switch domain.ErrorCode(err) {
	case "":
		return back(c, "/tasks/"+id.String(), "code_sent")
	case domain.EINVALID, domain.ECONFLICT, domain.EGONE, domain.ERATELIMITED:
		p, perr := d.taskPage(c, u, id)
		if perr != nil {
			return d.renderError(c, perr, u)
		}
		p.CodeError = domain.ErrorMessage(err)
		return d.page(c, web.Status(domain.ErrorCode(err)), "task.html", "Task", p)
	}
	return d.renderError(c, err, u)
}

// handleEvidence serves GET /tasks/:id/evidence/:evidence: the bytes of
// what an applier saw (a screenshot) of one of the user's tasks.
func (d *Dashboard) handleEvidence(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	eid, err2 := domain.ParseID(c.Param("evidence"))
	if err != nil || err2 != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "evidence not found"), u)
	}
	r, rec, err := d.tasks.OpenEvidence(c.Request().Context(), u.ID, id, eid)
	if err != nil {
		return d.renderError(c, err, u)
	}
	defer r.Close()
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	return c.Stream(http.StatusOK, rec.ContentType, r)
}

// reviewOf returns the user's task's latest approval request; another
// user's task answers exactly like an unknown one.
func (d *Dashboard) reviewOf(c echo.Context, u *domain.User, taskID domain.ID) (*domain.Approval, error) {
	notFound := domain.Errorf(domain.ENOTFOUND, "task not found, or it has no approval request")
	if _, err := d.db.TaskGet(c.Request().Context(), u.ID, taskID); err != nil {
		return nil, notFound
	}
	a, err := d.db.ApprovalLatestForTask(c.Request().Context(), taskID)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, notFound
	}
	return a, nil
}

// handleTaskAction serves POST /tasks/:id/resume|cancel|applied|approve|reject.
// A resume that would most likely stop at the same place (its form needs
// the person, its posting is closed) goes to the confirmation page first
// unless confirm=yes; approve opens the review of the task's approval
// request (the decision is made there, never blind).
func (d *Dashboard) handleTaskAction(c echo.Context) error {
	u := userOf(c)
	ctx := c.Request().Context()
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "task not found"), u)
	}
	actor := domain.UserActor(u.ID)
	var msg string
	switch c.Param("action") {
	case "resume":
		_, err = d.tasks.ResumeChecked(ctx, u.ID, id, actor, c.FormValue("confirm") == "yes")
		if domain.ErrorCode(err) == domain.ECONFIRMRESUME { // it would stop again: say so first
			return c.Redirect(http.StatusSeeOther, "/tasks/"+id.String()+"/resume")
		}
		msg = "task_resumed"
	case "cancel":
		_, err = d.tasks.Cancel(ctx, u.ID, id, actor)
		msg = "task_cancelled"
	case "applied":
		_, err = d.tasks.MarkApplied(ctx, u.ID, id, actor)
		msg = "task_applied"
	case "approve":
		// Approving opens the review first: the user sees (and may edit)
		// exactly what will be sent, then approves there.
		a, err := d.reviewOf(c, u, id)
		if err != nil {
			return d.renderError(c, err, u)
		}
		return c.Redirect(http.StatusSeeOther, "/approvals/"+a.ID.String())
	case "reject":
		dec := domain.Decision(c.Param("action"))
		_, err = d.tasks.DecideTask(ctx, u.ID, id, dec, actor)
		msg = "task_" + map[domain.Decision]string{domain.DecisionApprove: "approved", domain.DecisionReject: "rejected"}[dec]
	default:
		err = domain.Errorf(domain.ENOTFOUND, "no such action")
	}
	if err != nil {
		return d.renderError(c, err, u)
	}
	to := localPath(c.FormValue("back"))
	if to == "" {
		to = "/tasks/" + id.String()
	}
	return back(c, to, msg)
}

type resumePage struct {
	Card cardView
	Wall string
}

// handleResumeConfirm serves GET /tasks/:id/resume: before resuming a task
// that will most likely stop at the same place, it says so and offers the
// actions that end it instead. It changes nothing; a task with nothing in
// its way goes back to its page.
func (d *Dashboard) handleResumeConfirm(c echo.Context) error {
	u := userOf(c)
	ctx := c.Request().Context()
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "task not found"), u)
	}
	det, err := d.db.GetTaskDetail(ctx, u.ID, id)
	if err != nil {
		return d.renderError(c, err, u)
	}
	wall := domain.ResumeWall(det.Task, det.Job)
	if wall == "" || !domain.CanTransition(det.Task.State, domain.StateQueued) {
		return c.Redirect(http.StatusSeeOther, "/tasks/"+id.String())
	}
	cards, err := d.db.TaskCards(ctx, []*domain.Task{det.Task})
	if err != nil {
		return d.renderError(c, err, u)
	}
	return d.page(c, http.StatusOK, "resume.html", "Resume?", resumePage{Card: cardViews(u, cards)[0], Wall: wall})
}
