package domain

import "time"

// NoticeKind is why applyq mails a user: something waits for them, or
// something they started has finished. Notices are collected and mailed
// as one digest per user (internal/notifications), never one mail each.
type NoticeKind string

// Notice kinds, in the order a digest lists them.
const (
	// NoticeApprovalWaiting: a task waits for the user's approval; the
	// digest carries a link that approves it.
	NoticeApprovalWaiting NoticeKind = "approval_waiting"
	// NoticeQuestionsWaiting: a required question has no answer, and tasks
	// wait until the user gives one.
	NoticeQuestionsWaiting NoticeKind = "questions_waiting"
	// NoticeNeedsYou: a task needs a person (a submission whose outcome is
	// unknown; later a login wall or a CAPTCHA).
	NoticeNeedsYou NoticeKind = "needs_you"
	// NoticeRunCompleted: every task of a run is submitted or cancelled.
	NoticeRunCompleted NoticeKind = "run_completed"
	// NoticeCodeWaiting: a form waits for the security code its platform
	// mailed to the user; mailed at once, not with the next digest (the
	// page waits only appliers.browser.code_window).
	NoticeCodeWaiting NoticeKind = "code_waiting"
)

// NoticeKinds lists every kind, in digest order.
var NoticeKinds = []NoticeKind{NoticeCodeWaiting, NoticeApprovalWaiting, NoticeQuestionsWaiting, NoticeNeedsYou, NoticeRunCompleted}

// Valid reports whether k is one of NoticeKinds.
func (k NoticeKind) Valid() bool {
	for _, known := range NoticeKinds {
		if k == known {
			return true
		}
	}
	return false
}

// Immediate reports whether a notice of kind k is mailed at once instead
// of after the digest window: a page waits for the user (code_waiting)
// for minutes only.
func (k NoticeKind) Immediate() bool { return k == NoticeCodeWaiting }

// Longest Subject and Detail of a notice, in characters.
const (
	MaxNoticeSubject = 300
	MaxNoticeDetail  = 500
)

// Notice is one thing to tell a user, waiting for (or already in) their
// next digest. The ids say what it is about, and so where its link goes:
// an approval (approval_waiting, with its task), a task (needs_you,
// code_waiting, and
// questions_waiting when one task waits), a run (run_completed).
type Notice struct {
	ID         ID
	UserID     ID
	Kind       NoticeKind
	TaskID     *ID
	RunID      *ID
	ApprovalID *ID
	// Subject names the thing in one line, such as "Acme — Backend
	// Engineer" or a run's name; Detail says why, in one line.
	Subject   string
	Detail    string
	CreatedAt time.Time
	// SentAt is when a digest took the notice: mailed, or Skipped.
	SentAt *time.Time
	// Skipped: marked sent without being mailed, because the user's
	// preferences turn its kind off or what it is about is gone (an
	// approval decided or expired before the digest ran, a deleted run).
	Skipped bool
}

// Validate checks a notice before it is stored: its user, its kind, the
// ids its kind links to, and one-line texts. Errors are EINVALID naming
// each bad field.
func (n *Notice) Validate() error {
	fields := map[string]string{}
	if n.UserID.IsZero() {
		fields["user_id"] = "is required"
	}
	need := func(field string, id *ID) {
		if id == nil || id.IsZero() {
			fields[field] = "is required for a " + string(n.Kind) + " notice"
		}
	}
	switch n.Kind {
	case NoticeApprovalWaiting:
		need("approval_id", n.ApprovalID)
		need("task_id", n.TaskID)
	case NoticeNeedsYou, NoticeCodeWaiting:
		need("task_id", n.TaskID)
	case NoticeRunCompleted:
		need("run_id", n.RunID)
	case NoticeQuestionsWaiting:
	default:
		fields["kind"] = "must be code_waiting, approval_waiting, questions_waiting, needs_you or run_completed"
	}
	if n.Subject == "" {
		fields["subject"] = "is required"
	} else if p := LineProblem(n.Subject, MaxNoticeSubject); p != "" {
		fields["subject"] = p
	}
	if p := LineProblem(n.Detail, MaxNoticeDetail); p != "" {
		fields["detail"] = p
	}
	return ValidationError(fields)
}

// NotificationPrefs are the kinds of notice a user wants mailed; all are on
// until the user turns one off. A kind turned off is still recorded, and
// marked sent without a mail.
type NotificationPrefs struct {
	ApprovalWaiting  bool `json:"approval_waiting"`
	QuestionsWaiting bool `json:"questions_waiting"`
	NeedsYou         bool `json:"needs_you"`
	RunCompleted     bool `json:"run_completed"`
}

// DefaultNotificationPrefs mails every kind.
func DefaultNotificationPrefs() NotificationPrefs {
	return NotificationPrefs{ApprovalWaiting: true, QuestionsWaiting: true, NeedsYou: true, RunCompleted: true}
}

// Mails reports whether notices of kind k are mailed. A security code
// waiting is a task that needs its user, right now: it follows NeedsYou.
func (p NotificationPrefs) Mails(k NoticeKind) bool {
	switch k {
	case NoticeCodeWaiting:
		return p.NeedsYou
	case NoticeApprovalWaiting:
		return p.ApprovalWaiting
	case NoticeQuestionsWaiting:
		return p.QuestionsWaiting
	case NoticeNeedsYou:
		return p.NeedsYou
	case NoticeRunCompleted:
		return p.RunCompleted
	}
	return false
}

// NotificationPrefsUpdate changes some preferences; nil fields stay as
// they are.
type NotificationPrefsUpdate struct {
	ApprovalWaiting  *bool
	QuestionsWaiting *bool
	NeedsYou         *bool
	RunCompleted     *bool
}
