package domain

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
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
	Name      string `json:"name"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
	Location  string `json:"location"`
	// LinkedIn, GitHub and Website are profile URLs forms often ask for;
	// Links holds any others.
	LinkedIn       string            `json:"linkedin"`
	GitHub         string            `json:"github"`
	Website        string            `json:"website"`
	Links          map[string]string `json:"links,omitempty"`
	CurrentCompany string            `json:"current_company"`
	// WorkAuthorization is the user's own note on where they may work. It
	// is shown beside work-authorisation questions; it never answers one by
	// itself (each form asks its own way: the user answers each question).
	WorkAuthorization string `json:"work_authorization"`
	// DeclineDemographic answers demographic (EEO) questions with the
	// form's own "decline to answer" choice where it has one.
	DeclineDemographic bool   `json:"decline_demographic"`
	ResumeURL          string `json:"resume_url"`
}

// Validate checks a profile and daily limit, naming each bad field.
func (p *Profile) Validate(dailyLimit int) error {
	fields := map[string]string{}
	check := func(name, problem string) {
		if problem != "" {
			fields[name] = problem
		}
	}
	check("name", LineProblem(p.Name, 200))
	check("first_name", LineProblem(p.FirstName, 100))
	check("last_name", LineProblem(p.LastName, 100))
	check("phone", LineProblem(p.Phone, 50))
	check("location", LineProblem(p.Location, 200))
	check("current_company", LineProblem(p.CurrentCompany, 200))
	check("work_authorization", LineProblem(p.WorkAuthorization, 500))
	for name, u := range map[string]string{"linkedin": p.LinkedIn, "github": p.GitHub, "website": p.Website} {
		if u != "" && !isHTTPURL(u) {
			fields[name] = "must be an http(s) URL (at most 2048 characters)"
		}
	}
	if p.ResumeURL != "" {
		if problem := LineProblem(p.ResumeURL, maxURL); problem != "" {
			fields["resume_url"] = problem
		} else if !isHTTPURL(p.ResumeURL) {
			fields["resume_url"] = "must be an http(s) URL"
		}
	}
	if len(p.Links) > 20 {
		fields["links"] = "must have at most 20 entries"
	}
	for k, v := range p.Links {
		if k == "" || LineProblem(k, 50) != "" || LineProblem(v, maxURL) != "" || !isHTTPURL(v) {
			fields["links"] = "each link needs a name (one line, at most 50 characters) and an http(s) URL (at most 2048 characters)"
		}
	}
	if dailyLimit < 0 || dailyLimit > 10000 {
		fields["daily_submission_limit"] = "must be between 0 and 10000"
	}
	return ValidationError(fields)
}

// maxURL is the longest URL a profile takes, in characters.
const maxURL = 2048

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && utf8.RuneCountInString(s) <= maxURL
}

// WebAddress completes a web address written the way people write them,
// without a scheme ("linkedin.com/in/ada", "www.example.com"), with
// "https://". Anything else — empty, with a scheme, or not a host name
// (spaces, a colon before the first slash, no dot) — is returned as is,
// for validation to judge.
func WebAddress(s string) string {
	host, _, _ := strings.Cut(s, "/")
	if s == "" || strings.Contains(s, "://") || strings.ContainsAny(host, " :@\t") || !strings.Contains(host, ".") ||
		strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") {
		return s
	}
	return "https://" + s
}

// ProfileUpdate is a change of a user's profile and daily limit: the
// fields set (non-nil) change, the others stay as they are, so two edits
// of different fields never undo each other.
type ProfileUpdate struct {
	Name, FirstName, LastName, Phone, Location *string
	LinkedIn, GitHub, Website, CurrentCompany  *string
	WorkAuthorization, ResumeURL               *string
	Links                                      *map[string]string
	DeclineDemographic                         *bool
	DailySubmissionLimit                       *int
}

// Apply returns the profile and daily limit of u changed by the update
// (text trimmed), and the profile fields a form can ask for
// (ProfileKeyPrefix keys) that it set. Nothing is validated: see
// Profile.Validate.
func (up ProfileUpdate) Apply(u *User) (p Profile, limit int, set []string) {
	p, limit = u.Profile, u.DailySubmissionLimit
	for _, f := range []struct {
		name string
		dst  *string
		v    *string
	}{{"name", &p.Name, up.Name}, {"first_name", &p.FirstName, up.FirstName}, {"last_name", &p.LastName, up.LastName},
		{"phone", &p.Phone, up.Phone}, {"location", &p.Location, up.Location}, {"linkedin", &p.LinkedIn, up.LinkedIn},
		{"github", &p.GitHub, up.GitHub}, {"website", &p.Website, up.Website}, {"current_company", &p.CurrentCompany, up.CurrentCompany},
		{"work_authorization", &p.WorkAuthorization, up.WorkAuthorization}, {"resume_url", &p.ResumeURL, up.ResumeURL}} {
		if f.v != nil {
			*f.dst = strings.TrimSpace(*f.v)
			if f.name == "linkedin" || f.name == "github" || f.name == "website" || f.name == "resume_url" {
				*f.dst = WebAddress(*f.dst)
			}
			set = append(set, f.name)
		}
	}
	if up.Links != nil {
		p.Links = *up.Links
	}
	if up.DeclineDemographic != nil {
		p.DeclineDemographic = *up.DeclineDemographic
	}
	if up.DailySubmissionLimit != nil {
		limit = *up.DailySubmissionLimit
	}
	return p, limit, set
}
