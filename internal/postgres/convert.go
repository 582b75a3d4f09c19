package postgres

import (
	"time"

	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// Conversions from sqlc's rows to domain types: generated types never
// leave this package.

func taskFromRow(r *dbsqlc.ApplicationTask) *domain.Task {
	t := &domain.Task{ID: r.ID, UserID: r.UserID, RunID: r.RunID, JobID: r.JobID, State: r.State, Priority: r.Priority,
		QueuedAt: r.QueuedAt, Attempts: r.Attempts, LastError: r.LastError, StateReason: domain.Reason(r.StateReason),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SubmittedAt: r.SubmittedAt}
	if r.RiverJobID != nil {
		t.RiverJobID = *r.RiverJobID
	}
	return t
}

func tasksFromRows(rows []*dbsqlc.ApplicationTask) []*domain.Task {
	out := make([]*domain.Task, len(rows))
	for i, r := range rows {
		out[i] = taskFromRow(r)
	}
	return out
}

func approvalFromRow(r *dbsqlc.ApprovalRequest, pastDue bool) *domain.Approval {
	a := &domain.Approval{ID: r.ID, TaskID: r.TaskID, UserID: r.UserID, Status: r.Status, Packet: r.Packet,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, DecidedAt: r.DecidedAt}
	if r.DecidedBy != nil {
		a.DecidedBy = *r.DecidedBy
	}
	if len(r.Edits) > 0 {
		_ = json.Unmarshal(r.Edits, &a.Edits) // written by ApprovalDecide from []domain.Edit
	}
	if pastDue {
		a.Status = domain.ApprovalExpired
	}
	return a
}

func runFromRow(r *dbsqlc.ApplicationRun) *domain.Run {
	run := &domain.Run{ID: r.ID, UserID: r.UserID, Name: r.Name, Status: r.Status, RequiresApproval: r.RequiresApproval,
		CoverLetterTemplate: r.CoverLetterTemplate, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		ResumeDocumentID: r.ResumeDocumentID, CoverLetterDocumentID: r.CoverLetterDocumentID}
	if r.ApprovalTtlSeconds != nil {
		run.ApprovalTTL = time.Duration(*r.ApprovalTtlSeconds) * time.Second
	}
	return run
}

func jobFromRow(r *dbsqlc.JobPosting) (*domain.JobPosting, error) {
	j := &domain.JobPosting{ID: r.ID, UserID: r.UserID, Source: r.Source, ExternalID: r.ExternalID, URL: r.Url,
		CanonicalKey: r.CanonicalKey, Company: r.Company, Title: r.Title, Location: r.Location, Description: r.Description,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SourceID: r.SourceID, Platform: domain.Platform(r.Platform),
		PlatformPostingID: r.PlatformPostingID, Department: r.Department, Remote: r.Remote, ApplyURL: r.ApplyUrl,
		Compensation: r.Compensation, EmploymentType: r.EmploymentType, BoardUpdatedAt: r.BoardUpdatedAt, ClosedAt: r.ClosedAt,
		CompanyOrigin: domain.CompanyOrigin(r.CompanyOrigin), PersonStageAt: r.PersonStageAt, TrackedOnly: r.TrackedOnly,
		Details: domain.DetailsStatus(r.DetailsStatus)}
	if r.PersonStage != nil {
		st := domain.Stage(*r.PersonStage)
		j.PersonStage, j.Stage = &st, st
	}
	if len(r.Raw) > 0 {
		if err := json.Unmarshal(r.Raw, &j.Raw); err != nil {
			return nil, fmt.Errorf("job %s raw payload: %w", r.ID, err)
		}
	}
	if len(r.Questions) > 0 && string(r.Questions) != "null" {
		if err := json.Unmarshal(r.Questions, &j.Questions); err != nil {
			return nil, fmt.Errorf("job %s questions: %w", r.ID, err)
		}
	}
	if len(r.DiscoveredForm) > 0 && string(r.DiscoveredForm) != "null" {
		if err := json.Unmarshal(r.DiscoveredForm, &j.Form); err != nil {
			return nil, fmt.Errorf("job %s discovered form: %w", r.ID, err)
		}
	}
	return j, nil
}

func userFromRow(r *dbsqlc.User) (*domain.User, error) {
	u := &domain.User{ID: r.ID, Email: r.Email, DailySubmissionLimit: r.DailySubmissionLimit, Role: r.Role, CreatedAt: r.CreatedAt}
	if err := json.Unmarshal(r.Profile, &u.Profile); err != nil {
		return nil, fmt.Errorf("user %s profile: %w", r.ID, err)
	}
	return u, nil
}

// Postgres error codes translated here.
const (
	pgUniqueViolation      = "23505"
	pgCheckViolation       = "23514"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// IsTransient reports whether err is a deadlock or serialization failure:
// the transaction was rolled back and may simply run again.
func IsTransient(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == pgSerializationFailure || pgErr.Code == pgDeadlockDetected)
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgUniqueViolation && (constraint == "" || pgErr.ConstraintName == constraint)
}

// isCheckViolation reports whether err is a check violation of constraint
// (a CHECK, or a trigger raising one under that name).
func isCheckViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgCheckViolation && pgErr.ConstraintName == constraint
}

// IsOneSubmissionViolation reports whether err is the database refusing a
// second submission of the same job (invariant 1).
func IsOneSubmissionViolation(err error) bool {
	return isUniqueViolation(err, "application_tasks_one_submission_idx")
}

// notFound translates pgx.ErrNoRows to a domain not-found error for what.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "%s not found", what)
	}
	return err
}
