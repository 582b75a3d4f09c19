package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Platform is an applicant-tracking system whose public job boards applyq
// reads. The set is closed.
type Platform string

// The platforms.
const (
	PlatformGreenhouse      Platform = "greenhouse"
	PlatformLever           Platform = "lever"
	PlatformAshby           Platform = "ashby"
	PlatformSmartRecruiters Platform = "smartrecruiters"
	PlatformRecruitee       Platform = "recruitee"
	PlatformWorkable        Platform = "workable"
	PlatformPersonio        Platform = "personio"
)

// Platforms lists every platform.
var Platforms = []Platform{PlatformGreenhouse, PlatformLever, PlatformAshby, PlatformSmartRecruiters,
	PlatformRecruitee, PlatformWorkable, PlatformPersonio}

// Valid reports whether p is one of the platforms.
func (p Platform) Valid() bool {
	for _, q := range Platforms {
		if p == q {
			return true
		}
	}
	return false
}

// QuestionKind is what kind of answer a form field takes.
type QuestionKind string

// Question kinds, normalised across platforms.
const (
	QuestionText         QuestionKind = "text"          // one line
	QuestionTextarea     QuestionKind = "textarea"      // several lines
	QuestionFile         QuestionKind = "file"          // an upload (résumé, cover letter, other)
	QuestionSingleSelect QuestionKind = "single_select" // one of Options
	QuestionMultiSelect  QuestionKind = "multi_select"  // any of Options
	QuestionBoolean      QuestionKind = "boolean"       // yes/no, a checkbox
	QuestionDate         QuestionKind = "date"
	QuestionNumber       QuestionKind = "number"
	QuestionHidden       QuestionKind = "hidden" // filled by the platform, never by a person
	// QuestionOther is a field of a kind applyq does not know (a video
	// answer, a new widget): nobody can fill it but the user, so a
	// required one makes the task wait for the person.
	QuestionOther QuestionKind = "other"
)

// QuestionSection groups questions by what they ask; the answer library
// treats some sections as never to be guessed.
type QuestionSection string

// Question sections.
const (
	SectionStandard    QuestionSection = "standard"    // name, email, phone, résumé, cover letter…
	SectionCustom      QuestionSection = "custom"      // the employer's own questions
	SectionLocation    QuestionSection = "location"    // where the applicant is
	SectionCompliance  QuestionSection = "compliance"  // work authorisation, visa, legal
	SectionDemographic QuestionSection = "demographic" // EEO / voluntary self-identification
)

// QuestionOption is one choice of a select question.
type QuestionOption struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Question is one field of a posting's application form, as its board
// publishes it, normalised across platforms.
type Question struct {
	// Field is the form's own field name or id ("question_123", an open
	// question id, "_systemfield_email"): what the applier fills.
	Field    string           `json:"field"`
	Label    string           `json:"label"`
	Kind     QuestionKind     `json:"kind"`
	Required bool             `json:"required"`
	Options  []QuestionOption `json:"options,omitempty"`
	Section  QuestionSection  `json:"section"`
	// Fills names the standard value a platform's own field takes, when
	// the platform's conventions say so rather than its label (Lever's
	// "comments" takes the cover letter, Ashby's "_systemfield_location"
	// the location): a profile field name (ProfileFields), "resume" or
	// "cover_letter". Empty for the employer's own questions.
	Fills string `json:"fills,omitempty"`
}

// BoardPosting is one posting as a job board lists it.
type BoardPosting struct {
	// ExternalID is the platform's id of the posting on the board.
	ExternalID string
	Title      string
	// Company is the employer's name as the board gives it ("" when the
	// platform's public API names none: Lever, Ashby).
	Company    string
	Location   string
	Department string
	Remote     bool
	// Description is plain text (the board's HTML sanitised).
	Description string
	// URL is the posting's public page; ApplyURL its application form when
	// the board gives one apart.
	URL      string
	ApplyURL string
	// Compensation is the pay range as published, in words ("USD 120,000 –
	// 150,000 per year"), when the board gives one.
	Compensation string
	// EmploymentType is the board's word for it (full-time, contract…).
	EmploymentType string
	UpdatedAt      *time.Time
	// Questions is the application form's fields, when the platform
	// publishes them with the posting; nil when it does not (the applier
	// reads the form itself).
	Questions []Question
}

// BoardValidators let a sync ask "changed since?" (conditional requests).
type BoardValidators struct {
	ETag         string
	LastModified string
}

// BoardSnapshot is what a board lists now.
type BoardSnapshot struct {
	Postings []BoardPosting
	// NotModified: the board answered that nothing changed since the
	// validators given; Postings is empty and the known postings stand.
	NotModified bool
	Validators  BoardValidators
	// Skipped counts the postings the board listed but the snapshot leaves
	// out: no id, no title, or an id listed twice (the first is kept).
	Skipped int
}

// BoardClient reads the public job boards of one platform.
type BoardClient interface {
	// Platform is the platform it reads.
	Platform() Platform
	// Fetch returns every posting the board lists now, every page, with
	// the questions where the platform publishes them. prev, from the last
	// sync, makes the request conditional where the platform supports it.
	// It returns an error wrapping ErrBoardNotFound when the board does not
	// exist, ErrBoardRedirected when it redirects off its platform's hosts,
	// ErrBoardUnavailable when a later try may succeed (timeouts,
	// 429, 5xx), and an EINVALID domain error for an answer it cannot read.
	Fetch(ctx context.Context, board string, prev BoardValidators) (*BoardSnapshot, error)
}

// PostingFetcher is a BoardClient that also reads one posting without
// reading the whole board (Greenhouse: its listing lacks the details, so a
// whole board costs one request per job). It returns the errors Fetch does.
type PostingFetcher interface {
	FetchPosting(ctx context.Context, board, externalID string) (*BoardPosting, error)
}

// Errors of a board fetch.
var (
	// ErrBoardNotFound: the board does not exist (404): the source is
	// broken until the user fixes it.
	ErrBoardNotFound = errors.New("job board not found")
	// ErrBoardUnavailable: the board could not be read now; try again later.
	ErrBoardUnavailable = errors.New("job board unavailable")
	// ErrBoardRedirected: the board answered with a redirect off its
	// platform's hosts, which is not followed: the source is broken
	// (its reason says where) until the user fixes it.
	ErrBoardRedirected = errors.New("job board redirected off its platform")
)

// BoardUnavailableError is ErrBoardUnavailable with what is known of why:
// the HTTP status (0 for a timeout or a network error) and the wait the
// board asked for in Retry-After (0 when it did not say). errors.Is(err,
// ErrBoardUnavailable) holds for it.
type BoardUnavailableError struct {
	Platform   Platform
	Status     int
	RetryAfter time.Duration
	Err        error // the cause, when there is one
}

// Error implements the error interface.
func (e *BoardUnavailableError) Error() string {
	msg := string(e.Platform) + ": " + ErrBoardUnavailable.Error()
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrBoardUnavailable) true.
func (e *BoardUnavailableError) Is(target error) bool { return target == ErrBoardUnavailable }

// Unwrap returns the cause.
func (e *BoardUnavailableError) Unwrap() error { return e.Err }

// SourceStatus is whether a source is synced.
type SourceStatus string

// Source statuses.
const (
	SourceActive SourceStatus = "active" // synced on its interval
	SourcePaused SourceStatus = "paused" // by its user: not synced
	SourceBroken SourceStatus = "broken" // its board does not exist: not synced until the user fixes it
)

// SourceFilters choose which of a board's postings a source follows. Empty
// lists match everything; within a list, any entry matches
// (case-insensitive substring).
type SourceFilters struct {
	TitleKeywords []string `json:"title_keywords,omitempty"`
	Locations     []string `json:"locations,omitempty"`
	Departments   []string `json:"departments,omitempty"`
	RemoteOnly    bool     `json:"remote_only,omitempty"`
}

// Source is a job board a user follows.
type Source struct {
	ID       ID
	UserID   ID
	Platform Platform
	Board    string
	Name     string
	Filters  SourceFilters
	// TargetRunID, when set, is the run new matches are added to.
	TargetRunID  *ID
	Status       SourceStatus
	StatusReason string
	SyncEvery    time.Duration
	NextSyncAt   time.Time
	LastSyncedAt *time.Time
	LastError    string
	PostingsOpen int
	Validators   BoardValidators
	// SyncAgain: a sync was asked for while one ran; it runs again.
	SyncAgain bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DisplayName is the name the person knows the source by: its name, or
// its board's made readable when it has none.
func (s *Source) DisplayName() string {
	if n := strings.TrimSpace(s.Name); n != "" {
		return n
	}
	return ReadableBoard(s.Board)
}

// ReadableBoard makes a board's slug readable, for a source without a
// name: "acme-corp" → "Acme Corp". It is what the person sees until they
// name the source; never the raw slug.
func ReadableBoard(board string) string {
	words := strings.FieldsFunc(board, func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// Matches reports whether the filters follow p: every non-empty list has
// an entry found in the posting (title, location, department), and a
// remote-only source follows remote postings only.
func (f SourceFilters) Matches(p BoardPosting) bool {
	if f.RemoteOnly && !p.Remote {
		return false
	}
	return anyIn(f.TitleKeywords, p.Title) && anyIn(f.Locations, p.Location) && anyIn(f.Departments, p.Department)
}

func anyIn(needles []string, hay string) bool {
	if len(needles) == 0 {
		return true
	}
	hay = strings.ToLower(hay)
	for _, n := range needles {
		if strings.Contains(hay, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// Bounds of a source's settings.
const (
	MinSyncEvery      = 15 * time.Minute
	MaxSyncEvery      = 7 * 24 * time.Hour
	MaxFilterEntries  = 20
	MaxFilterEntryLen = 100
	MaxSourceName     = 200
)

// normalize trims the filters' entries and checks their bounds, naming
// problems in fields.
func (f *SourceFilters) normalize(fields map[string]string) {
	for name, list := range map[string]*[]string{"filters.title_keywords": &f.TitleKeywords, "filters.locations": &f.Locations, "filters.departments": &f.Departments} {
		out := (*list)[:0]
		for _, e := range *list {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if p := LineProblem(e, MaxFilterEntryLen); p != "" {
				fields[name] = p
			}
			out = append(out, e)
		}
		if len(out) > MaxFilterEntries {
			fields[name] = "must have at most " + itoa(MaxFilterEntries) + " entries"
		}
		*list = out
	}
}

// SourceCreate is the input for following a board: a platform and board
// name, or the URL of the board (ParseBoardURL recognises it).
type SourceCreate struct {
	Platform  Platform
	Board     string
	URL       string
	Name      string
	Filters   SourceFilters
	RunID     *ID
	SyncEvery time.Duration // zero: the configured default
}

// SourceUpdate changes a source's settings; nil fields stay.
type SourceUpdate struct {
	Name      *string
	Filters   *SourceFilters
	RunID     *ID
	ClearRun  bool // stop adding new matches to a run
	SyncEvery *time.Duration
	Status    *SourceStatus // active or paused
}

// Validate returns an EINVALID error naming each bad field.
func (u *SourceUpdate) Validate() error {
	fields := map[string]string{}
	if u.Name != nil {
		*u.Name = strings.TrimSpace(*u.Name)
		if p := LineProblem(*u.Name, MaxSourceName); p != "" {
			fields["name"] = p
		} else if *u.Name == "" {
			fields["name"] = "must not be empty: it is the company name your cover letters and jobs show"
		}
	}
	if u.Filters != nil {
		u.Filters.normalize(fields)
	}
	if u.SyncEvery != nil && (*u.SyncEvery < MinSyncEvery || *u.SyncEvery > MaxSyncEvery) {
		fields["sync_every"] = "must be between " + MinSyncEvery.String() + " and " + MaxSyncEvery.String()
	}
	if u.Status != nil && *u.Status != SourceActive && *u.Status != SourcePaused {
		fields["status"] = "must be active or paused"
	}
	if u.ClearRun && u.RunID != nil {
		fields["run_id"] = "give a run id or null, not both"
	}
	return ValidationError(fields)
}

// Normalize checks the input and completes it: the platform and board from
// the URL when one is given, the sync interval from defaultEvery when none
// is. Errors are EINVALID and name each bad field.
func (in *SourceCreate) Normalize(defaultEvery time.Duration) error {
	fields := map[string]string{}
	in.URL, in.Board, in.Name = strings.TrimSpace(in.URL), strings.TrimSpace(in.Board), strings.TrimSpace(in.Name)
	switch {
	case in.URL != "" && (in.Board != "" || in.Platform != ""):
		fields["url"] = "give the board's URL, or its platform and board name, not both"
	case in.URL != "":
		p, board, err := ParseBoardURL(in.URL)
		if err != nil {
			fields["url"] = ErrorMessage(err)
		}
		in.Platform, in.Board = p, board
	default:
		if err := CheckBoard(in.Platform, in.Board); err != nil {
			if !in.Platform.Valid() {
				fields["platform"] = "must be one of " + platformNames()
			} else {
				fields["board"] = ErrorMessage(err)
			}
		}
	}
	if p := LineProblem(in.Name, MaxSourceName); p != "" {
		fields["name"] = p
	}
	if in.Name == "" && len(fields) == 0 {
		in.Name = ReadableBoard(in.Board)
	}
	in.Filters.normalize(fields)
	if in.SyncEvery == 0 {
		in.SyncEvery = defaultEvery
	}
	if in.SyncEvery < MinSyncEvery || in.SyncEvery > MaxSyncEvery {
		fields["sync_every"] = "must be between " + MinSyncEvery.String() + " and " + MaxSyncEvery.String()
	}
	return ValidationError(fields)
}

func platformNames() string {
	names := make([]string, len(Platforms))
	for i, p := range Platforms {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}
