package dashboard

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
)

type approvalPage struct {
	Token    string
	Approval *domain.Approval
	Packet   domain.Packet
	Status   domain.ApprovalStatus
	Decided  string
	// Action is where the review form posts; Errors name the answers that
	// do not fit the form (form.<field>).
	Action string
	Errors map[string]string
}

// NotLive keeps a pending review still: it is a form being edited, and
// its countdown would have every refresh replace it.
func (p *approvalPage) NotLive() bool { return p.Status == domain.ApprovalPending }

// loadApproval finds the request of a link token. The token is a bearer
// credential that outlives its use (a forwarded mail, a mail scanner, a
// shared screen): only a pending request shows its packet; a decided one
// shows its status, an expired one answers 410 with nothing personal.
func (d *Dashboard) loadApproval(c echo.Context, token string) (*approvalPage, error) {
	if domain.ParseToken(domain.PrefixApproval, token) != nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "this approval link is not valid: open the link from your email, or the approval inbox")
	}
	a, err := d.db.ApprovalGet(c.Request().Context(), postgres.ApprovalKey{TokenHash: domain.HashToken(token)})
	if err != nil {
		return nil, err
	}
	p := &approvalPage{Token: token, Approval: a, Status: a.Status, Action: "/approvals/confirm"}
	switch p.Status {
	case domain.ApprovalExpired:
		return nil, domain.Errorf(domain.EGONE, "this approval link expired at %s and nothing was sent: sign in and resume the task to prepare a new one",
			a.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
	case domain.ApprovalPending:
		if err := json.Unmarshal(a.Packet, &p.Packet); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func noReferrer(c echo.Context) {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
}

// handleApprovalPage serves GET /approvals/confirm?token=: exactly what will
// be submitted, and buttons. Opening it decides nothing.
func (d *Dashboard) handleApprovalPage(c echo.Context) error {
	noReferrer(c)
	p, err := d.loadApproval(c, c.QueryParam("token"))
	if err != nil {
		return d.renderError(c, err, nil)
	}
	return d.render(c, http.StatusOK, "approval.html", view{Title: "Approve application", Data: p})
}

// handleApprovalDecision serves POST /approvals/confirm (token, decision,
// and any changed answers). The answer shows the decision, not the packet;
// answers that do not fit the form show the page again with the errors,
// nothing decided.
func (d *Dashboard) handleApprovalDecision(c echo.Context) error {
	noReferrer(c)
	if err := d.sameOrigin(c); err != nil {
		return d.renderError(c, err, nil)
	}
	token := c.FormValue("token")
	p, err := d.loadApproval(c, token)
	if err != nil {
		return d.renderError(c, err, nil)
	}
	a, err := d.decide(c, postgres.ApprovalKey{TokenHash: domain.HashToken(token)}, p, "approval_link")
	if err != nil {
		return d.reviewError(c, p, err, nil)
	}
	done := &approvalPage{Approval: a, Status: a.Status, Decided: string(a.Status)}
	return d.render(c, http.StatusOK, "approval.html", view{Title: "Decision recorded", Data: done})
}

// decide records the review form's decision, with the answers the user
// changed.
func (d *Dashboard) decide(c echo.Context, key postgres.ApprovalKey, p *approvalPage, actor string) (*domain.Approval, error) {
	switch domain.Decision(c.FormValue("decision")) {
	case domain.DecisionApprove:
		edits := tasks.ApprovalEdits{Edits: editsFromForm(c, &p.Packet), SaveToLibrary: c.FormValue("save_to_library") != ""}
		return d.tasks.Approve(c.Request().Context(), key, edits, actor)
	case domain.DecisionReject:
		return d.tasks.Decide(c.Request().Context(), key, domain.DecisionReject, actor)
	}
	return nil, domain.Errorf(domain.EINVALID, "choose approve or reject")
}

// reviewError shows the review page again with the answers that do not
// fit, or the error page for anything else.
func (d *Dashboard) reviewError(c echo.Context, p *approvalPage, err error, u *domain.User) error {
	errs := fieldErrors(err)
	if domain.ErrorCode(err) != domain.EINVALID || len(errs) == 0 || p.Status != domain.ApprovalPending {
		return d.renderError(c, err, u)
	}
	p.Errors = errs
	// Show what the user entered, not what was prepared.
	showEntered(&p.Packet, editsFromForm(c, &p.Packet))
	if u != nil {
		return d.page(c, http.StatusBadRequest, "approval.html", "Review the application", p)
	}
	return d.render(c, http.StatusBadRequest, "approval.html", view{Title: "Approve application", Data: p})
}

// handleReview serves GET /approvals/:id: a signed-in user's review of one
// pending application, with every answer editable.
func (d *Dashboard) handleReview(c echo.Context) error {
	u := userOf(c)
	p, err := d.ownApproval(c, u)
	if err != nil {
		return d.renderError(c, err, u)
	}
	return d.page(c, http.StatusOK, "approval.html", "Review the application", p)
}

// ownApproval loads one of the signed-in user's approval requests.
func (d *Dashboard) ownApproval(c echo.Context, u *domain.User) (*approvalPage, error) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "approval request not found")
	}
	a, err := d.db.ApprovalGet(c.Request().Context(), postgres.ApprovalKey{ID: id, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	p := &approvalPage{Approval: a, Status: a.Status, Action: "/approvals/" + id.String() + "/decide"}
	if err := json.Unmarshal(a.Packet, &p.Packet); err != nil {
		return nil, err
	}
	return p, nil
}

// handleReviewDecision serves POST /approvals/:id/decide: the review
// form's decision, with the changed answers.
func (d *Dashboard) handleReviewDecision(c echo.Context) error {
	u := userOf(c)
	p, err := d.ownApproval(c, u)
	if err != nil {
		return d.renderError(c, err, u)
	}
	a, err := d.decide(c, postgres.ApprovalKey{ID: p.Approval.ID, UserID: u.ID}, p, domain.UserActor(u.ID))
	if err != nil {
		return d.reviewError(c, p, err, u)
	}
	msg := "approved"
	if a.Status == domain.ApprovalRejected {
		msg = "rejected"
	}
	return back(c, "/approvals", msg)
}

type inboxItem struct {
	Approval *domain.Approval
	Packet   domain.Packet
}

// inboxPage is what waits for the user: first the forms waiting for a
// security code (minutes left), then the approvals.
type inboxPage struct {
	Codes []codeItem
	// NeedsYou are the paused or failed tasks only the person can end
	// (domain.Task.NeedsYou), with their actions.
	NeedsYou  []cardView
	Approvals []inboxItem
}

// codeItem is a task whose form waits for the security code.
type codeItem struct {
	Wait *domain.CodeWait
	Card postgres.TaskCard
}

// maxListedCodes bounds the code requests a page lists (a user has as
// many as pages held open for them: a handful).
const maxListedCodes = 50

// handleInbox serves GET /approvals: every form waiting for a security
// code (soonest to stop waiting first), then every pending approval
// across runs, with the time left.
func (d *Dashboard) handleInbox(c echo.Context) error {
	u := userOf(c)
	list, _, err := d.db.ListApprovals(c.Request().Context(), u.ID, domain.ApprovalPending, "", domain.MaxPageSize)
	if err != nil {
		return d.renderError(c, err, u)
	}
	p := inboxPage{Approvals: make([]inboxItem, 0, len(list))}
	for _, a := range list {
		it := inboxItem{Approval: a}
		_ = json.Unmarshal(a.Packet, &it.Packet)
		p.Approvals = append(p.Approvals, it)
	}
	if p.Codes, err = d.codesWaiting(c, u); err != nil {
		return d.renderError(c, err, u)
	}
	if p.NeedsYou, err = d.needsYou(c, u); err != nil {
		return d.renderError(c, err, u)
	}
	return d.page(c, http.StatusOK, "inbox.html", "Approvals", p)
}

// codesWaiting returns the user's tasks whose form waits for the security
// code from them (not those whose code is being typed), with their cards.
func (d *Dashboard) codesWaiting(c echo.Context, u *domain.User) ([]codeItem, error) {
	ctx := c.Request().Context()
	waits, err := d.db.CodeOpenForUser(ctx, u.ID, maxListedCodes)
	if err != nil {
		return nil, err
	}
	var items []codeItem
	var tasks []*domain.Task
	for _, w := range waits {
		if w.TakenAt != nil {
			continue
		}
		t, err := d.db.TaskGet(ctx, u.ID, w.TaskID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		items, tasks = append(items, codeItem{Wait: w}), append(tasks, t)
	}
	if len(tasks) == 0 {
		return nil, nil
	}
	cards, err := d.db.TaskCards(ctx, tasks)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].Card = cards[i]
	}
	return items, nil
}

// handleInboxDecision serves POST /approvals/:id/approve|reject for the
// signed-in owner. Approving never happens blind: approve opens the
// review (the whole form, editable), where the decision is made; reject
// decides at once.
func (d *Dashboard) handleInboxDecision(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	dec := domain.Decision(c.Param("decision"))
	if err != nil || (dec != domain.DecisionApprove && dec != domain.DecisionReject) {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "approval request not found"), u)
	}
	if dec == domain.DecisionApprove {
		if _, err := d.db.ApprovalGet(c.Request().Context(), postgres.ApprovalKey{ID: id, UserID: u.ID}); err != nil {
			return d.renderError(c, err, u)
		}
		return c.Redirect(http.StatusSeeOther, "/approvals/"+id.String())
	}
	if _, err := d.tasks.Decide(c.Request().Context(), postgres.ApprovalKey{ID: id, UserID: u.ID}, dec, domain.UserActor(u.ID)); err != nil {
		return d.renderError(c, err, u)
	}
	return back(c, "/approvals", map[domain.Decision]string{domain.DecisionApprove: "approved", domain.DecisionReject: "rejected"}[dec])
}

// needsYou returns the cards of the user's paused or failed tasks that wait
// for them (the newest page of them).
func (d *Dashboard) needsYou(c echo.Context, u *domain.User) ([]cardView, error) {
	ctx := c.Request().Context()
	list, _, err := d.db.ListTasks(ctx, u.ID, domain.TaskFilter{States: []domain.State{domain.StatePaused, domain.StateFailed}, Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	list = slices.DeleteFunc(list, func(t *domain.Task) bool { return !t.NeedsYou() })
	if len(list) == 0 {
		return nil, nil
	}
	cards, err := d.db.TaskCards(ctx, list)
	if err != nil {
		return nil, err
	}
	return cardViews(u, cards), nil
}
