package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
)

type approvalJSON struct {
	ID     domain.ID       `json:"id"`
	TaskID domain.ID       `json:"task_id"`
	Status string          `json:"status"`
	Packet json.RawMessage `json:"packet,omitempty"`
	// Edits are what the user changed when approving.
	Edits     []domain.Edit `json:"edits,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	ExpiresAt time.Time     `json:"expires_at"`
	DecidedAt *time.Time    `json:"decided_at"`
	DecidedBy string        `json:"decided_by,omitempty"`
}

// toApproval renders a request; the store already shows a pending request
// past its expiry as expired.
func (s *Server) toApproval(a *domain.Approval) approvalJSON {
	return approvalJSON{ID: a.ID, TaskID: a.TaskID, Status: string(a.Status), Packet: a.Packet, Edits: a.Edits, CreatedAt: a.CreatedAt,
		ExpiresAt: a.ExpiresAt, DecidedAt: a.DecidedAt, DecidedBy: a.DecidedBy}
}

// approvalKey reads :key, which is either an approval link token (aqa_…,
// no sign-in needed) or an approval id (the signed-in owner's).
func (s *Server) approvalKey(c echo.Context) (postgres.ApprovalKey, string, error) {
	key := c.Param("key")
	if strings.HasPrefix(key, domain.PrefixApproval) {
		if domain.ParseToken(domain.PrefixApproval, key) != nil {
			return postgres.ApprovalKey{}, "", domain.Errorf(domain.ENOTFOUND, "approval request not found")
		}
		return postgres.ApprovalKey{TokenHash: domain.HashToken(key)}, "link", nil
	}
	id, err := domain.ParseID(key)
	if err != nil {
		return postgres.ApprovalKey{}, "", domain.Errorf(domain.ENOTFOUND, "approval request not found")
	}
	u, err := s.authenticate(c)
	if err != nil {
		return postgres.ApprovalKey{}, "", err
	}
	return postgres.ApprovalKey{ID: id, UserID: u.ID}, domain.UserActor(u.ID), nil
}

// forLink trims what a link token shows. The token is a bearer credential
// that outlives its use (a forwarded mail, a mail scanner, a shared
// screen): only a pending request shows its packet; a decided one shows its
// status; an expired one is EGONE, with nothing personal.
func (s *Server) forLink(a *domain.Approval) (approvalJSON, error) {
	v := s.toApproval(a)
	switch domain.ApprovalStatus(v.Status) {
	case domain.ApprovalPending:
		return v, nil
	case domain.ApprovalExpired:
		return approvalJSON{}, domain.Errorf(domain.EGONE, "this approval link expired at %s and nothing was sent: sign in and resume the task to prepare a new one",
			a.ExpiresAt.UTC().Format(time.RFC3339)).WithDetails(map[string]any{"status": string(domain.ApprovalExpired), "expires_at": a.ExpiresAt})
	}
	v.Packet, v.DecidedBy, v.Edits = nil, "", nil
	return v, nil
}

// handleGetApproval answers GET /api/v1/approvals/:key: what will be sent,
// the status and the expiry. It changes nothing, so a mail scanner that
// prefetches the link approves nothing. Through a link token, a decided
// request answers its status only and an expired one 410.
func (s *Server) handleGetApproval(c echo.Context) error {
	noStore(c)
	key, actor, err := s.approvalKey(c)
	if err != nil {
		return err
	}
	a, err := s.db.ApprovalGet(c.Request().Context(), key)
	if err != nil {
		return err
	}
	if actor == "link" {
		v, err := s.forLink(a)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	}
	return c.JSON(http.StatusOK, s.toApproval(a))
}

type approveRequest struct {
	// Edits change the application before it is approved: form fields by
	// name, or cover_letter.
	Edits         []domain.FormEdit `json:"edits"`
	SaveToLibrary bool              `json:"save_to_library"`
}

// handleApprove answers POST /api/v1/approvals/:key/approve, with an
// optional body {edits, save_to_library}: the edited application is what
// is approved and sent.
func (s *Server) handleApprove(c echo.Context) error { return s.decide(c, domain.DecisionApprove) }

// handleReject answers POST /api/v1/approvals/:key/reject.
func (s *Server) handleReject(c echo.Context) error { return s.decide(c, domain.DecisionReject) }

// decide records a decision: the same decision twice answers the same; the
// opposite one 409; any after expiry 410, changing nothing.
func (s *Server) decide(c echo.Context, d domain.Decision) error {
	noStore(c)
	key, actor, err := s.approvalKey(c)
	if err != nil {
		return err
	}
	link := actor == "link"
	if link {
		actor = "approval_link"
	}
	var edits tasks.ApprovalEdits
	if c.Request().ContentLength != 0 {
		var req approveRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if d == domain.DecisionReject && (len(req.Edits) > 0 || req.SaveToLibrary) {
			return domain.ValidationError(map[string]string{"edits": "a rejection takes no edits"})
		}
		edits = tasks.ApprovalEdits{Edits: req.Edits, SaveToLibrary: req.SaveToLibrary}
	}
	var a *domain.Approval
	if d == domain.DecisionApprove {
		a, err = s.tasks.Approve(c.Request().Context(), key, edits, actor)
	} else {
		a, err = s.tasks.Decide(c.Request().Context(), key, d, actor)
	}
	if err != nil {
		return err
	}
	if link {
		v, err := s.forLink(a)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	}
	return c.JSON(http.StatusOK, s.toApproval(a))
}

// handleListApprovals answers GET /api/v1/approvals?status=pending: the
// user's inbox across all runs (status defaults to pending).
func (s *Server) handleListApprovals(c echo.Context) error {
	status := domain.ApprovalStatus(c.QueryParam("status"))
	switch status {
	case "":
		status = domain.ApprovalPending
	case domain.ApprovalPending, domain.ApprovalApproved, domain.ApprovalRejected, domain.ApprovalExpired:
	default:
		return domain.ValidationError(map[string]string{"status": "must be pending, approved, rejected or expired"})
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	list, next, err := s.db.ListApprovals(c.Request().Context(), currentUser(c).ID, status, c.QueryParam("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page[approvalJSON]{Items: mapSlice(list, s.toApproval), NextCursor: next})
}

func noStore(c echo.Context) {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
}
