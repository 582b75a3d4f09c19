package httpapi

import (
	"encoding/json"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// The JSON shapes of the API. Domain types never go out directly: these keep
// the wire format stable when the domain changes.

type userJSON struct {
	ID                   domain.ID      `json:"id"`
	Email                string         `json:"email"`
	Profile              domain.Profile `json:"profile"`
	DailySubmissionLimit int            `json:"daily_submission_limit"`
	Role                 string         `json:"role"`
	CreatedAt            time.Time      `json:"created_at"`
}

func toUser(u *domain.User) userJSON {
	p := u.Profile
	if p.Links == nil {
		p.Links = map[string]string{}
	}
	return userJSON{ID: u.ID, Email: u.Email, Profile: p, DailySubmissionLimit: u.DailySubmissionLimit, Role: u.Role, CreatedAt: u.CreatedAt}
}

type runJSON struct {
	ID                  domain.ID      `json:"id"`
	Name                string         `json:"name"`
	Status              string         `json:"status"`
	RequiresApproval    bool           `json:"requires_approval"`
	CoverLetterTemplate string         `json:"cover_letter_template"`
	TaskCounts          map[string]int `json:"task_counts"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"updated_at"`
}

func toRun(r *domain.Run) runJSON {
	counts := map[string]int{}
	for _, s := range domain.AllStates {
		counts[string(s)] = r.StateCounts[s]
	}
	return runJSON{ID: r.ID, Name: r.Name, Status: string(r.Status), RequiresApproval: r.RequiresApproval,
		CoverLetterTemplate: r.CoverLetterTemplate, TaskCounts: counts, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type jobJSON struct {
	ID               domain.ID      `json:"id"`
	Source           string         `json:"source"`
	ExternalID       string         `json:"external_id"`
	URL              string         `json:"url"`
	CanonicalKey     string         `json:"canonical_key"`
	Company          string         `json:"company"`
	Title            string         `json:"title"`
	Location         string         `json:"location"`
	Description      string         `json:"description"`
	Raw              map[string]any `json:"raw"`
	HasBeenAppliedTo bool           `json:"has_been_applied_to"`
	CreatedAt        time.Time      `json:"created_at"`
}

func toJob(j *domain.JobPosting) jobJSON {
	raw := j.Raw
	if raw == nil {
		raw = map[string]any{}
	}
	return jobJSON{ID: j.ID, Source: j.Source, ExternalID: j.ExternalID, URL: j.URL, CanonicalKey: j.CanonicalKey,
		Company: j.Company, Title: j.Title, Location: j.Location, Description: j.Description, Raw: raw,
		HasBeenAppliedTo: j.HasBeenAppliedTo, CreatedAt: j.CreatedAt}
}

type taskJSON struct {
	ID          domain.ID `json:"id"`
	RunID       domain.ID `json:"run_id"`
	JobID       domain.ID `json:"job_id"`
	State       string    `json:"state"`
	Priority    int       `json:"priority"`
	Boosted     bool      `json:"boosted"`
	QueuedAt    time.Time `json:"queued_at"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error"`
	StateReason string    `json:"state_reason"`
	NextStates  []string  `json:"next_states"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toTask(t *domain.Task) taskJSON {
	next := []string{}
	for _, s := range domain.NextStates(t.State) {
		next = append(next, string(s))
	}
	return taskJSON{ID: t.ID, RunID: t.RunID, JobID: t.JobID, State: string(t.State), Priority: t.Priority,
		Boosted: t.Boosted(), QueuedAt: t.QueuedAt, Attempts: t.Attempts, LastError: t.LastError,
		StateReason: string(t.StateReason), NextStates: next, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

type transitionJSON struct {
	From   *string   `json:"from"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

type taskDetailJSON struct {
	taskJSON
	Job         jobJSON          `json:"job"`
	Run         runJSON          `json:"run"`
	Transitions []transitionJSON `json:"transitions"`
	Packet      json.RawMessage  `json:"packet"`
	Approval    any              `json:"approval"`
}

func toTaskDetail(d *domain.TaskDetail) taskDetailJSON {
	trs := make([]transitionJSON, len(d.Transitions))
	for i, tr := range d.Transitions {
		var from *string
		if tr.From != "" {
			f := string(tr.From)
			from = &f
		}
		trs[i] = transitionJSON{From: from, To: string(tr.To), Actor: tr.Actor, Reason: string(tr.Reason), At: tr.CreatedAt}
	}
	packet := d.Packet
	if packet == nil {
		packet = json.RawMessage("null")
	}
	return taskDetailJSON{taskJSON: toTask(d.Task), Job: toJob(d.Job), Run: toRun(d.Run), Transitions: trs, Packet: packet}
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
