package dashboard

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

type approvalPage struct {
	Token    string
	Approval *domain.Approval
	Packet   domain.Packet
	Status   domain.ApprovalStatus
	Decided  string
}

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
	p := &approvalPage{Token: token, Approval: a, Status: a.Status}
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

// handleApprovalDecision serves POST /approvals/confirm (token, decision).
// The answer shows the decision, not the packet.
func (d *Dashboard) handleApprovalDecision(c echo.Context) error {
	noReferrer(c)
	if err := d.sameOrigin(c); err != nil {
		return d.renderError(c, err, nil)
	}
	token := c.FormValue("token")
	dec := domain.Decision(c.FormValue("decision"))
	if dec != domain.DecisionApprove && dec != domain.DecisionReject {
		return d.renderError(c, domain.Errorf(domain.EINVALID, "choose approve or reject"), nil)
	}
	if _, err := d.loadApproval(c, token); err != nil {
		return d.renderError(c, err, nil)
	}
	a, err := d.tasks.Decide(c.Request().Context(), postgres.ApprovalKey{TokenHash: domain.HashToken(token)}, dec, "approval_link")
	if err != nil {
		return d.renderError(c, err, nil)
	}
	p := &approvalPage{Approval: a, Status: a.Status, Decided: string(dec)}
	return d.render(c, http.StatusOK, "approval.html", view{Title: "Decision recorded", Data: p})
}

type inboxItem struct {
	Approval *domain.Approval
	Packet   domain.Packet
}

// handleInbox serves GET /approvals: every pending approval across runs,
// with the time left.
func (d *Dashboard) handleInbox(c echo.Context) error {
	u := userOf(c)
	list, _, err := d.db.ListApprovals(c.Request().Context(), u.ID, domain.ApprovalPending, "", domain.MaxPageSize)
	if err != nil {
		return d.renderError(c, err, u)
	}
	items := make([]inboxItem, 0, len(list))
	for _, a := range list {
		it := inboxItem{Approval: a}
		_ = json.Unmarshal(a.Packet, &it.Packet)
		items = append(items, it)
	}
	return d.page(c, http.StatusOK, "inbox.html", "Approvals", items)
}

// handleInboxDecision serves POST /approvals/:id/approve|reject for the
// signed-in owner.
func (d *Dashboard) handleInboxDecision(c echo.Context) error {
	u := userOf(c)
	id, err := domain.ParseID(c.Param("id"))
	dec := domain.Decision(c.Param("decision"))
	if err != nil || (dec != domain.DecisionApprove && dec != domain.DecisionReject) {
		return d.renderError(c, domain.Errorf(domain.ENOTFOUND, "approval request not found"), u)
	}
	if _, err := d.tasks.Decide(c.Request().Context(), postgres.ApprovalKey{ID: id, UserID: u.ID}, dec, domain.UserActor(u.ID)); err != nil {
		return d.renderError(c, err, u)
	}
	return back(c, "/approvals", map[domain.Decision]string{domain.DecisionApprove: "approved", domain.DecisionReject: "rejected"}[dec])
}
