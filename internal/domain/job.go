package domain

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// JobPosting is a posting owned by one user. Two postings of one user with the
// same canonical key are the same job.
type JobPosting struct {
	ID           ID
	UserID       ID
	Source       string
	ExternalID   string
	URL          string
	CanonicalKey string
	Company      string
	Title        string
	Location     string
	Description  string
	Raw          map[string]any
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// HasBeenAppliedTo is true when the user has a task for this job in
	// submitting or submitted, in any run.
	HasBeenAppliedTo bool

	// From a followed job board (zero for a pasted or uploaded posting).
	SourceID          *ID
	Platform          Platform
	PlatformPostingID string
	Department        string
	Remote            bool
	ApplyURL          string
	Compensation      string
	EmploymentType    string
	// Questions is the application form as the board publishes it; nil
	// when it does not.
	Questions []Question
	// Form is the hosted form as the browser last read it (form
	// discovery), nil when it was never read; FormQuestions merges it with
	// Questions.
	Form           *DiscoveredForm
	BoardUpdatedAt *time.Time
	// ClosedAt is when its board stopped listing it: it is never applied
	// to after that.
	ClosedAt *time.Time

	// The tracker: CompanyOrigin says where Company comes from; Stage is
	// where the job stands (PersonStage when the person set one, else
	// derived from its tasks); TrackedOnly jobs are kept to track, never
	// applied to; Details is how far a pasted board link's details are
	// read from its board.
	CompanyOrigin CompanyOrigin
	Stage         Stage
	PersonStage   *Stage
	PersonStageAt *time.Time
	TrackedOnly   bool
	Details       DetailsStatus
}

// OwnStage is the stage the person set ("" when none).
func (j *JobPosting) OwnStage() Stage {
	if j.PersonStage == nil {
		return ""
	}
	return *j.PersonStage
}

// JobInput is one posting as ingested.
type JobInput struct {
	Source      string         `json:"source"`
	ExternalID  string         `json:"external_id"`
	URL         string         `json:"url"`
	Company     string         `json:"company"`
	Title       string         `json:"title"`
	Location    string         `json:"location"`
	Description string         `json:"description"`
	Raw         map[string]any `json:"raw,omitempty"`
}

// Normalize validates the input and computes its canonical key. Errors are
// EINVALID and name each bad field.
func (in *JobInput) Normalize() (key string, err error) {
	fields := map[string]string{}
	in.Source = strings.TrimSpace(in.Source)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	in.URL = strings.TrimSpace(in.URL)
	in.Company = strings.TrimSpace(in.Company)
	in.Title = strings.TrimSpace(in.Title)
	in.Location = strings.TrimSpace(in.Location)
	check := func(name, problem string) {
		if problem != "" {
			fields[name] = problem
		}
	}
	for _, f := range in.TextFields() {
		if f.Multiline {
			check(f.Name, TextProblem(f.Value, f.Max))
		} else {
			check(f.Name, LineProblem(f.Value, f.Max))
		}
	}
	if path, problem, ok := NULProblem(in.Raw); !ok {
		check(joinPath("raw", path), problem)
	}
	switch {
	case in.URL != "":
		if _, ok := fields["url"]; !ok {
			key, err = CanonicalJobKey(in.URL)
			if err != nil {
				fields["url"] = ErrorMessage(err)
			}
		}
	case in.Source != "" && in.ExternalID != "":
		key = "source:" + strings.ToLower(in.Source) + ":" + in.ExternalID
	default:
		fields["url"] = "is required (or give both source and external_id)"
	}
	if in.Source == "" && in.URL != "" {
		in.Source = sourceFromKey(key)
	}
	if err := ValidationError(fields); err != nil {
		return "", err
	}
	return key, nil
}

// TextField is one text field of an input, with its limit in characters.
type TextField struct {
	Name      string
	Value     string
	Max       int
	Multiline bool
}

// TextFields lists the posting's text fields in column order, for
// validation and for naming the field of a bad CSV cell.
func (in *JobInput) TextFields() []TextField {
	return []TextField{
		{Name: "url", Value: in.URL, Max: 2048},
		{Name: "company", Value: in.Company, Max: 300},
		{Name: "title", Value: in.Title, Max: 300},
		{Name: "location", Value: in.Location, Max: 300},
		{Name: "source", Value: in.Source, Max: 100},
		{Name: "external_id", Value: in.ExternalID, Max: 200},
		{Name: "description", Value: in.Description, Max: 100_000, Multiline: true},
	}
}

func sourceFromKey(key string) string {
	if i := strings.IndexByte(key, ':'); i > 0 && key[:i] != "url" {
		return key[:i]
	}
	return "web"
}

// trackingParams are query parameters that identify a click, not a job.
var trackingParams = map[string]bool{
	"gclid": true, "fbclid": true, "msclkid": true, "dclid": true, "yclid": true,
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true, "igshid": true,
	"ref": true, "referrer": true, "src": true, "trk": true, "trackingid": true,
	"refid": true, "gh_src": true, "lever-source": true, "lever-origin": true,
}

// CanonicalJobKey reduces a posting URL to a key that is equal for every URL of
// the same job: scheme and host case, default ports, "www.", fragments,
// tracking parameters, parameter order and trailing slashes do not matter, and
// the known ATS URL shapes (Greenhouse, Lever, Ashby, SmartRecruiters,
// Recruitee, Personio) reduce to "ats:board:id", Workable's to
// "workable:shortcode", whatever page of the posting the link points at
// (BoardPostingKey gives the same key from a board's listing).
func CanonicalJobKey(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return "", Errorf(EINVALID, "%q is not an http(s) URL", truncate(raw, 100))
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimPrefix(host, "www.")
	port := u.Port()
	segs := pathSegments(u.EscapedPath())
	q := u.Query()
	if key := atsKey(host, segs, q); key != "" {
		return key, nil
	}
	if port == "80" || port == "443" {
		port = ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("url:")
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	for _, s := range segs {
		b.WriteString("/" + s)
	}
	for i, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for j, v := range vals {
			if i == 0 && j == 0 {
				b.WriteByte('?')
			} else {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String(), nil
}

func pathSegments(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func atsKey(host string, segs []string, q url.Values) string {
	switch {
	case host == "boards.greenhouse.io" || host == "job-boards.greenhouse.io" || host == "boards.eu.greenhouse.io" || host == "job-boards.eu.greenhouse.io":
		// /{board}/jobs/{id} or /embed/job_app?for={board}&token={id}
		if len(segs) >= 3 && segs[1] == "jobs" {
			return "greenhouse:" + strings.ToLower(segs[0]) + ":" + segs[2]
		}
		if len(segs) >= 2 && segs[0] == "embed" && q.Get("for") != "" && q.Get("token") != "" {
			return "greenhouse:" + strings.ToLower(q.Get("for")) + ":" + q.Get("token")
		}
	case host == "jobs.lever.co" || host == "jobs.eu.lever.co":
		// /{board}/{id}[/apply]
		if len(segs) >= 2 {
			return "lever:" + strings.ToLower(segs[0]) + ":" + strings.ToLower(segs[1])
		}
	case host == "jobs.ashbyhq.com":
		// /{board}/{id}[/application]
		if len(segs) >= 2 {
			return "ashby:" + strings.ToLower(segs[0]) + ":" + strings.ToLower(segs[1])
		}
	default:
		return moreATSKey(host, segs)
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// IngestOutcome says what happened to one ingested posting.
type IngestOutcome struct {
	Index  int         `json:"index"`
	Status string      `json:"status"` // created, already_known or rejected
	Job    *JobPosting `json:"-"`
	Error  error       `json:"-"`
}

// Ingest outcome statuses.
const (
	IngestCreated      = "created"
	IngestAlreadyKnown = "already_known"
	IngestRejected     = "rejected"
)
