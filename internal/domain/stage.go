package domain

import (
	"net/url"
	"strings"
)

// Stage is where a job stands for the person: derived from its tasks
// (new, in a run, waiting on you, applied), unless the person set one of
// their own stages by hand (interviewing, offer, rejected, withdrawn),
// which overrides the derived one until they clear it.
type Stage string

// Derived stages.
const (
	StageNew     Stage = "new"     // no task in any run (cancelled ones aside)
	StageInRun   Stage = "in_run"  // a task queued, being prepared or approved
	StageWaiting Stage = "waiting" // a task waits for the person: approval, paused or failed
	StageApplied Stage = "applied" // a task submitting or submitted
)

// The person's own stages.
const (
	StageInterviewing Stage = "interviewing"
	StageOffer        Stage = "offer"
	StageRejected     Stage = "rejected"
	StageWithdrawn    Stage = "withdrawn"
)

// Stages lists every stage in the pipeline's order (the order of sort=stage).
var Stages = []Stage{StageNew, StageInRun, StageWaiting, StageApplied, StageInterviewing, StageOffer, StageRejected, StageWithdrawn}

// PersonStages are the stages a person sets by hand.
var PersonStages = []Stage{StageInterviewing, StageOffer, StageRejected, StageWithdrawn}

// stageWords are the stages as the dashboard says them.
var stageWords = map[Stage]string{
	StageNew: "new", StageInRun: "in a run", StageWaiting: "waiting on you", StageApplied: "applied",
	StageInterviewing: "interviewing", StageOffer: "offer", StageRejected: "rejected", StageWithdrawn: "withdrawn",
}

// Label is the stage in plain words ("waiting on you").
func (s Stage) Label() string { return stageWords[s] }

// Valid reports whether s is a stage.
func (s Stage) Valid() bool { _, ok := stageWords[s]; return ok }

// PersonSet reports whether s is one the person sets by hand.
func (s Stage) PersonSet() bool {
	for _, p := range PersonStages {
		if s == p {
			return true
		}
	}
	return false
}

func stageNames(list []Stage) string {
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// ParsePersonStage reads the stage a person sets: one of PersonStages, or
// "" to clear it (nil). Anything else is EINVALID naming the field and
// the allowed values.
func ParsePersonStage(field, s string) (*Stage, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	st := Stage(s)
	if !st.PersonSet() {
		return nil, ValidationError(map[string]string{field: "must be one of " + stageNames(PersonStages) + ", or empty (null) to go back to the stage applyq derives"})
	}
	return &st, nil
}

// CompanyOrigin says where a job's company name comes from, which decides
// whether it may change: a name the person gave never changes by itself.
type CompanyOrigin string

// Company origins.
const (
	CompanyGiven  CompanyOrigin = "given"  // typed by the person or the API caller
	CompanyBoard  CompanyOrigin = "board"  // the board names its employer
	CompanySource CompanyOrigin = "source" // the display name of the source that synced it
	CompanyLink   CompanyOrigin = "link"   // a pasted board link whose board names no employer
)

// DetailsStatus is how far a pasted board link's details are filled.
type DetailsStatus string

// Details statuses.
const (
	DetailsNone     DetailsStatus = ""         // nothing to fetch, or fetched
	DetailsFetching DetailsStatus = "fetching" // a River job reads the board
	DetailsFailed   DetailsStatus = "failed"   // the board could not tell
)

// Job sorts of the job list.
const (
	JobSortNewest  = "newest"
	JobSortCompany = "company"
	JobSortStage   = "stage"
)

// JobSorts lists the sorts.
var JobSorts = []string{JobSortNewest, JobSortCompany, JobSortStage}

// PostingRef names a posting on its board: what a pasted link of a
// known board says, enough to read the posting from the board.
type PostingRef struct {
	Platform Platform
	Board    string
	// Key is the posting's canonical key: the board's posting whose
	// BoardPostingKey equals it is this one.
	Key string
	// ExternalID is the posting's id as the key holds it (lower case for
	// the boards whose keys fold case: Lever, Ashby, Recruitee); "" when
	// the key cannot give it back. Reading a single posting by it is for
	// the boards whose keys keep the id as it is (Greenhouse).
	ExternalID string
}

// ParsePostingURL recognises the link of one posting on a known job board
// (a Greenhouse, Lever, Ashby, SmartRecruiters, Recruitee, Workable (with
// its account in the path) or Personio posting). ok is false for
// anything else: another site, a board's page without a posting, a
// Workable link without the account.
func ParsePostingURL(raw string) (PostingRef, bool) {
	key, err := CanonicalJobKey(raw)
	if err != nil || strings.HasPrefix(key, "url:") || strings.HasPrefix(key, "source:") {
		return PostingRef{}, false
	}
	p, board, err := ParseBoardURL(raw)
	if err != nil || !strings.HasPrefix(key, string(p)+":") {
		return PostingRef{}, false
	}
	id := key[strings.LastIndexByte(key, ':')+1:]
	if dec, err := url.PathUnescape(id); err == nil {
		id = dec
	}
	if BoardPostingKey(p, board, id) != key {
		// The key's id is normalised (lower case): the board's own id is
		// matched by key when the posting is read.
		id = ""
	}
	return PostingRef{Platform: p, Board: board, Key: key, ExternalID: id}, true
}

// TrackedOnlyKey reports whether a posting with canonical key key can only
// be tracked: it is a link of no job board applyq knows (LinkedIn, Indeed,
// a company's careers page), so no applier can submit it. A posting of a
// known board, or one ingested by source and external id (an integration
// that applies through the webhook), can be added to a run.
func TrackedOnlyKey(key string) bool { return strings.HasPrefix(key, "url:") }
