package dashboard

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// The first landing: until a user has done each step once, the home page
// lists them in order with a link to where each is done. Every tick is read
// from the user's own data, never from a flag they set.

// checkStep is one step of the first-landing checklist.
type checkStep struct {
	Key, Title, Help, Link string
	Done                   bool
}

// checklist is the first-landing checklist; Show is false once every step
// is done.
type checklist struct {
	Steps []checkStep
	Done  int
}

// Show reports whether a step is still to do.
func (l *checklist) Show() bool { return l != nil && l.Done < len(l.Steps) }

// Total is the number of steps.
func (l *checklist) Total() int { return len(l.Steps) }

// progress is what the checklist is ticked from.
type progress struct {
	HasName, HasResume, HasSource, HasRun bool
	// Answers is how many answers the library keeps, Waiting how many
	// questions wait for one.
	Answers, Waiting int
	// Prepared: a task got past its questions (an approval request, or a
	// task waiting for approval or later); Approved: an application was
	// approved or submitted.
	Prepared, Approved bool
}

// newChecklist writes the steps for p, in the order a newcomer does them.
func newChecklist(p progress) *checklist {
	l := &checklist{Steps: []checkStep{
		{"profile", "Fill in your profile", "Your name, phone and links: what application forms are filled in with.", "/profile", p.HasName},
		{"resume", "Upload your résumé", "A PDF or .docx that your applications carry.", "/documents", p.HasResume},
		{"source", "Follow a job board", "applyq reads a company's board and lists its postings for you.", "/sources", p.HasSource},
		{"run", "Create a run", "A run is a batch of jobs you apply to; it asks for your approval before anything is sent.", "/runs#new-run", p.HasRun},
		{"answer", "Answer the questions forms ask", "When a form asks what your profile does not say, the application waits for your answer.",
			"/questions", p.Waiting == 0 && (p.Answers > 0 || p.Prepared || p.Approved)},
		{"approve", "Approve your first application", "Review exactly what will be sent, change anything, then approve.", "/approvals", p.Approved},
	}}
	for _, s := range l.Steps {
		if s.Done {
			l.Done++
		}
	}
	return l
}

// checklist reads the user's progress. It stops reading once it knows
// every step is done: the common case after the first days.
func (d *Dashboard) checklist(ctx context.Context, u *domain.User) (*checklist, error) {
	p := progress{HasName: u.Profile.Name != ""}
	docs, err := d.db.DocumentList(ctx, u.ID, new(domain.DocumentResume))
	if err != nil {
		return nil, err
	}
	p.HasResume = len(docs) > 0
	srcs, err := d.db.SourceList(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p.HasSource = len(srcs) > 0
	runs, _, err := d.db.ListRuns(ctx, u.ID, "", 1)
	if err != nil {
		return nil, err
	}
	p.HasRun = len(runs) > 0
	counts, err := d.db.UserStateCounts(ctx, u.ID, nil)
	if err != nil {
		return nil, err
	}
	approved, _, err := d.db.ListApprovals(ctx, u.ID, domain.ApprovalApproved, "", 1)
	if err != nil {
		return nil, err
	}
	p.Approved = len(approved) > 0 || counts[domain.StateSubmitted] > 0
	p.Prepared = p.Approved || counts[domain.StateAwaitingApproval]+counts[domain.StateApproved]+counts[domain.StateSubmitting] > 0
	waiting, err := d.db.WaitingQuestions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p.Waiting = len(waiting)
	answers, err := d.db.Answers(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p.Answers = len(answers)
	return newChecklist(p), nil
}

// ttlChoice is one approval window the run form offers.
type ttlChoice struct {
	Minutes string // the form value; "" for the default
	Label   string
}

// ttlChoices are the approval windows the run form offers: the configured
// default, a day and a week, each within the bounds a run accepts.
func ttlChoices(def time.Duration) []ttlChoice {
	out := []ttlChoice{{"", windowText(def) + " (the default)"}}
	for _, d := range []time.Duration{24 * time.Hour, 7 * 24 * time.Hour} {
		if d != def && d >= domain.MinApprovalTTL && d <= domain.MaxApprovalTTL {
			out = append(out, ttlChoice{strconv.Itoa(int(d / time.Minute)), windowText(d)})
		}
	}
	return out
}

// windowText writes an approval window for people: 20 minutes, 2 hours, a
// day, a week.
func windowText(d time.Duration) string {
	switch {
	case d == 7*24*time.Hour:
		return "a week"
	case d == 24*time.Hour:
		return "a day"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d == time.Hour:
		return "an hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d == time.Minute:
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}
