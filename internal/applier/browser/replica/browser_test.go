package replica

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/proctest"
)

// TestBrowserSmoke loads each platform's form in headless Chromium: an
// empty submit shows role="alert" messages and sends nothing; a filled
// submit (through the steps of the multi-step variant too) is recorded
// once and accepted, and the confirmation shows.
func TestBrowserSmoke(t *testing.T) {
	chromiumPath := proctest.Chromium(t)
	t.Parallel()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	require.NoError(t, chromedp.Do(browserCtx, chromedp.Navigate("about:blank")))

	resume := filepath.Join(t.TempDir(), "resume.pdf")
	resumeBytes := []byte("%PDF-1.4 smoke test resume")
	require.NoError(t, os.WriteFile(resume, resumeBytes, 0o600))

	job := Job{Board: "acme", ID: "4012345", Title: "Backend Engineer", Questions: []Question{
		{ID: "11", Label: "Why do you want to work here?", Kind: KindTextarea, Required: true},
		{ID: "12", Label: "Are you authorised to work in the UK?", Kind: KindBoolean, Required: true},
	}}

	for _, tc := range []struct {
		p     domain.Platform
		multi bool
	}{
		{domain.PlatformGreenhouse, false}, {domain.PlatformLever, false}, {domain.PlatformAshby, false},
		{domain.PlatformGreenhouse, true}, {domain.PlatformAshby, true},
	} {
		name := string(tc.p)
		if tc.multi {
			name += "/multistep"
		}
		t.Run(name, func(t *testing.T) {
			s := New(tc.p, job, Variant{MultiStep: tc.multi})
			defer s.Close()
			ctx, cancel := chromedp.NewContext(browserCtx)
			defer cancel()
			ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
			defer cancelT()

			submit := map[domain.Platform]string{
				domain.PlatformGreenhouse: "#application-form button[type=submit]",
				domain.PlatformLever:      "#btn-submit",
				domain.PlatformAshby:      ".ashby-application-form-submit-button",
			}[tc.p]
			emailID := map[domain.Platform]string{domain.PlatformGreenhouse: "email", domain.PlatformLever: "email", domain.PlatformAshby: "_systemfield_email"}[tc.p]
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.FormURL()),
				chromedp.WaitReady(chromedp.CSS("#"+emailID))))

			// Empty: Next (multi-step) or Submit shows alerts and sends nothing.
			first := chromedp.CSS(submit)
			if tc.multi {
				first = chromedp.CSS("[data-step='1'] [data-next]")
			}
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(first, chromedp.NodeVisible)))
			n, err := chromedp.Run(ctx, chromedp.Poll[int](`document.querySelectorAll('[role=alert]').length || 0`,
				chromedp.WithPollingTimeout(5*time.Second)))
			require.NoError(t, err)
			require.Positive(t, n)
			invalid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('`+emailID+`').getAttribute('aria-invalid') || ''`))
			require.NoError(t, err)
			require.Equal(t, "true", invalid)
			require.Empty(t, s.Submissions())

			// Fill everything required.
			fill := map[domain.Platform]string{
				domain.PlatformGreenhouse: `document.getElementById('first_name').value='Ada';document.getElementById('last_name').value='Lovelace';
					document.getElementById('email').value='ada@example.com';`,
				domain.PlatformLever: `document.getElementById('name').value='Ada Lovelace';document.getElementById('email').value='ada@example.com';`,
				domain.PlatformAshby: `document.getElementById('_systemfield_name').value='Ada Lovelace';document.getElementById('_systemfield_email').value='ada@example.com';`,
			}[tc.p]
			fileSel := map[domain.Platform]string{domain.PlatformGreenhouse: "#resume", domain.PlatformLever: "#resume-upload-input", domain.PlatformAshby: "#_systemfield_resume"}[tc.p]
			why := s.fields[len(s.fields)-2].ID
			auth := s.fields[len(s.fields)-1]
			if tc.p == domain.PlatformLever { // comments comes last
				why, auth = s.fields[len(s.fields)-3].ID, s.fields[len(s.fields)-2]
			}
			answer := `document.getElementById('` + why + `').value='Because.';`
			if auth.Group {
				answer += `document.getElementById('` + auth.ID + `_0').click();`
			} else {
				answer += `document.getElementById('` + auth.ID + `').value='1';`
			}
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Evaluate[chromedp.Void](fill),
				chromedp.SetUploadFiles(chromedp.CSS(fileSel), []string{resume}),
				chromedp.Evaluate[chromedp.Void](answer),
			))
			if tc.multi {
				for _, step := range []string{"1", "2"} {
					require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-step='"+step+"'] [data-next]"), chromedp.NodeVisible)))
				}
			}
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(submit), chromedp.NodeVisible)))

			if tc.p == domain.PlatformAshby {
				require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".ashby-application-form-success-container"))))
			} else {
				// The page navigates: evaluate again until it has.
				want := s.ConfirmationURL()
				require.Eventually(t, func() bool {
					href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.href : ''`))
					return err == nil && href == want
				}, 10*time.Second, 50*time.Millisecond)
			}
			body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			require.NoError(t, err)
			require.Contains(t, body, map[domain.Platform]string{domain.PlatformGreenhouse: "Thank you for applying",
				domain.PlatformLever: "Application submitted!", domain.PlatformAshby: "Thanks for applying"}[tc.p])

			subs := s.Submissions()
			require.Len(t, subs, 1)
			require.True(t, subs[0].Accepted)
			require.Equal(t, []string{"ada@example.com"}, subs[0].Fields[emailID])
			require.Equal(t, []string{"Because."}, subs[0].Fields[FieldName(tc.p, job.Questions[0])])
			require.Equal(t, []string{BooleanValue(tc.p, true)}, subs[0].Fields[FieldName(tc.p, job.Questions[1])])
			name := map[domain.Platform]string{domain.PlatformGreenhouse: "resume", domain.PlatformLever: "resume", domain.PlatformAshby: "_systemfield_resume"}[tc.p]
			require.Len(t, subs[0].Files[name], 1)
			require.Equal(t, "resume.pdf", subs[0].Files[name][0].Filename)
			require.Equal(t, resumeBytes, subs[0].Files[name][0].Data)
			if tc.p == domain.PlatformGreenhouse {
				require.NotContains(t, subs[0].Fields, "cover_letter", "an empty file input is not recorded")
			}
		})
	}
}
