// Package dashboard is applyq's server-rendered web interface: Go templates
// embedded in the binary, a little hand-written JavaScript, no Node
// toolchain. It is served by cmd/api next to the JSON API and uses the same
// store, sessions and error codes.
package dashboard

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notifications"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the dashboard.
type Options struct {
	DB *postgres.DB
	// Tasks and Accounts are the application services: every state change
	// goes through them; reads go to the store (DB).
	Tasks    *tasks.Service
	Accounts *accounts.Service
	// Documents keeps users' résumés and cover letters.
	Documents *documents.Service
	// Notifications keeps which notices users get mailed.
	Notifications *notifications.Service
	Log           *zap.Logger
	// PublicBaseURL is the URL users reach the dashboard at: the origin
	// state-changing requests must come from.
	PublicBaseURL string
	SignIn        web.SignIn
	// MailHint, when set, tells the "check your email" page where sign-in
	// links go instead of an inbox (development prints mail in the
	// terminal).
	MailHint string
	// Hub feeds the live-update streams; nil pages refresh on a timer.
	Hub *Hub
	// ApprovalTTL is how long approval requests stay open when a run does
	// not say (approval.ttl); 20 minutes when zero.
	ApprovalTTL time.Duration
	// EventsKeepAlive is how often an idle live-update stream sends a
	// comment, so proxies keep it open; 15s when zero.
	EventsKeepAlive time.Duration
}

// Dashboard serves the web pages.
type Dashboard struct {
	db        *postgres.DB
	tasks     *tasks.Service
	accounts  *accounts.Service
	documents *documents.Service
	log       *zap.Logger
	opts      Options
	origin    string
	pages     map[string]*template.Template
}

// New parses the templates.
func New(opts Options) (*Dashboard, error) {
	d := &Dashboard{db: opts.DB, tasks: opts.Tasks, accounts: opts.Accounts, documents: opts.Documents, log: opts.Log, opts: opts,
		origin: originOf(opts.PublicBaseURL), pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" || n == "templates/partials.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, err
		}
		d.pages[n[len("templates/"):]] = t
	}
	return d, nil
}

// Register mounts the pages on e.
func (d *Dashboard) Register(e *echo.Echo) {
	e.GET("/static/*", handleStatic)
	e.GET("/sign-in", d.handleSignInForm)
	e.POST("/sign-in", d.handleSignIn)
	e.GET("/auth/confirm", d.handleConfirmSignInPage)
	e.POST("/auth/confirm", d.handleConfirmSignIn, d.throttlePublic)
	e.POST("/sign-out", d.handleSignOut)
	e.GET("/approvals/confirm", d.handleApprovalPage, d.throttlePublic)
	e.POST("/approvals/confirm", d.handleApprovalDecision, d.throttlePublic)

	// Signed-in pages. requireUser goes on each route, not on a group: a
	// group's middleware also runs for every unknown path (redirecting
	// visitors to sign-in), and an unknown path must answer 404.
	u := d.requireUser
	e.GET("/", d.handleRuns, u)
	e.GET("/runs", d.handleRuns, u)
	e.POST("/runs", d.handleCreateRun, u)
	e.POST("/runs/:id/:action", d.handleRunAction, u)
	e.GET("/jobs", d.handleJobs, u)
	e.POST("/jobs", d.handlePasteJobs, u)
	e.POST("/jobs/add", d.handleAddJobs, u)
	e.POST("/jobs/:id/stage", d.handleJobStage, u)
	e.GET("/documents", d.handleDocuments, u)
	e.POST("/documents", d.handleUploadDocument, u)
	e.POST("/documents/:id/:action", d.handleDocumentAction, u)
	e.GET("/sources", d.handleSources, u)
	e.POST("/sources", d.handleCreateSource, u)
	e.POST("/sources/:id/:action", d.handleSourceAction, u)
	e.GET("/queue/:state", d.handleQueue, u)
	e.GET("/queue/:state/bulk", d.handleBulkConfirm, u)
	e.POST("/queue/:state/bulk", d.handleBulk, u)
	e.GET("/tasks/:id", d.handleTask, u)
	e.GET("/tasks/:id/evidence/:evidence", d.handleEvidence, u)
	e.POST("/tasks/:id/code", d.handleGiveCode, u)
	e.GET("/tasks/:id/resume", d.handleResumeConfirm, u)
	e.POST("/tasks/:id/:action", d.handleTaskAction, u)
	e.GET("/approvals", d.handleInbox, u)
	e.GET("/approvals/:id", d.handleReview, u)
	e.POST("/approvals/:id/decide", d.handleReviewDecision, u)
	e.POST("/approvals/:id/:decision", d.handleInboxDecision, u)
	e.GET("/questions", d.handleQuestions, u)
	e.POST("/questions", d.handleAnswer, u)
	e.POST("/answers/:id/delete", d.handleDeleteAnswer, u)
	e.POST("/answers/:id/edit", d.handleEditAnswer, u)
	e.GET("/profile", d.handleProfile, u)
	e.POST("/profile", d.handleSaveProfile, u)
	e.GET("/tokens", d.handleTokens, u)
	e.POST("/tokens", d.handleCreateToken, u)
	e.POST("/tokens/:id/revoke", d.handleRevokeToken, u)
	e.GET("/events", d.handleEvents, u)
}

const ctxUser = "dashboard.user"

// requireUser sends visitors who are not signed in to the sign-in page, and
// refuses cross-site form posts.
func (d *Dashboard) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := d.currentUser(c)
		if u == nil {
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/sign-in")
			}
			return d.renderError(c, domain.Errorf(domain.EUNAUTHORIZED, "sign in first"), nil)
		}
		if !web.SafeMethod(c.Request().Method) {
			if err := d.sameOrigin(c); err != nil {
				return d.renderError(c, err, u)
			}
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

func userOf(c echo.Context) *domain.User { return c.Get(ctxUser).(*domain.User) }

// nav is what the navigation shows: counts per queue view and pending approvals.
type nav struct {
	Counts    map[domain.State]int
	States    []domain.State
	Approvals int
	// Codes counts the forms waiting for a security code from the user.
	Codes int
	RunID string
	// Operator (the admin role) also gets the operators' links (River UI).
	Operator bool
}

func (d *Dashboard) nav(c echo.Context, u *domain.User) (*nav, error) {
	counts, err := d.db.UserStateCounts(c.Request().Context(), u.ID, nil)
	if err != nil {
		return nil, err
	}
	n := &nav{Counts: counts, States: domain.AllStates, Approvals: counts[domain.StateAwaitingApproval], RunID: c.QueryParam("run_id"),
		Operator: u.Role == domain.RoleAdmin}
	if counts[domain.StateSubmitting] > 0 { // only a task in submitting can wait for a code
		waits, err := d.db.CodeOpenForUser(c.Request().Context(), u.ID, maxListedCodes)
		if err != nil {
			return nil, err
		}
		for _, w := range waits {
			if w.TakenAt == nil {
				n.Codes++
			}
		}
	}
	return n, nil
}

// page renders a signed-in page with its navigation.
func (d *Dashboard) page(c echo.Context, status int, name, title string, data any) error {
	u := userOf(c)
	n, err := d.nav(c, u)
	if err != nil {
		return d.renderError(c, err, u)
	}
	return d.render(c, status, name, view{Title: title, User: u, Nav: n, Flash: flashText(c.QueryParam("msg")), Data: data})
}

// back redirects after a successful form post to the local path to, with
// the flash message code (post/redirect/get); nums fill its %d verbs.
func back(c echo.Context, to, code string, nums ...int) error {
	msg := code
	for _, n := range nums {
		msg += "." + strconv.Itoa(n)
	}
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return c.Redirect(http.StatusSeeOther, to+sep+"msg="+url.QueryEscape(msg))
}

// flashes are the only texts ?msg= can show: a link cannot make a page say
// anything else. Numbers travel after the code (msg=tasks_changed.3) and
// fill the %d verbs; an unknown code, or numbers that do not fit, show
// nothing.
var flashes = map[string]string{
	"run_created":       "Run created.",
	"run_paused":        "Run paused: workers start none of its tasks until you resume it.",
	"run_resumed":       "Run resumed.",
	"run_cancelled":     "Run cancelled with %d task(s).",
	"tasks_queued":      "%d task(s) queued.",
	"tasks_not_all":     "%d task(s) queued; %d not queued (already in the run or already applied to).",
	"tasks_changed":     "%d task(s) changed.",
	"task_resumed":      "Task resumed: it goes ahead of the queue.",
	"task_cancelled":    "Task cancelled.",
	"task_applied":      "Marked as applied by hand: applyq will not apply to this job again.",
	"task_approved":     "Application approved.",
	"task_rejected":     "Application rejected.",
	"code_sent":         "Code sent — applyq is finishing the application.",
	"approved":          "Approved: applyq submits it now.",
	"rejected":          "Rejected: nothing will be sent.",
	"profile_saved":     "Profile saved.",
	"token_revoked":     "Token revoked.",
	"source_added":      "Source added: its board is being read now.",
	"source_paused":     "Source paused: its board is not read until you resume it.",
	"source_resumed":    "Source resumed: its board is read again shortly.",
	"sync_queued":       "Sync queued: the board is read now.",
	"source_deleted":    "Source deleted: its postings stay in your job list.",
	"source_renamed":    "Source renamed: its jobs and cover letters show the new name.",
	"job_stage_set":     "Stage saved.",
	"job_stage_cleared": "Stage cleared: applyq shows where the job stands again.",
	"document_uploaded": "Document uploaded.",
	"document_default":  "Default changed: applications prepared from now on carry this document.",
	"document_deleted":  "Document deleted.",
	"answer_saved":      "Answer saved: %d application(s) queued again, %d still waiting for other answers.",
	"answer_deleted":    "Answer deleted: forms that need it will ask again.",
	"answer_edited":     "Answer changed: applications prepared from now on get the new one.",
}

func flashText(msg string) string {
	code, rest, hasNums := strings.Cut(msg, ".")
	text, ok := flashes[code]
	if !ok {
		return ""
	}
	var nums []any
	if hasNums {
		for _, part := range strings.Split(rest, ".") {
			if part == "" || len(part) > 9 || strings.Trim(part, "0123456789") != "" {
				return ""
			}
			n, _ := strconv.Atoi(part)
			nums = append(nums, n)
		}
	}
	if strings.Count(text, "%d") != len(nums) {
		return ""
	}
	return fmt.Sprintf(text, nums...)
}

// localPath returns to when it is a path on this site (for a redirect),
// else "". It refuses anything a browser could read as another host:
// "//host", "/\\host", backslashes anywhere, a scheme, control characters.
func localPath(to string) string {
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsRune(to, '\\') {
		return ""
	}
	for _, r := range to {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	q := u.Query()
	q.Del("msg") // back adds the new one
	u.RawQuery, u.Fragment = q.Encode(), ""
	return u.String()
}

// handleStatic serves GET /static/*: the embedded files, never a directory
// listing.
func handleStatic(c echo.Context) error {
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return err
	}
	name := c.Param("*")
	if fi, err := fs.Stat(static, name); err != nil || fi.IsDir() {
		return echo.ErrNotFound
	}
	http.ServeFileFS(c.Response(), c.Request(), static, name)
	return nil
}

// view is what every page template gets.
type view struct {
	Title string
	User  *domain.User
	Nav   *nav
	Flash string
	Error string
	Data  any
	// Live: the page re-fetches itself on changes (a GET's page; the
	// answer to a form post is not at its URL: re-fetching would lose it).
	Live bool
}

func (d *Dashboard) render(c echo.Context, status int, page string, v view) error {
	t, ok := d.pages[page]
	if !ok {
		return errors.New("dashboard: no template " + page)
	}
	v.Live = v.User != nil && c.Request().Method == http.MethodGet
	if p, ok := v.Data.(interface{ NotLive() bool }); ok && p.NotLive() {
		v.Live = false
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// renderError shows an error page in words, with the status of its code.
func (d *Dashboard) renderError(c echo.Context, err error, user *domain.User) error {
	code := domain.ErrorCode(err)
	status := web.Status(code)
	if status == http.StatusInternalServerError {
		d.log.Error("internal error", zap.Error(err), zap.String("path", c.Path()))
	}
	if secs, ok := web.RetryAfter(err); ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	}
	return d.render(c, status, "error.html", view{Title: http.StatusText(status), User: user, Error: domain.ErrorMessage(err)})
}

// ErrorPage writes err as the error page, with the status of its code:
// the server's error handler calls it for a browser's request outside the
// JSON API (an unknown path, an operator's page refused) — logged there,
// not here.
func (d *Dashboard) ErrorPage(c echo.Context, err error) error {
	status := web.Status(domain.ErrorCode(err))
	if secs, ok := web.RetryAfter(err); ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	}
	msg := domain.ErrorMessage(err)
	switch {
	case status == http.StatusNotFound && msg == http.StatusText(status):
		msg = "There is no page at this address: check the link, or go back to applyq."
	case status == http.StatusMethodNotAllowed:
		msg = "This address does not take that kind of request: go back to applyq and use its buttons and links."
	case status == http.StatusUnauthorized:
		msg = "Sign in first: this page is for signed-in people."
	}
	if r, n := utf8.DecodeRuneInString(msg); n > 0 {
		msg = string(unicode.ToUpper(r)) + msg[n:]
	}
	// The request's own context may be over (the request timeout ends
	// with the handler): the header's user is read within a bound of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 2*time.Second)
	defer cancel()
	c.SetRequest(c.Request().WithContext(ctx))
	return d.render(c, status, "error.html", view{Title: http.StatusText(status), User: d.currentUser(c), Error: msg})
}

// throttlePublic counts a page that needs no sign-in and uses a link's
// token (confirming a sign-in, an approval link's page and decision)
// against its client IP's limit (auth.public_ip_limit): beyond it, the
// error page with 429 and Retry-After.
func (d *Dashboard) throttlePublic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := d.accounts.Throttle(c.Request().Context(), d.opts.SignIn.Limits.Public(c.RealIP()), domain.PublicLimitSetting); err != nil {
			return d.renderError(c, err, nil)
		}
		return next(c)
	}
}

// currentUser returns the signed-in user, or nil.
func (d *Dashboard) currentUser(c echo.Context) *domain.User {
	raw, fromCookie := web.Credential(c.Request())
	if !fromCookie || domain.ParseToken(domain.PrefixSession, raw) != nil {
		return nil
	}
	u, err := d.db.Authenticate(c.Request().Context(), domain.HashToken(raw), d.opts.SignIn.SessionIdleTimeout)
	if err != nil {
		return nil
	}
	return u
}

// sameOrigin guards every form POST (login CSRF included).
func (d *Dashboard) sameOrigin(c echo.Context) error {
	return web.CheckSameOrigin(c.Request(), d.origin)
}

func originOf(base string) string {
	for i := len("https://"); i < len(base); i++ {
		if base[i] == '/' {
			return base[:i]
		}
	}
	return base
}

var funcs = template.FuncMap{
	"since": func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
	"until": until,
	"ts":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	// Plain words (words.go).
	"actor":           actorText,
	"reasonText":      reasonText,
	"reasonHasDetail": reasonHasDetail,
	"day":             day,
	"ago":             ago,
	// The security code box.
	"clock":        func(t time.Time) string { return t.UTC().Format("15:04 UTC") },
	"maskEmail":    domain.MaskEmail,
	"platformName": domain.PlatformName,
	"maxCodeTries": func() int { return domain.MaxCodeTries },
	"bytes":        domain.FormatBytes,
	"add":          func(a, b int) int { return a + b },
	"count":        func(m map[domain.State]int, s string) int { return m[domain.State(s)] },
	"total": func(m map[domain.State]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	},
	"errmsg": func(err error) string { return domain.ErrorMessage(err) + fieldList(err) },
	"field": func(name, label, value string, errs map[string]string, typ string) formField {
		return formField{Name: name, Label: label, Value: value, Error: errs[name], Type: typ}
	},
	// helpField is a field that says what it is for. A web address is a
	// text input (inputmode url): a browser's url type would refuse
	// "linkedin.com/in/ada", which applyq completes with https://.
	"helpField": func(name, label, value string, errs map[string]string, typ, help string) formField {
		f := formField{Name: name, Label: label, Value: value, Error: errs[name], Type: typ, Help: help}
		if typ == "url" {
			f.Type, f.Mode = "text", "url"
		}
		return f
	},
	// interval writes a sync interval for people: 6 h, 1 h 30 min, 45 min.
	"interval": func(d time.Duration) string {
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		switch {
		case h > 0 && m > 0:
			return fmt.Sprintf("%d h %d min", h, m)
		case h > 0:
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d min", m)
	},
	"label": func(s domain.State) string { return strings.ReplaceAll(string(s), "_", " ") },
	// The application review (packet.go).
	"packetView": func(p domain.Packet, editable bool, errs map[string]string) packetView {
		return packetView{Packet: p, Editable: editable, Errors: errs}
	},
	"fieldName":   fieldName,
	"sourceText":  sourceText,
	"applierText": applierText,
	"editable":    editable,
	"multiline":   multiline,
	"letterPlace": letterPlace,
	"chosen":      func(values []string, v string) bool { return slices.Contains(values, v) },
	"words":       func(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "_", " ") },
	"hasPrefix":   strings.HasPrefix,
	"trimPrefix":  strings.TrimPrefix,
	"actions": func(s domain.State) []string {
		var out []string
		if domain.CanTransition(s, domain.StateQueued) && (s == domain.StatePaused || s == domain.StateFailed) {
			out = append(out, "resume")
		}
		if s == domain.StateAwaitingApproval {
			out = append(out, "approve", "reject")
		}
		if domain.CanTransition(s, domain.StateCancelled) {
			out = append(out, "cancel")
		}
		return out
	},
}

// formField is one labelled input with its error.
type formField struct {
	Name, Label, Value, Error, Type string
	// Help says what the field is for; Mode is the input's inputmode.
	Help, Mode string
}

func fieldList(err error) string {
	out := ""
	for k, v := range fieldErrors(err) {
		if k != "_" {
			out += " " + k + " " + v + "."
		}
	}
	return out
}
