package domain

import (
	"encoding/json"
	"time"
)

// ApprovalStatus is the life of an approval request.
type ApprovalStatus string

// Approval statuses.
const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	ApprovalExpired  ApprovalStatus = "expired"
)

// Decision is what a user decides about an approval request.
type Decision string

// Decisions.
const (
	DecisionApprove Decision = "approve"
	DecisionReject  Decision = "reject"
)

// Status is the approval status a decision leads to.
func (d Decision) Status() ApprovalStatus {
	if d == DecisionApprove {
		return ApprovalApproved
	}
	return ApprovalRejected
}

// Approval is a request for the user to approve exactly one packet before it
// is submitted.
type Approval struct {
	ID     ID
	TaskID ID
	UserID ID
	Status ApprovalStatus
	Packet json.RawMessage
	// Edits are what the user changed when approving (Packet is then the
	// edited packet, the one sent).
	Edits     []Edit
	CreatedAt time.Time
	ExpiresAt time.Time
	DecidedAt *time.Time
	DecidedBy string
}

// NotifyApprovals is the Postgres NOTIFY channel on which decisions and
// expiries are announced; the payload is only a task id and receivers re-read
// the row.
const NotifyApprovals = "applyq_approvals"
