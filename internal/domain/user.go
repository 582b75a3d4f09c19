package domain

import "time"

// User roles.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// User is a job seeker (or an operator with the admin role).
type User struct {
	ID                   ID
	Email                string
	Profile              Profile
	DailySubmissionLimit int
	Role                 string
	CreatedAt            time.Time
}

// Profile is what applications are filled in with.
type Profile struct {
	Name      string            `json:"name"`
	Phone     string            `json:"phone"`
	Location  string            `json:"location"`
	Links     map[string]string `json:"links,omitempty"`
	ResumeURL string            `json:"resume_url"`
}
