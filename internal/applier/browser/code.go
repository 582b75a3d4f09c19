package browser

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// The mailed security code. After the first submit click the form may ask
// for a code its platform mailed to the applicant (Greenhouse: eight
// characters, from no-reply@us.greenhouse-mail.io, typed into eight
// one-character inputs; see replica/doc.go). The platform completes the
// application only with that code, so until it is typed the application
// was not received. The page stays open for Options.CodeWindow while the
// task waits for its user (domain.Codes: a row and a NOTIFY through
// Postgres); the code typed on applyq is typed into the page and the form
// submitted again, and the answer read by the same classifier. A refused
// code is asked again, up to domain.MaxCodeTries. The code is never
// logged.

// code waits for the mailed code and completes the application with it.
func (s *session) code(filled []domain.Evidence, at pageState) (domain.ApplyResult, error) {
	name, to := s.pl.platformName(), domain.MaskEmail(s.p.Email)
	if s.codes == nil {
		return s.result(verdict{Kind: needsUser, Why: fmt.Sprintf("%s mailed a security code to %s, and %v: %s completes an application only with that code, "+
			"so it did not receive this one — apply by hand", name, to, errNoCodes, name)}, filled, at)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
		defer cancel()
		if err := s.codes.Close(ctx, s.p.TaskID); err != nil {
			s.log.Warn("closing the security code request failed", zap.Error(err))
		}
	}()
	refused := ""
	for attempt := 1; ; attempt++ {
		if attempt > domain.MaxCodeTries {
			return s.result(verdict{Kind: needsUser, Why: fmt.Sprintf("%s refused %d security codes (last: %s): it did not complete the application, "+
				"so it did not receive it — resume to apply again with a new code", name, domain.MaxCodeTries, refused)}, filled, at)
		}
		until := time.Now().Add(s.window)
		s.log.Info("the form asks for the security code mailed to the applicant; waiting for the user", zap.Int("attempt", attempt), zap.Time("until", until))
		code, err := s.codes.Await(s.ctx, domain.CodeRequest{TaskID: s.p.TaskID, UserID: s.p.UserID, Platform: s.p.Platform,
			Address: s.p.Email, Attempt: attempt, Refused: refused, Until: until})
		if err != nil {
			why := fmt.Sprintf("%s mailed a security code to %s and it was not given in time (the page waited %s)", name, to, s.window.Round(time.Second))
			if !errors.Is(err, domain.ErrCodeWindowPassed) {
				why = fmt.Sprintf("%s mailed a security code to %s, and the worker stopped waiting for it (%v)", name, to, err)
			}
			return s.result(verdict{Kind: needsUser, Why: why + ": " + name + " completes an application only with that code, so it did not receive this one — resume to apply again (a new code will be mailed)"}, filled, at)
		}
		s.until = time.Now().Add(codeAnswerWait)
		before, err := s.inspect()
		if err == nil && !before.CodeStep {
			// The page moved on while the person looked for the mail.
			err = errors.New("the page no longer asks for the code")
		}
		if err == nil {
			err = s.typeCode(code)
		}
		if err == nil {
			err = s.mark("submit")
		}
		if err != nil {
			return s.result(verdict{Kind: needsUser, Why: fmt.Sprintf("applyq could not type the security code into %s's form (%v): the form was not "+
				"submitted with it, so %s did not receive the application — resume to apply again", name, err, name)}, filled, at)
		}
		if err := s.click(); err != nil {
			return domain.ApplyResult{}, &domain.EvidenceError{Evidence: filled,
				Err: fmt.Errorf("browser: outcome unknown: the submit click with the security code failed midway: %w", err)}
		}
		v, after := s.await(before)
		at = after
		switch v.Kind {
		case codeRefused, needsCode:
			refused = strings.Join(v.Messages, "; ")
			if refused == "" {
				refused = "the form asked for the code again"
			}
			s.log.Info("the form refused the security code", zap.Int("attempt", attempt))
			continue
		}
		return s.result(v, filled, after)
	}
}

// typeCode types code into the form's code inputs, one character each
// where it has one-character inputs, else whole into the first.
func (s *session) typeCode(code string) error {
	sizes, err := run[[]int](&s.tab, "codeInputs", nil)
	if err != nil {
		return err
	}
	if len(sizes) == 0 {
		return errors.New("the form shows no input for the code")
	}
	chars := []rune(code)
	if len(sizes) > 1 && len(sizes) == len(chars) {
		for n, c := range chars {
			sel := chromedp.CSS(fmt.Sprintf(`[data-applyq-code="%d"]`, n))
			// Select what a refused code left there, so the character
			// replaces it.
			if err := s.do(chromedp.Focus(sel), chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)), insertText(string(c))); err != nil {
				return err
			}
		}
		return nil
	}
	if len(sizes) > 1 {
		return fmt.Errorf("the form has %d inputs for a code of %d characters", len(sizes), len(chars))
	}
	return s.do(chromedp.Focus(chromedp.CSS(`[data-applyq-code="0"]`)), chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)), insertText(code))
}
