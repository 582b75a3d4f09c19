package postgres

import (
	"context"
	"time"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// NoticeAdd stores a notice for its user's next digest (in the caller's
// transaction: the change it tells of and the notice commit together). A
// zero id gets a new one. It does not validate the notice: the caller does
// (domain.Notice.Validate).
func (s *Store) NoticeAdd(ctx context.Context, n domain.Notice) (*domain.Notice, error) {
	if n.ID.IsZero() {
		n.ID = domain.NewID()
	}
	r, err := s.q.NoticeInsert(ctx, dbsqlc.NoticeInsertParams{ID: n.ID, UserID: n.UserID, Kind: string(n.Kind), TaskID: n.TaskID,
		RunID: n.RunID, ApprovalID: n.ApprovalID, Subject: n.Subject, Detail: n.Detail})
	if err != nil {
		return nil, err
	}
	return noticeFromRow(r), nil
}

// UnsentNotice is a notice a digest holds, and whether the task and run it
// names still exist (as its user's) and, for a security code waiting,
// whether the page still waits for its user.
type UnsentNotice struct {
	*domain.Notice
	RefsExist bool
}

// NoticeLockUnsent locks up to max of the user's unsent notices, oldest
// first, skipping any another transaction holds.
func (s *Store) NoticeLockUnsent(ctx context.Context, userID domain.ID, max int) ([]UnsentNotice, error) {
	rows, err := s.q.NoticeLockUnsent(ctx, dbsqlc.NoticeLockUnsentParams{UserID: userID, Max: max})
	if err != nil {
		return nil, err
	}
	out := make([]UnsentNotice, len(rows))
	for i, r := range rows {
		out[i] = UnsentNotice{Notice: noticeFromRow(&r.Notice), RefsExist: r.RefsExist}
	}
	return out, nil
}

// NoticeMarkSent marks notices taken by a digest: those in skipped as
// skipped (not mailed), the others as mailed. It returns how many it marked.
func (s *Store) NoticeMarkSent(ctx context.Context, ids, skipped []domain.ID) (int, error) {
	n, err := s.q.NoticeMarkSent(ctx, dbsqlc.NoticeMarkSentParams{Ids: ids, SkippedIds: skipped})
	return int(n), err
}

// NoticeUnsentExists reports whether the user has a notice no digest took.
func (s *Store) NoticeUnsentExists(ctx context.Context, userID domain.ID) (bool, error) {
	return s.q.NoticeUnsentExists(ctx, userID)
}

// NoticeUnsentImmediateExists reports whether the user has an unsent
// notice of a kind mailed at once (domain.NoticeKind.Immediate).
func (s *Store) NoticeUnsentImmediateExists(ctx context.Context, userID domain.ID) (bool, error) {
	var kinds []string
	for _, k := range domain.NoticeKinds {
		if k.Immediate() {
			kinds = append(kinds, string(k))
		}
	}
	return s.q.NoticeUnsentOfKindsExists(ctx, dbsqlc.NoticeUnsentOfKindsExistsParams{UserID: userID, Kinds: kinds})
}

// NoticeUsersWithoutDigest returns up to max users with a notice unsent
// since before createdBefore and no digest job waiting, retrying or running.
func (s *Store) NoticeUsersWithoutDigest(ctx context.Context, createdBefore time.Time, max int) ([]domain.ID, error) {
	return s.q.NoticeUsersWithoutDigest(ctx, dbsqlc.NoticeUsersWithoutDigestParams{CreatedBefore: createdBefore, Max: max})
}

// ApprovalsPendingAmong returns which of these approval requests are
// pending and not past their expiry (database clock), with their expiries.
func (s *Store) ApprovalsPendingAmong(ctx context.Context, ids []domain.ID) (map[domain.ID]time.Time, error) {
	rows, err := s.q.ApprovalPendingAmong(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[domain.ID]time.Time, len(rows))
	for _, r := range rows {
		out[r.ID] = r.ExpiresAt
	}
	return out, nil
}

// ApprovalRotateTokens gives each approval request in ids that is still
// pending (and not held by another transaction, which is skipped, never
// waited for) the link token hash at the same position in hashes. It
// returns the expiry of each request it changed: only their new links work.
func (s *Store) ApprovalRotateTokens(ctx context.Context, ids []domain.ID, hashes [][]byte) (map[domain.ID]time.Time, error) {
	rows, err := s.q.ApprovalRotateTokens(ctx, dbsqlc.ApprovalRotateTokensParams{Ids: ids, TokenHashes: hashes})
	if err != nil {
		return nil, err
	}
	out := make(map[domain.ID]time.Time, len(rows))
	for _, r := range rows {
		out[r.ID] = r.ExpiresAt
	}
	return out, nil
}

// NotificationPrefs returns the user's notification preferences (every
// kind on until the user changes them; ENOTFOUND for an unknown user).
func (s *Store) NotificationPrefs(ctx context.Context, userID domain.ID) (domain.NotificationPrefs, error) {
	r, err := s.q.NotificationPrefsGet(ctx, userID)
	if err != nil {
		return domain.NotificationPrefs{}, notFound(err, "user")
	}
	return domain.NotificationPrefs(*r), nil
}

// NotificationPrefsUpdate changes the user's notification preferences
// that u gives, keeping the others, in one statement, and returns them all.
func (s *Store) NotificationPrefsUpdate(ctx context.Context, userID domain.ID, u domain.NotificationPrefsUpdate) (domain.NotificationPrefs, error) {
	r, err := s.q.NotificationPrefsUpdate(ctx, dbsqlc.NotificationPrefsUpdateParams{UserID: userID, ApprovalWaiting: u.ApprovalWaiting,
		QuestionsWaiting: u.QuestionsWaiting, NeedsYou: u.NeedsYou, RunCompleted: u.RunCompleted})
	if err != nil {
		return domain.NotificationPrefs{}, err
	}
	return domain.NotificationPrefs(*r), nil
}

func noticeFromRow(r *dbsqlc.Notice) *domain.Notice {
	return &domain.Notice{ID: r.ID, UserID: r.UserID, Kind: domain.NoticeKind(r.Kind), TaskID: r.TaskID, RunID: r.RunID,
		ApprovalID: r.ApprovalID, Subject: r.Subject, Detail: r.Detail, CreatedAt: r.CreatedAt, SentAt: r.SentAt, Skipped: r.Skipped}
}
