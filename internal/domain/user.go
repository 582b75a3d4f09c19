package domain

import (
	"net/url"
	"time"
)

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

// Validate checks a profile and daily limit, naming each bad field.
func (p *Profile) Validate(dailyLimit int) error {
	fields := map[string]string{}
	if len(p.Name) > 200 {
		fields["name"] = "must be at most 200 characters"
	}
	if len(p.Phone) > 50 {
		fields["phone"] = "must be at most 50 characters"
	}
	if len(p.Location) > 200 {
		fields["location"] = "must be at most 200 characters"
	}
	if p.ResumeURL != "" && !isHTTPURL(p.ResumeURL) {
		fields["resume_url"] = "must be an http(s) URL"
	}
	if len(p.Links) > 20 {
		fields["links"] = "must have at most 20 entries"
	}
	for k, v := range p.Links {
		if k == "" || len(k) > 50 || !isHTTPURL(v) {
			fields["links"] = "each link needs a name (at most 50 characters) and an http(s) URL"
		}
	}
	if dailyLimit < 0 || dailyLimit > 10000 {
		fields["daily_submission_limit"] = "must be between 0 and 10000"
	}
	return ValidationError(fields)
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2048
}
