package postgres

import (
	"context"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// RunGetForUpdate reads one of the user's runs and locks it.
func (s *Store) RunGetForUpdate(ctx context.Context, userID, id domain.ID) (*domain.Run, error) {
	r, err := s.q.RunGetForUpdate(ctx, dbsqlc.RunGetForUpdateParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "run")
	}
	return runFromRow(r), nil
}

// RunStatusForShare reads a run's status and holds it (FOR SHARE) for the
// rest of the transaction; with a non-zero userID, only the user's own run.
func (s *Store) RunStatusForShare(ctx context.Context, userID, id domain.ID) (domain.RunStatus, error) {
	var st domain.RunStatus
	var err error
	if userID.IsZero() {
		st, err = s.q.RunGetStatusForShare(ctx, id)
	} else {
		st, err = s.q.RunGetStatusByUserForShare(ctx, dbsqlc.RunGetStatusByUserForShareParams{ID: id, UserID: userID})
	}
	return st, notFound(err, "run")
}

// RunStatusIfFree reads a run's status and holds it (FOR SHARE) for the
// rest of the transaction, unless another transaction is changing the run
// right now: then it reports ok false at once, without waiting (a caller
// holding one of the run's tasks must never wait for the run).
func (s *Store) RunStatusIfFree(ctx context.Context, id domain.ID) (st domain.RunStatus, ok bool, err error) {
	rows, err := s.q.RunGetStatusForShareSkipLocked(ctx, id)
	if err != nil || len(rows) == 0 {
		return "", false, err
	}
	return rows[0], true, nil
}

// RunUpdate applies u's non-nil fields to one of the user's runs.
func (s *Store) RunUpdate(ctx context.Context, userID, id domain.ID, u domain.RunUpdate) (*domain.Run, error) {
	p := dbsqlc.RunUpdateParams{ID: id, UserID: userID, Name: u.Name, RequiresApproval: u.RequiresApproval,
		CoverLetterTemplate: u.CoverLetterTemplate, Status: u.Status}
	if u.ApprovalTTL != nil {
		p.SetApprovalTtl, p.ApprovalTtlSeconds = true, ttlSeconds(*u.ApprovalTTL)
	}
	p.SetResume, p.ResumeDocumentID = u.SetResume, u.ResumeDocumentID
	p.SetCoverLetter, p.CoverLetterDocumentID = u.SetCoverLetter, u.CoverLetterDocumentID
	r, err := s.q.RunUpdate(ctx, p)
	if err != nil {
		return nil, notFound(err, "run")
	}
	return runFromRow(r), nil
}

// RunSetStatus sets one of the user's runs' status.
func (s *Store) RunSetStatus(ctx context.Context, userID, id domain.ID, status domain.RunStatus) (*domain.Run, error) {
	r, err := s.q.RunSetStatus(ctx, dbsqlc.RunSetStatusParams{ID: id, UserID: userID, Status: status})
	if err != nil {
		return nil, notFound(err, "run")
	}
	return runFromRow(r), nil
}

// RunCompleteMany marks runs completed and returns them.
func (s *Store) RunCompleteMany(ctx context.Context, ids []domain.ID) ([]*domain.Run, error) {
	rows, err := s.q.RunCompleteMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Run, len(rows))
	for i, r := range rows {
		out[i] = runFromRow(r)
	}
	return out, nil
}

// JobPostingOwnedIDs returns which of ids are the user's job postings.
func (s *Store) JobPostingOwnedIDs(ctx context.Context, userID domain.ID, ids []domain.ID) ([]domain.ID, error) {
	return s.q.JobPostingOwnedIDs(ctx, dbsqlc.JobPostingOwnedIDsParams{UserID: userID, Ids: ids})
}

// RunCounts fills each run's StateCounts.
func (s *Store) RunCounts(ctx context.Context, runs []*domain.Run) error {
	return runCounts(ctx, s.db, runs)
}
