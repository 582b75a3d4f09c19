package dashboard_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// ticked returns which notification checkboxes a profile page has ticked.
func ticked(t *testing.T, page string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	_, page, _ = strings.Cut(page, `id="notifications"`) // the notifications form
	re := regexp.MustCompile(`<input type="checkbox" name="([a-z_]+)" value="on" (checked)?>`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2] == "checked"
	}
	require.Len(t, out, 4, "four kinds of notice")
	return out
}

// TestProfile_Notifications: the profile page's Notifications form shows
// every kind ticked until the user unticks some; saving it stores exactly
// the ticked kinds for that user alone, and the profile form leaves them.
func TestProfile_Notifications(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ada, session := b.user(t)
	bob, _ := b.user(t)
	ctx := context.Background()

	res, page := b.get(t, "/profile", session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, `<h2 id="notifications">Notifications</h2>`)
	require.Equal(t, map[string]bool{"approval_waiting": true, "questions_waiting": true, "needs_you": true, "run_completed": true}, ticked(t, page))

	res, _ = b.post(t, "/profile", url.Values{"section": {"notifications"}, "approval_waiting": {"on"}, "needs_you": {"on"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/profile?msg=profile_saved", res.Header.Get("Location"))
	want := domain.NotificationPrefs{ApprovalWaiting: true, NeedsYou: true}
	got, err := b.db.NotificationPrefs(ctx, ada.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, page = b.get(t, "/profile", session)
	require.Equal(t, map[string]bool{"approval_waiting": true, "questions_waiting": false, "needs_you": true, "run_completed": false}, ticked(t, page))
	other, err := b.db.NotificationPrefs(ctx, bob.ID)
	require.NoError(t, err)
	require.Equal(t, domain.DefaultNotificationPrefs(), other, "another user's preferences are untouched")

	// The profile form (valid or not) leaves the notifications as they are.
	res, page = b.post(t, "/profile", url.Values{"name": {"Ada"}, "daily_submission_limit": {"many"}}, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Equal(t, map[string]bool{"approval_waiting": true, "questions_waiting": false, "needs_you": true, "run_completed": false}, ticked(t, page))
	res, _ = b.post(t, "/profile", url.Values{"name": {"Ada"}, "daily_submission_limit": {"10"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	got, err = b.db.NotificationPrefs(ctx, ada.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

// The profile form saves what forms are filled with: names, links,
// current company, the work-authorisation note and the decline choice; a
// bad link is refused next to its field.
func TestProfile_FormFields(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	form := url.Values{"name": {"Ada Lovelace"}, "first_name": {"Ada"}, "last_name": {"Lovelace"}, "phone": {"+44 20 7946 0000"},
		"location": {"London"}, "linkedin": {"https://linkedin.com/in/ada"}, "github": {"https://github.com/ada"}, "website": {""},
		"current_company": {"Analytical Engines"}, "work_authorization": {"UK citizen"}, "decline_demographic": {"on"},
		"resume_url": {""}, "daily_submission_limit": {"25"}}
	res, body := b.post(t, "/profile", form, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	u, err := b.db.GetUser(context.Background(), user.ID)
	require.NoError(t, err)
	require.Equal(t, domain.Profile{Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace", Phone: "+44 20 7946 0000", Location: "London",
		LinkedIn: "https://linkedin.com/in/ada", GitHub: "https://github.com/ada", CurrentCompany: "Analytical Engines",
		WorkAuthorization: "UK citizen", DeclineDemographic: true}, u.Profile)
	require.Equal(t, 25, u.DailySubmissionLimit)

	form.Set("github", "not a url")
	res, body = b.post(t, "/profile", form, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, `id="f-github-error"`)
	require.Contains(t, body, `value="not a url"`, "what was entered is shown again")
}

// TestProfile_WebAddressesAndHelp: the profile says what each field is
// for; web addresses typed without a scheme (linkedin.com/in/…) are saved
// with https://, in inputs a browser does not refuse them from; what is
// still not an address is refused next to its field, as entered.
func TestProfile_WebAddressesAndHelp(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	_, page := b.get(t, "/profile", session)
	for _, want := range []string{
		`<p id="f-daily_submission_limit-help" class="help field-help">Daily submission limit — the most applications applyq sends for you in a day`,
		`<p id="f-resume_url-help" class="help field-help">Résumé URL — a web address where your résumé can be read`,
		`<input id="f-linkedin" name="linkedin" type="text" inputmode="url" autocapitalize="off" spellcheck="false" value="" aria-describedby="f-linkedin-help">`,
	} {
		require.Contains(t, html.UnescapeString(page), want)
	}
	require.NotContains(t, page, `type="url"`, "a browser's url input refuses an address without a scheme")

	form := url.Values{"name": {"Ada Lovelace"}, "linkedin": {"linkedin.com/in/ada"}, "github": {"github.com/ada"}, "website": {"www.ada.dev"},
		"resume_url": {"ada.dev/cv.pdf"}, "daily_submission_limit": {"10"}}
	res, body := b.post(t, "/profile", form, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	u, err := b.db.GetUser(context.Background(), user.ID)
	require.NoError(t, err)
	require.Equal(t, "https://linkedin.com/in/ada", u.Profile.LinkedIn)
	require.Equal(t, "https://github.com/ada", u.Profile.GitHub)
	require.Equal(t, "https://www.ada.dev", u.Profile.Website)
	require.Equal(t, "https://ada.dev/cv.pdf", u.Profile.ResumeURL)

	form.Set("website", "javascript:alert(1)")
	res, body = b.post(t, "/profile", form, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	body = html.UnescapeString(body)
	require.Contains(t, body, `<p id="f-website-error" class="field-error">Website must be an http(s) URL (at most 2048 characters).</p>`)
	require.Contains(t, body, `aria-invalid="true" aria-describedby="f-website-help f-website-error"`)
	require.Contains(t, body, `value="javascript:alert(1)"`, "what was entered is shown again")
}
