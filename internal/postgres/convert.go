package postgres

import (
	"encoding/json"
	"fmt"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// Conversions from sqlc's rows to domain types: generated types never
// leave this package.

func runFromRow(r *dbsqlc.ApplicationRun) *domain.Run {
	return &domain.Run{ID: r.ID, UserID: r.UserID, Name: r.Name, Status: r.Status, RequiresApproval: r.RequiresApproval,
		CoverLetterTemplate: r.CoverLetterTemplate, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func jobFromRow(r *dbsqlc.JobPosting) (*domain.JobPosting, error) {
	j := &domain.JobPosting{ID: r.ID, UserID: r.UserID, Source: r.Source, ExternalID: r.ExternalID, URL: r.Url,
		CanonicalKey: r.CanonicalKey, Company: r.Company, Title: r.Title, Location: r.Location, Description: r.Description,
		CreatedAt: r.CreatedAt}
	if len(r.Raw) > 0 {
		if err := json.Unmarshal(r.Raw, &j.Raw); err != nil {
			return nil, fmt.Errorf("job %s raw payload: %w", r.ID, err)
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
