package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

func sourceFromRow(r *dbsqlc.Source) (*domain.Source, error) {
	s := &domain.Source{ID: r.ID, UserID: r.UserID, Platform: domain.Platform(r.Platform), Board: r.Board, Name: r.Name,
		TargetRunID: r.TargetRunID, Status: r.Status, StatusReason: r.StatusReason,
		SyncEvery: time.Duration(r.SyncEverySeconds) * time.Second, NextSyncAt: r.NextSyncAt, LastSyncedAt: r.LastSyncedAt,
		LastError: r.LastError, PostingsOpen: r.PostingsOpen, Validators: domain.BoardValidators{ETag: r.Etag, LastModified: r.LastModified},
		SyncAgain: r.SyncAgain, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal(r.Filters, &s.Filters); err != nil {
		return nil, fmt.Errorf("source %s filters: %w", r.ID, err)
	}
	return s, nil
}

// SourceCreate stores a source the user follows, as given (the service
// normalised it). Following the same board twice is EDUPLICATE.
func (s *Store) SourceCreate(ctx context.Context, userID domain.ID, in domain.SourceCreate) (*domain.Source, error) {
	filters, err := json.Marshal(in.Filters)
	if err != nil {
		return nil, err
	}
	r, err := s.q.SourceInsert(ctx, dbsqlc.SourceInsertParams{ID: domain.NewID(), UserID: userID, Platform: string(in.Platform),
		Board: in.Board, Name: in.Name, Filters: filters, TargetRunID: in.RunID, SyncEverySeconds: int(in.SyncEvery / time.Second)})
	if isUniqueViolation(err, "sources_user_board_key") {
		return nil, domain.Errorf(domain.EDUPLICATE, "you already follow the %s board %q", in.Platform, in.Board)
	}
	if err != nil {
		return nil, err
	}
	return sourceFromRow(r)
}

// SourceGet returns one of the user's sources.
func (s *Store) SourceGet(ctx context.Context, userID, id domain.ID) (*domain.Source, error) {
	r, err := s.q.SourceGetByUser(ctx, dbsqlc.SourceGetByUserParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "source")
	}
	return sourceFromRow(r)
}

// SourceGetForUpdate reads a source (any user's: a sync job) and locks it.
func (s *Store) SourceGetForUpdate(ctx context.Context, id domain.ID) (*domain.Source, error) {
	return sourceOrNotFound(s.q.SourceGetForUpdate(ctx, id))
}

// SourceGetByUserForUpdate reads one of the user's sources and locks it.
func (s *Store) SourceGetByUserForUpdate(ctx context.Context, userID, id domain.ID) (*domain.Source, error) {
	return sourceOrNotFound(s.q.SourceGetByUserForUpdate(ctx, dbsqlc.SourceGetByUserForUpdateParams{ID: id, UserID: userID}))
}

func sourceOrNotFound(r *dbsqlc.Source, err error) (*domain.Source, error) {
	if err != nil {
		return nil, notFound(err, "source")
	}
	return sourceFromRow(r)
}

// SourceList returns the user's sources, newest first.
func (s *Store) SourceList(ctx context.Context, userID domain.ID) ([]*domain.Source, error) {
	rows, err := s.q.SourceListByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Source, len(rows))
	for i, r := range rows {
		if out[i], err = sourceFromRow(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SourceUpdate applies u's non-nil settings to one of the user's sources.
func (s *Store) SourceUpdate(ctx context.Context, userID, id domain.ID, u domain.SourceUpdate) (*domain.Source, error) {
	p := dbsqlc.SourceUpdateParams{ID: id, UserID: userID, Name: u.Name, TargetRunID: u.RunID, ClearTargetRun: u.ClearRun, Status: u.Status}
	if u.Filters != nil {
		b, err := json.Marshal(u.Filters)
		if err != nil {
			return nil, err
		}
		p.Filters = b
	}
	if u.SyncEvery != nil {
		secs := int(*u.SyncEvery / time.Second)
		p.SyncEverySeconds = &secs
	}
	r, err := s.q.SourceUpdate(ctx, p)
	if err != nil {
		return nil, notFound(err, "source")
	}
	return sourceFromRow(r)
}

// SourceDelete deletes one of the user's sources (its postings stay).
func (s *Store) SourceDelete(ctx context.Context, userID, id domain.ID) error {
	n, err := s.q.SourceDelete(ctx, dbsqlc.SourceDeleteParams{ID: id, UserID: userID})
	if err == nil && n == 0 {
		err = domain.Errorf(domain.ENOTFOUND, "source not found")
	}
	return err
}

// SourceClaimDue takes up to max active sources due for a sync (skipping
// those another scheduler holds), moves their next sync on by their
// interval (jittered ±10%), and returns their ids.
func (s *Store) SourceClaimDue(ctx context.Context, max int) ([]domain.ID, error) {
	return s.q.SourceClaimDue(ctx, max)
}

// SourceSynced records a sync that read the board: its validators, and the
// number of open postings now.
func (s *Store) SourceSynced(ctx context.Context, id domain.ID, v domain.BoardValidators) (*domain.Source, error) {
	r, err := s.q.SourceSynced(ctx, dbsqlc.SourceSyncedParams{ID: id, Etag: v.ETag, LastModified: v.LastModified})
	if err != nil {
		return nil, notFound(err, "source")
	}
	return sourceFromRow(r)
}

// SourceSyncFailed records why a sync failed; broken stops the source. It
// returns whether a sync was asked for while this one ran.
func (s *Store) SourceSyncFailed(ctx context.Context, id domain.ID, message string, broken bool) (again bool, err error) {
	again, err = s.q.SourceSyncFailed(ctx, dbsqlc.SourceSyncFailedParams{ID: id, LastError: message, Broken: broken})
	return again, notFound(err, "source")
}

// SourceSyncAgain asks the running sync of a source to run again when it
// ends.
func (s *Store) SourceSyncAgain(ctx context.Context, id domain.ID) error {
	return s.q.SourceSyncAgain(ctx, id)
}

// BoardPostingUpsert stores a posting a source's board lists: new, or the
// same job known before (same canonical key), refreshed and open again.
// company is the posting's employer: the board's (p.Company) or, when the
// board names none, the source's display name, which renaming the source
// changes. A company the person gave stays.
func (s *Store) BoardPostingUpsert(ctx context.Context, src *domain.Source, key, company string, p domain.BoardPosting) (id domain.ID, inserted bool, err error) {
	origin := domain.CompanySource
	if p.Company != "" && company == p.Company {
		origin = domain.CompanyBoard
	}
	var questions []byte
	if p.Questions != nil {
		if questions, err = json.Marshal(p.Questions); err != nil {
			return domain.ID{}, false, err
		}
	}
	r, err := s.q.JobPostingUpsertFromBoard(ctx, dbsqlc.JobPostingUpsertFromBoardParams{ID: domain.NewID(), UserID: src.UserID,
		Source: string(src.Platform), ExternalID: p.ExternalID, Url: p.URL, CanonicalKey: key, Company: company, CompanyOrigin: string(origin), Title: p.Title,
		Location: p.Location, Description: p.Description, SourceID: &src.ID, Platform: string(src.Platform), Department: p.Department,
		Remote: p.Remote, ApplyUrl: p.ApplyURL, Compensation: p.Compensation, EmploymentType: p.EmploymentType,
		Questions: questions, BoardUpdatedAt: p.UpdatedAt})
	if err != nil {
		return domain.ID{}, false, err
	}
	return r.ID, r.Inserted, nil
}

// BoardPostingsCloseMissing closes the source's open postings whose
// platform ids are not in listed, and returns their ids.
func (s *Store) BoardPostingsCloseMissing(ctx context.Context, sourceID domain.ID, listed []string) ([]domain.ID, error) {
	return s.q.JobPostingCloseMissing(ctx, dbsqlc.JobPostingCloseMissingParams{SourceID: &sourceID, Listed: listed})
}

// TaskListOpenForJobs locks, in id order, the tasks of jobs not sent (nor
// possibly sent): those a closed posting cancels.
func (s *Store) TaskListOpenForJobs(ctx context.Context, jobIDs []domain.ID) ([]*domain.Task, error) {
	rows, err := s.q.TaskListOpenForJobsForUpdate(ctx, jobIDs)
	return tasksFromRows(rows), err
}

// SourceStartSync returns a source whoever owns it, for a sync that
// starts now (what was asked for until now, it reads).
func (s *Store) SourceStartSync(ctx context.Context, id domain.ID) (*domain.Source, error) {
	r, err := s.q.SourceStartSync(ctx, id)
	if err != nil {
		return nil, notFound(err, "source")
	}
	return sourceFromRow(r)
}

// JobPostingsRenameSource gives the new display name of a source to its
// postings named after it, and returns how many changed.
func (s *Store) JobPostingsRenameSource(ctx context.Context, sourceID domain.ID, name string) (int64, error) {
	return s.q.JobPostingRenameSourceCompany(ctx, dbsqlc.JobPostingRenameSourceCompanyParams{Company: name, SourceID: &sourceID})
}
