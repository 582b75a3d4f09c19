// Package dashboard is applyq's server-rendered web interface: Go templates
// embedded in the binary, a little hand-written JavaScript, no Node
// toolchain. It is served by cmd/api next to the JSON API and uses the same
// store, sessions and error codes.
package dashboard

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the dashboard.
type Options struct {
	DB            *postgres.DB
	Log           *zap.Logger
	PublicBaseURL string
	Auth          config.AuthConfig
	Now           func() time.Time
}

// Dashboard serves the web pages.
type Dashboard struct {
	db     *postgres.DB
	log    *zap.Logger
	opts   Options
	origin string
	pages  map[string]*template.Template
}

// New parses the templates.
func New(opts Options) (*Dashboard, error) {
	d := &Dashboard{db: opts.DB, log: opts.Log, opts: opts, origin: originOf(opts.PublicBaseURL), pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		d.pages[n[len("templates/"):]] = t
	}
	return d, nil
}

// Register mounts the pages on e.
func (d *Dashboard) Register(e *echo.Echo) {
	static, _ := fs.Sub(staticFS, "static")
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(static)))))
	e.GET("/", d.handleHome)
	e.GET("/sign-in", d.handleSignInForm)
	e.POST("/sign-in", d.handleSignIn)
	e.GET("/auth/confirm", d.handleConfirmSignInPage)
	e.POST("/auth/confirm", d.handleConfirmSignIn)
	e.POST("/sign-out", d.handleSignOut)
	e.GET("/approvals/confirm", d.handleApprovalPage)
	e.POST("/approvals/confirm", d.handleApprovalDecision)
}

// view is what every page template gets.
type view struct {
	Title string
	User  *domain.User
	Flash string
	Error string
	Data  any
}

func (d *Dashboard) render(c echo.Context, status int, page string, v view) error {
	t, ok := d.pages[page]
	if !ok {
		return errors.New("dashboard: no template " + page)
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
	return d.render(c, status, "error.html", view{Title: http.StatusText(status), User: user, Error: domain.ErrorMessage(err)})
}

// currentUser returns the signed-in user, or nil.
func (d *Dashboard) currentUser(c echo.Context) *domain.User {
	raw, fromCookie := web.Credential(c.Request())
	if !fromCookie || domain.ParseToken(domain.PrefixSession, raw) != nil {
		return nil
	}
	u, err := d.db.Authenticate(c.Request().Context(), domain.HashToken(raw), d.opts.Auth.SessionIdleTimeout)
	if err != nil {
		return nil
	}
	return u
}

// sameOrigin guards every form POST (login CSRF included).
func (d *Dashboard) sameOrigin(c echo.Context) error {
	return web.CheckSameOrigin(c.Request(), d.origin)
}

func (d *Dashboard) now() time.Time {
	if d.opts.Now != nil {
		return d.opts.Now()
	}
	return time.Now()
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
	"until": func(t time.Time) string {
		d := time.Until(t).Round(time.Second)
		if d < 0 {
			return "expired"
		}
		return d.String()
	},
	"ts": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}
