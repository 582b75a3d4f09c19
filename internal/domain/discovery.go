package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Form discovery: where a board does not publish its application form
// (Lever, Ashby) or its hosted form shows fields its API does not list
// (Greenhouse), the browser reads the hosted form when a task is prepared —
// read only, nothing typed — and its fields become the job's questions,
// filled and approved like published ones.

// DiscoveredForm is a hosted form as the browser read it.
type DiscoveredForm struct {
	// Questions are the form's fields, in page order, classified like
	// published questions (Section, Fills).
	Questions []Question `json:"questions"`
	// Hash identifies the form's shape (FormHash of Questions): a form
	// that changed since it was read has another.
	Hash string `json:"hash"`
	// URL is the page the form was read on.
	URL    string    `json:"url"`
	ReadAt time.Time `json:"read_at"`
}

// FormHash is the hash of a form's shape: each question's field, label,
// kind, whether it is required and its options, in order.
func FormHash(qs []Question) string {
	type shape struct {
		F string           `json:"f"`
		L string           `json:"l"`
		K QuestionKind     `json:"k"`
		R bool             `json:"r"`
		O []QuestionOption `json:"o,omitempty"`
	}
	s := make([]shape, len(qs))
	for i, q := range qs {
		s[i] = shape{q.Field, q.Label, q.Kind, q.Required, q.Options}
	}
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// FormTarget names the hosted form of one posting (never a URL: the
// reader builds the platform's own address from the board and the id).
type FormTarget struct {
	TaskID    ID
	Platform  Platform
	Board     string
	PostingID string
}

// FormReader reads hosted application forms without typing anything.
type FormReader interface {
	// ReadForm opens t's hosted form and returns its fields. It returns a
	// *NeedsUserError (with a screenshot) when a person must act before
	// the form can even be read — a posed challenge, a login or SSO wall,
	// a page that went to another site, a form it cannot recognise — and
	// any other error when a later try may succeed (ErrThrottled when the
	// platform refused as too many).
	ReadForm(ctx context.Context, t FormTarget) (*DiscoveredForm, error)
}

// FormQuestions are the questions the job's application form asks: those
// its board publishes, then the fields the browser found on the hosted
// form that the board does not list (all of them when it publishes none).
// Nil when neither is known.
func (j *JobPosting) FormQuestions() []Question {
	if j.Form == nil || len(j.Form.Questions) == 0 {
		return j.Questions
	}
	if j.Questions == nil {
		return j.Form.Questions
	}
	out := append([]Question(nil), j.Questions...)
	known := map[string]bool{}
	for _, q := range j.Questions {
		known[q.Field] = true
	}
	for _, q := range j.Form.Questions {
		if !known[q.Field] {
			out = append(out, q)
		}
	}
	return out
}
