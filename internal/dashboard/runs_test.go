package dashboard_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/web"
)

// The run form refuses a template that is not substitution only, saying
// where, and saves one that is.
func TestRunForm_TemplateRefusedWithPosition(t *testing.T) {
	t.Parallel()
	db := pgtest.MustDB(t)
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	svcs, err := app.NewServices(db.Pool, cfg, log, nil, app.Deps{})
	require.NoError(t, err)
	pageOpts := app.DashboardOptions(cfg, svcs)
	pageOpts.Log = log
	pages, err := dashboard.New(pageOpts)
	require.NoError(t, err)
	e := echo.New()
	pages.Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	session := pgtest.MustSession(t, db, "u-"+domain.NewID().String()[24:]+"@example.test")

	post := func(tmpl string) (int, string) {
		form := url.Values{"name": {"Backend roles"}, "cover_letter_template": {tmpl}}
		r, err := http.NewRequest(http.MethodPost, srv.URL+"/runs", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Cookie", web.SessionCookie+"="+session)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(r)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, html.UnescapeString(string(body))
	}

	code, page := post("Dear {{.company}},\n{{range 350000000}}{{end}}")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, page, `line 2, column 1: found "{{range 350000000}}"`)
	code, page = post("Dear {{ .hiring_manager }}")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, page, `line 1, column 6: unknown variable "hiring_manager"`)
	require.Equal(t, 0, pgtest.MustCount(t, db, "SELECT count(*) FROM application_runs"))

	code, _ = post("Dear {{ .company }}")
	require.Equal(t, http.StatusSeeOther, code)
	require.Equal(t, 1, pgtest.MustCount(t, db, "SELECT count(*) FROM application_runs"))
}
