package domain

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
)

// The answer library holds the user's own answers to application questions,
// keyed by the question's normalised wording (QuestionKey), so an answer
// given once serves every posting that asks the same question. Some
// categories of question are never answered by anything but the user's
// explicit answer to that exact question: applyq does not guess them and
// does not borrow an answer from a similar question (see Sensitive).

// AnswerCategory is what a question is about, as far as filling it goes.
type AnswerCategory string

// Answer categories. All but general are sensitive.
const (
	CategoryGeneral           AnswerCategory = "general"
	CategoryDemographic       AnswerCategory = "demographic"        // EEO: gender, race, veteran, disability…
	CategoryWorkAuthorization AnswerCategory = "work_authorization" // visa, sponsorship, right to work
	CategoryCompensation      AnswerCategory = "compensation"       // expected pay
	CategoryNoticePeriod      AnswerCategory = "notice_period"      // notice period, start date
	CategorySalaryHistory     AnswerCategory = "salary_history"     // current or past pay
	CategoryConsent           AnswerCategory = "consent"            // legal consents and acknowledgements
)

// AnswerCategories lists every category.
var AnswerCategories = []AnswerCategory{CategoryGeneral, CategoryDemographic, CategoryWorkAuthorization,
	CategoryCompensation, CategoryNoticePeriod, CategorySalaryHistory, CategoryConsent}

// Sensitive reports whether questions of c are answered only by the user's
// explicit answer to that very question: never from a similar question,
// never by a default (except the user's own "decline to answer" for
// demographic questions).
func (c AnswerCategory) Sensitive() bool { return c != CategoryGeneral }

// Answer is one entry of a user's answer library.
type Answer struct {
	ID     ID
	UserID ID
	// Key is QuestionKey of the question it answers.
	Key string
	// Label is the question as the user last answered it.
	Label    string
	Category AnswerCategory
	// Value is the answer (a choice's label for a select); Values the
	// choices of a multi-select.
	Value     string
	Values    []string
	UpdatedAt time.Time
	// TaskID is set on an answer for one application only (ScopeApplication):
	// it fills that task's form and never enters the library.
	TaskID *ID
}

// Bounds of answers.
const (
	MaxAnswerChars  = 10000
	MaxAnswerValues = 50
	MaxAnswers      = 2000 // per user
)

// QuestionKey normalises a question's wording into the key its answers are
// filed under: lower case, letters and digits only, words separated by one
// space, without a trailing "(required)" or "*". "Are you legally
// authorised to work in the UK? *" and "are you legally authorised to work
// in the uk" are one key.
func QuestionKey(label string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(label) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	key := strings.TrimSuffix(b.String(), " required")
	if len(key) > 500 {
		key = key[:500]
	}
	return key
}

// categoryRules classify a question by its key, first match wins (salary
// history before compensation: "current salary" is history).
var categoryRules = []struct {
	cat AnswerCategory
	re  *regexp.Regexp
}{
	{CategoryDemographic, regexp.MustCompile(`\b(gender|sex|pronouns?|race|racial|ethnicity|ethnic|hispanic|latino|latina|latinx|veteran|veterans|disability|disabilities|disabled|sexual orientation|lgbt\w*|transgender|date of birth|age range|religion|religious|marital)\b`)},
	{CategoryWorkAuthorization, regexp.MustCompile(`\b(visas?|sponsor\w*|work permit|right to work|(legally )?(authori[sz]ed|eligible|entitled|permitted) to work|work authori[sz]ation|citizenship|citizen|immigration|green card|permanent resident\w*|residency)\b`)},
	{CategorySalaryHistory, regexp.MustCompile(`\b(current|previous|last|past|present) (base )?(salary|compensation|pay|wage|remuneration|package)|salary history|pay history\b`)},
	{CategoryCompensation, regexp.MustCompile(`\b(salary|salaries|compensation|pay expectations?|expected pay|desired pay|remuneration|wage|wages|hourly rate|day rate|daily rate|rate expectations?|ote|equity expectations?)\b`)},
	{CategoryNoticePeriod, regexp.MustCompile(`\b(notice period|(weeks?|months?|days?) notice|notice (do you|will you|must you) (have|give|serve)|start date|earliest (possible )?start|when (can|could) you start|available to start|availability to start|date (you are )?available)\b`)},
	{CategoryConsent, regexp.MustCompile(`\b(consent\w*|privacy (policy|notice)|i agree|agree to|acknowledge\w*|terms and conditions|gdpr|data processing|background checks?|certify|attest)\b`)},
}

// ClassifyQuestion returns the category of q: demographic questions by
// their section, compliance-section questions that match nothing else as
// consents, anything else by its wording — the label's words, then the
// field name's — where a name written as one word (VeteranStatus,
// disability_status) counts as the words inside it.
func ClassifyQuestion(q Question) AnswerCategory {
	if q.Section == SectionDemographic {
		return CategoryDemographic
	}
	for _, text := range []string{q.Label, q.Field} {
		key := QuestionKey(splitName(text))
		for _, r := range categoryRules {
			if r.re.MatchString(key) {
				return r.cat
			}
		}
	}
	if q.Section == SectionCompliance {
		return CategoryConsent
	}
	return CategoryGeneral
}

// splitName writes the words run together in a name apart: a space before
// an upper-case letter that follows a lower-case one or a digit
// (VeteranStatus → Veteran Status), and before one that starts a word
// after an acronym (EEOCVeteran → EEOC Veteran). Underscores and other
// punctuation are word breaks for QuestionKey already.
func splitName(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stopWords do not count when questions are compared.
var stopWords = map[string]bool{"a": true, "an": true, "the": true, "you": true, "your": true, "do": true, "does": true,
	"are": true, "is": true, "of": true, "to": true, "in": true, "for": true, "what": true, "please": true, "have": true,
	"with": true, "on": true, "at": true, "this": true, "we": true, "our": true, "and": true, "or": true, "any": true,
	"if": true, "be": true, "can": true, "would": true, "will": true, "us": true, "about": true, "tell": true}

// SimilarityThreshold is how alike two general questions must be (the
// Jaccard index of their words, stop words left out) for one's answer to
// fill the other.
const SimilarityThreshold = 0.8

func contentWords(key string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(key) {
		if !stopWords[w] {
			out[w] = true
		}
	}
	return out
}

// Similarity is the Jaccard index of two keys' content words (0 when
// either has fewer than two).
func Similarity(a, b string) float64 {
	wa, wb := contentWords(a), contentWords(b)
	if len(wa) < 2 || len(wb) < 2 {
		return 0
	}
	both := 0
	for w := range wa {
		if wb[w] {
			both++
		}
	}
	return float64(both) / float64(len(wa)+len(wb)-both)
}

// Library is a user's answers, for filling forms.
type Library struct {
	byKey   map[string]*Answer
	general []*Answer // for similarity, newest first
}

// NewLibrary indexes answers.
func NewLibrary(answers []*Answer) *Library {
	l := &Library{byKey: make(map[string]*Answer, len(answers))}
	for _, a := range answers {
		l.byKey[a.Key] = a
		if a.Category == CategoryGeneral {
			l.general = append(l.general, a)
		}
	}
	sort.SliceStable(l.general, func(i, j int) bool { return l.general[i].UpdatedAt.After(l.general[j].UpdatedAt) })
	return l
}

// ForTask returns the library as one task's form sees it: the task's own
// answers (for this application only) before the library's, by exact key;
// they never stand in for a similar question. l itself is unchanged.
func (l *Library) ForTask(own []*Answer) *Library {
	if len(own) == 0 {
		return l
	}
	out := &Library{byKey: map[string]*Answer{}}
	if l != nil {
		for k, a := range l.byKey {
			out.byKey[k] = a
		}
		out.general = l.general
	}
	for _, a := range own {
		out.byKey[a.Key] = a
	}
	return out
}

// Exact returns the answer filed under key.
func (l *Library) Exact(key string) *Answer {
	if l == nil {
		return nil
	}
	return l.byKey[key]
}

// Lookup returns the answer for a question of category cat and key: the
// exact one, or — for a general question only — the answer to the most
// similar general question at or above SimilarityThreshold (similar is
// then true). A sensitive question gets its exact answer or nothing.
func (l *Library) Lookup(key string, cat AnswerCategory) (a *Answer, similar bool) {
	if a := l.Exact(key); a != nil {
		return a, false
	}
	if l == nil || cat.Sensitive() {
		return nil, false
	}
	var best *Answer
	bestScore := 0.0
	for _, c := range l.general {
		if s := Similarity(key, c.Key); s >= SimilarityThreshold && s > bestScore {
			best, bestScore = c, s
		}
	}
	return best, best != nil
}

// Where an answer is kept.
const (
	// ScopeLibrary files the answer in the library: every application
	// asking the question gets it.
	ScopeLibrary = "library"
	// ScopeApplication keeps the answer with one task: that application's
	// form gets it, and nothing else ever does.
	ScopeApplication = "application"
)

// QuestionAsker is a task waiting for a question, with its job.
type QuestionAsker struct {
	TaskID  ID     `json:"task_id"`
	RunID   ID     `json:"run_id"`
	JobID   ID     `json:"job_id"`
	Company string `json:"company"`
	Title   string `json:"title"`
	URL     string `json:"url"`
}

// companyWording matches questions about the employer or the role itself,
// whose answer is written for one application: "why do you want to work
// here / at / for us", "why this company", "what interests you about this
// role", "why are you interested in this position", "what excites you
// about joining", "why join". Keys are lower case, words split by spaces.
var companyWording = regexp.MustCompile(`\b(` +
	`why (do|would) you (want|like|wish) to (work|join|apply)` +
	`|why (are|were) you (interested|applying|excited)` +
	`|why (us|here|this (company|role|position|team|job|opportunity)|our (company|team))` +
	`|why (join|work with|work for)` +
	`|(what|which) (interests|interested|excites|attracts|appeals to|draws|drew|motivates|attracted) you (about|to|in)` +
	`|(interest|interested|excited) in (this|our|the) (role|position|company|team|job|opportunity|mission)` +
	`|what do you know about (us|our|the company|this company)` +
	`|cover letter for this` +
	`)\b`)

// CompanySpecific reports whether a question is written for one employer
// or role — "why do you want to work here?", "why Acme?", "what interests
// you about this role?", or one naming one of companies (those asking it)
// — so its answer is kept for that application only by default, not filed
// in the library for every other employer to receive.
func CompanySpecific(label string, companies ...string) bool {
	key := QuestionKey(label)
	if companyWording.MatchString(key) {
		return true
	}
	padded := " " + key + " "
	for _, c := range companies {
		ck := QuestionKey(c)
		ck = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(ck, " inc"), " ltd"), " gmbh"))
		if len(ck) >= 2 && strings.Contains(padded, " "+ck+" ") {
			return true
		}
	}
	return false
}
