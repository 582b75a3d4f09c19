package postgres

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// UserByEmail returns the user with this email (case-insensitive), creating it
// on first sign-in.
func (s *Store) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	r, err := s.q.UserGetOrCreateByEmail(ctx, dbsqlc.UserGetOrCreateByEmailParams{ID: domain.NewID(), Email: strings.TrimSpace(email)})
	if err != nil {
		return nil, err
	}
	return userFromRow((*dbsqlc.User)(r))
}

// GetUser returns a user by id (ENOTFOUND when there is none).
func (s *Store) GetUser(ctx context.Context, id domain.ID) (*domain.User, error) {
	r, err := s.q.UserGetByID(ctx, id)
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(r)
}

// GetUserForUpdate returns a user by id and locks the row (a profile
// change that reads it first).
func (s *Store) GetUserForUpdate(ctx context.Context, id domain.ID) (*domain.User, error) {
	r, err := s.q.UserGetByIDForUpdate(ctx, id)
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(r)
}

// UpdateProfile replaces the user's profile and daily limit (ENOTFOUND for
// an unknown user). It does not validate them: the caller does
// (domain.Profile.Validate); the database only enforces the limit's range.
func (s *Store) UpdateProfile(ctx context.Context, id domain.ID, p domain.Profile, dailyLimit int) (*domain.User, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	r, err := s.q.UserUpdateProfile(ctx, dbsqlc.UserUpdateProfileParams{ID: id, Profile: b, DailySubmissionLimit: dailyLimit})
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(r)
}

// UserSetRole sets a user's role (domain.RoleUser or domain.RoleAdmin;
// ENOTFOUND for an unknown user).
func (s *Store) UserSetRole(ctx context.Context, id domain.ID, role string) (*domain.User, error) {
	r, err := s.q.UserSetRole(ctx, dbsqlc.UserSetRoleParams{ID: id, Role: role})
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(r)
}
