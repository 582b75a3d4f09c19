package domain

import (
	"strings"
	"text/template"
	"time"
)

// Cover-letter template variables, as {{.company}} and so on.
var templateVariables = []string{"name", "email", "phone", "location", "company", "title", "job_location", "job_url"}

// BuildPacket prepares the application for one task. A missing profile field
// or an unknown template variable is an EINVALID error that names it; the
// worker pauses the task with that reason for the user to fix.
func BuildPacket(t *Task, run *Run, job *JobPosting, user *User, now time.Time) (*Packet, error) {
	if strings.TrimSpace(user.Profile.Name) == "" {
		return nil, Errorf(EINVALID, "profile field name is missing: set it in your profile (PATCH /api/v1/me) and resume the task")
	}
	vars := map[string]string{
		"name": user.Profile.Name, "email": user.Email, "phone": user.Profile.Phone,
		"location": user.Profile.Location, "company": job.Company, "title": job.Title,
		"job_location": job.Location, "job_url": job.URL,
	}
	letter, err := RenderCoverLetter(run.CoverLetterTemplate, vars)
	if err != nil {
		return nil, err
	}
	return &Packet{
		TaskID: t.ID, RunID: t.RunID, JobID: t.JobID, JobURL: job.URL,
		Company: job.Company, Title: job.Title, Applicant: user.Profile, Email: user.Email,
		CoverLetter: letter, PreparedAt: now.UTC(),
	}, nil
}

// RenderCoverLetter renders a run's cover-letter template. Variables are
// written {{.company}}; an unknown one is an EINVALID error naming it and
// listing the known ones.
func RenderCoverLetter(tmpl string, vars map[string]string) (string, error) {
	if tmpl == "" {
		return "", nil
	}
	t, err := template.New("cover_letter").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", Errorf(EINVALID, "cover letter template does not parse: %v", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, vars); err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "map has no entry for key "); i >= 0 {
			return "", Errorf(EINVALID, "cover letter template uses unknown variable %s: known variables are %s",
				msg[i+len("map has no entry for key "):], strings.Join(templateVariables, ", "))
		}
		return "", Errorf(EINVALID, "cover letter template: %v", err)
	}
	return b.String(), nil
}

// SampleTemplateVars fills every template variable, to check a template when
// it is saved rather than when the first task fails on it.
func SampleTemplateVars() map[string]string {
	vars := make(map[string]string, len(templateVariables))
	for _, v := range templateVariables {
		vars[v] = v
	}
	return vars
}
