package dashboard

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/applyq/applyq/internal/domain"
)

type profilePage struct {
	Profile domain.Profile
	Limit   string
	Errors  map[string]string
	// Notices are the kinds of notice mailed to the user (the
	// Notifications form).
	Notices domain.NotificationPrefs
}

// handleProfile serves GET /profile: the profile and the notifications.
func (d *Dashboard) handleProfile(c echo.Context) error {
	u := userOf(c)
	return d.profilePage(c, http.StatusOK, profilePage{Profile: u.Profile, Limit: strconv.Itoa(u.DailySubmissionLimit)})
}

func (d *Dashboard) profilePage(c echo.Context, status int, p profilePage) error {
	prefs, err := d.db.NotificationPrefs(c.Request().Context(), userOf(c).ID)
	if err != nil {
		return d.renderError(c, err, userOf(c))
	}
	p.Notices = prefs
	return d.page(c, status, "profile.html", "Profile", p)
}

// handleSaveProfile serves POST /profile: the profile form (errors are
// shown next to their field), or the notifications form (section=notifications).
// The form's fields change; the others (links) stay as they are.
func (d *Dashboard) handleSaveProfile(c echo.Context) error {
	if c.FormValue("section") == "notifications" {
		return d.saveNotifications(c)
	}
	u := userOf(c)
	v := func(name string) *string {
		s := strings.TrimSpace(c.FormValue(name))
		return &s
	}
	decline := c.FormValue("decline_demographic") == "on"
	up := domain.ProfileUpdate{Name: v("name"), FirstName: v("first_name"), LastName: v("last_name"), Phone: v("phone"),
		Location: v("location"), LinkedIn: v("linkedin"), GitHub: v("github"), Website: v("website"),
		CurrentCompany: v("current_company"), WorkAuthorization: v("work_authorization"), DeclineDemographic: &decline,
		ResumeURL: v("resume_url")}
	limitText := c.FormValue("daily_submission_limit")
	limit, convErr := strconv.Atoi(limitText)
	if convErr == nil {
		up.DailySubmissionLimit = &limit
	}
	var err error
	if convErr == nil {
		_, err = d.tasks.UpdateProfile(c.Request().Context(), u.ID, up, domain.UserActor(u.ID))
	}
	if convErr == nil && err == nil {
		return back(c, "/profile", "profile_saved")
	}
	if err != nil && domain.ErrorCode(err) != domain.EINVALID {
		return d.renderError(c, err, u)
	}
	// Show what was entered, with the problems next to their fields.
	entered, lim, _ := up.Apply(u)
	if convErr != nil {
		err = entered.Validate(lim) // the other fields' problems too
	}
	errs := map[string]string{}
	if err != nil {
		errs = fieldErrors(err)
	}
	if convErr != nil {
		errs["daily_submission_limit"] = "must be a whole number between 0 and 10000"
	}
	return d.profilePage(c, http.StatusBadRequest, profilePage{Profile: entered, Limit: limitText, Errors: errs})
}

// saveNotifications saves the notifications form: a ticked box mails its
// kind, an unticked one (which a browser does not send) does not.
func (d *Dashboard) saveNotifications(c echo.Context) error {
	ticked := func(name string) *bool {
		on := c.FormValue(name) == "on"
		return &on
	}
	u := domain.NotificationPrefsUpdate{ApprovalWaiting: ticked("approval_waiting"), QuestionsWaiting: ticked("questions_waiting"),
		NeedsYou: ticked("needs_you"), RunCompleted: ticked("run_completed")}
	if _, err := d.opts.Notifications.SetPreferences(c.Request().Context(), userOf(c).ID, u); err != nil {
		return d.renderError(c, err, userOf(c))
	}
	return back(c, "/profile", "profile_saved")
}

type tokensPage struct {
	Tokens []domain.APIToken
	New    string
	Error  string
}

// handleTokens serves GET /tokens.
func (d *Dashboard) handleTokens(c echo.Context) error {
	return d.tokensPage(c, http.StatusOK, tokensPage{})
}

func (d *Dashboard) tokensPage(c echo.Context, status int, p tokensPage) error {
	ts, err := d.db.ListAPITokens(c.Request().Context(), userOf(c).ID)
	if err != nil {
		return d.renderError(c, err, userOf(c))
	}
	p.Tokens = ts
	return d.page(c, status, "tokens.html", "API tokens", p)
}

// handleCreateToken serves POST /tokens (name, scope, expires_in in
// seconds, empty for never): the secret is shown on this page once.
func (d *Dashboard) handleCreateToken(c echo.Context) error {
	in := domain.APITokenCreate{Name: c.FormValue("name"), Scope: domain.TokenScope(c.FormValue("scope"))}
	if s := c.FormValue("expires_in"); s != "" {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			secs = -1 // refused by the validation below, with its message
		}
		in.ExpiresIn = &secs
	}
	raw, hash := domain.NewToken(domain.PrefixAPIToken)
	if _, err := d.accounts.CreateAPIToken(c.Request().Context(), userOf(c).ID, in, hash); err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			return d.tokensPage(c, http.StatusBadRequest, tokensPage{Error: "The token was not created:" + fieldList(err)})
		}
		return d.renderError(c, err, userOf(c))
	}
	return d.tokensPage(c, http.StatusCreated, tokensPage{New: raw})
}

// handleRevokeToken serves POST /tokens/:id/revoke.
func (d *Dashboard) handleRevokeToken(c echo.Context) error {
	id, err := domain.ParseID(c.Param("id"))
	if err == nil {
		err = d.accounts.RevokeAPIToken(c.Request().Context(), userOf(c).ID, id)
	} else {
		err = domain.Errorf(domain.ENOTFOUND, "token not found")
	}
	if err != nil {
		return d.renderError(c, err, userOf(c))
	}
	return back(c, "/tokens", "token_revoked")
}
