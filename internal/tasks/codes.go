package tasks

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// The security code relay: a hosted form asks, after the submit click, for
// a code its platform mailed to the applicant. The worker holding the page
// records the ask (AskCode: the task, still submitting, says needs_code and
// its user is told at once), the user gives the code (GiveCode, from the
// dashboard or the API), and the worker takes it (TakeCode), which clears
// it. When the page stops waiting, CloseCode refuses later codes. Each is
// one transaction locking the task's row, then its task_codes row.
//
// A code is never logged, never part of an error, and never read back but
// by TakeCode, which clears it in the statement that reads it.

// MaxCodeGives bounds the codes a user may give for one ask of the page
// (each replaces the one before until the worker takes it): the form
// itself refuses wrong codes, and stops after domain.MaxCodeTries; this
// only keeps a script from hammering the row.
const MaxCodeGives = 10

// Longest texts kept from an ask (the form's own words).
const (
	maxCodeAddress = 320
	maxCodeRefused = 200
)

// AskCode records that a form waits for the code its platform mailed to
// the applicant, in one transaction: the task's code request (a new ask
// replaces the previous one and clears a code given for it), the task's
// state_reason needs_code with a sentence saying where the code went and
// until when, a code_waiting notice mailed at once (on the first ask; a
// refused code is told on the page), and a NOTIFY so the task's open pages
// update. The task must be in submitting (ECONFLICT with its current state
// otherwise); another user's task (req.UserID set) is ENOTFOUND; an ask
// whose Until has passed is domain.ErrCodeWindowPassed.
func (s *Service) AskCode(ctx context.Context, req domain.CodeRequest) error {
	if req.TaskID.IsZero() {
		return domain.Errorf(domain.EINVALID, "a code request needs its task")
	}
	if !req.Until.After(s.o.Now()) {
		return domain.ErrCodeWindowPassed
	}
	req.Attempt = max(req.Attempt, 1)
	req.Address = oneLine(req.Address, maxCodeAddress)
	req.Refused = oneLine(req.Refused, maxCodeRefused)
	var w *domain.CodeWait
	err := s.inTx(ctx, func(t *txn) error {
		task, err := t.st.TaskGetForUpdate(ctx, domain.ID{}, req.TaskID)
		if err != nil {
			return err
		}
		if !req.UserID.IsZero() && req.UserID != task.UserID {
			return domain.Errorf(domain.ENOTFOUND, "task not found")
		}
		if task.State != domain.StateSubmitting {
			return notSubmitting(task.State)
		}
		req.UserID = task.UserID
		if w, err = t.st.CodeAsk(ctx, req); err != nil {
			return err
		}
		if _, err := t.st.TaskWaitForCode(ctx, task.ID, codeWaitMessage(w)); err != nil {
			return err
		}
		if w.Attempt == 1 {
			subject, err := taskSubject(ctx, t, task)
			if err != nil {
				return err
			}
			t.notice(domain.Notice{UserID: task.UserID, Kind: domain.NoticeCodeWaiting, TaskID: &task.ID, RunID: &task.RunID,
				Subject: subject, Detail: codeNoticeDetail(w)})
		}
		t.notify(domain.NotifyTasks, task.UserID.String())
		return nil
	})
	if err != nil {
		return err
	}
	s.log.Info("task waits for a security code", zap.Stringer("task_id", req.TaskID), zap.Int("attempt", w.Attempt),
		zap.Time("until", w.ExpiresAt))
	return nil
}

// GiveCode stores the code the user typed for one of their tasks whose
// page waits for one, replacing a code given before that the worker has
// not taken, and wakes the worker (NOTIFY applyq_codes with the task id),
// in one transaction. Errors, none of which repeats the code: EINVALID
// for what is not a code (domain.NormalizeCode); ENOTFOUND for another
// user's task; ECONFLICT when the task's page does not wait for a code
// (never asked, the page closed, or the code given is being typed);
// EGONE when the page stopped waiting (expires_at, on the database's
// clock); ERATELIMITED after MaxCodeGives codes for one ask.
func (s *Service) GiveCode(ctx context.Context, userID, taskID domain.ID, raw string) error {
	code, err := domain.NormalizeCode(raw)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *txn) error {
		task, err := t.st.TaskGetForUpdate(ctx, userID, taskID)
		if err != nil {
			return err
		}
		w, err := t.st.CodeGetForUpdate(ctx, taskID)
		if err != nil {
			return err
		}
		switch {
		case w == nil || !w.Current:
			return domain.Errorf(domain.ECONFLICT, "this task is not waiting for a security code: its application form did not ask for one").
				WithDetails(map[string]any{"current_state": string(task.State)})
		case w.PastDue:
			return domain.Errorf(domain.EGONE, "the page stopped waiting for the code at %s, so it can no longer be typed: the task's page says what happened to the application",
				w.ExpiresAt.UTC().Format("15:04 UTC")).WithDetails(map[string]any{"expires_at": w.ExpiresAt})
		case task.State != domain.StateSubmitting || w.ClosedAt != nil:
			return domain.Errorf(domain.ECONFLICT, "the page no longer waits for a security code: the task's page says what happened to the application").
				WithDetails(map[string]any{"current_state": string(task.State)})
		case w.TakenAt != nil:
			return domain.Errorf(domain.ECONFLICT, "applyq is typing the code you gave: if the form refuses it, this task asks again").
				WithDetails(map[string]any{"current_state": string(task.State)})
		case w.Gives >= MaxCodeGives:
			return domain.Errorf(domain.ERATELIMITED, "%d codes were given for this request already: wait for the form to take the last one", MaxCodeGives)
		}
		if err := t.st.CodeGive(ctx, taskID, code); err != nil {
			return err
		}
		t.notify(domain.NotifyCodes, taskID.String())
		t.notify(domain.NotifyTasks, task.UserID.String())
		return nil
	})
}

// TakeCode takes the code given for the task's request, if any: it is
// returned once and cleared in the same statement (taken_at set), and the
// task no longer says needs_code. ok is false when no code is there.
func (s *Service) TakeCode(ctx context.Context, taskID domain.ID) (code string, ok bool, err error) {
	err = s.inTx(ctx, func(t *txn) error {
		code, ok = "", false
		task, err := t.st.TaskGetForUpdate(ctx, domain.ID{}, taskID)
		if err != nil {
			return err
		}
		if code, ok, err = t.st.CodeTake(ctx, taskID); err != nil || !ok {
			return err
		}
		if _, err := t.st.TaskCodeWaitOver(ctx, taskID); err != nil {
			return err
		}
		t.notify(domain.NotifyTasks, task.UserID.String())
		return nil
	})
	if err != nil {
		return "", false, err
	}
	return code, ok, nil
}

// CloseCode says the task's page no longer waits for a code: a code not
// taken is cleared, a later one is refused (ECONFLICT, or EGONE once past
// the request's expiry), and the task no longer says needs_code. A task
// without a request, or gone, is nothing to close.
func (s *Service) CloseCode(ctx context.Context, taskID domain.ID) error {
	return s.inTx(ctx, func(t *txn) error {
		task, err := t.st.TaskGetForUpdate(ctx, domain.ID{}, taskID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		if closed, err := t.st.CodeClose(ctx, taskID); err != nil || !closed {
			return err
		}
		changed, err := t.st.TaskCodeWaitOver(ctx, taskID)
		if err != nil {
			return err
		}
		if changed {
			t.notify(domain.NotifyTasks, task.UserID.String())
		}
		return nil
	})
}

// codeWaitMessage is the sentence a task waiting for its code shows
// (last_error): where the code went, until when, and after a refused code
// what the form said.
func codeWaitMessage(w *domain.CodeWait) string {
	where, until := domain.MaskEmail(w.Address), w.ExpiresAt.UTC().Format("15:04 UTC")
	platform := domain.PlatformName(w.Platform)
	if w.Attempt <= 1 {
		return fmt.Sprintf("%s mailed a security code to %s: type it on this task's page before %s.", platform, where, until)
	}
	refused := ""
	if w.Refused != "" {
		refused = " (“" + w.Refused + "”)"
	}
	return fmt.Sprintf("%s refused the last code%s: type the code it mailed to %s on this task's page before %s (try %d of %d).",
		platform, refused, where, until, w.Attempt, domain.MaxCodeTries)
}

// codeNoticeDetail is the line a code_waiting notice carries.
func codeNoticeDetail(w *domain.CodeWait) string {
	return fmt.Sprintf("%s mailed a security code to %s: type it on the task's page before %s, or the application is not completed",
		domain.PlatformName(w.Platform), domain.MaskEmail(w.Address), w.ExpiresAt.UTC().Format("15:04 UTC"))
}

// codeNotTypedMessage is the sentence of a task whose worker stopped while
// its page waited for the code (the sweeper pauses it, needs_user).
func codeNotTypedMessage(platform domain.Platform, address string, attempt int) string {
	p := domain.PlatformName(platform)
	never := "the code was never typed"
	if attempt > 1 {
		never = "no code the form accepted was typed"
	}
	return fmt.Sprintf("The worker stopped while %s waited for the security code mailed to %s; %s, so %s did not complete the application. Resume to apply again.",
		p, domain.MaskEmail(address), never, p)
}

// notSubmitting refuses a code request of a task not in submitting.
func notSubmitting(st domain.State) error {
	return domain.Errorf(domain.ECONFLICT, "task is %s, not submitting: no application form of it waits for a code", st).
		WithDetails(map[string]any{"current_state": string(st)})
}

// taskSubject names a task's posting in a notice.
func taskSubject(ctx context.Context, t *txn, task *domain.Task) (string, error) {
	cards, err := t.st.TaskCards(ctx, []*domain.Task{task})
	if err != nil {
		return "", err
	}
	if len(cards) != 1 {
		return "an application", nil
	}
	return noticeSubject(&domain.JobPosting{Company: cards[0].Company, Title: cards[0].Title, URL: cards[0].URL}), nil
}

// oneLine keeps text from a page as one line of at most max characters:
// control characters become spaces, runs of spaces one.
func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

// codeCloseTimeout bounds closing a request after the waiting context ended.
const codeCloseTimeout = 10 * time.Second

// CloseCodeAfter closes the task's request on a context of its own (the
// waiting one has ended), logging a failure: the sweeper or the next ask
// makes it right.
func (s *Service) CloseCodeAfter(ctx context.Context, taskID domain.ID) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), codeCloseTimeout)
	defer cancel()
	if err := s.CloseCode(ctx, taskID); err != nil {
		s.log.Warn("closing a security code request failed", zap.Stringer("task_id", taskID), zap.Error(err))
	}
}
