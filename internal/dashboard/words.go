package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// Plain words for the job seeker: who moved a task ("you", "applyq"), why
// it moved or waits (a sentence per reason), and times as people say them.
// Ids, actor strings and reason codes stay in the API and the operators'
// views.

// actorText names who made a transition, for viewer: "you" for the
// viewer's own actions, "applyq" for the workers, and so on.
func actorText(actor string, viewer *domain.User) string {
	switch {
	case viewer != nil && actor == domain.UserActor(viewer.ID):
		return "you"
	case strings.HasPrefix(actor, "user:"):
		return "another person"
	case actor == "approval_link":
		return "you (from the emailed link)"
	case actor == domain.ActorSweeper:
		return "applyq (recovery)"
	case strings.HasPrefix(actor, "source:"):
		platform, _, _ := strings.Cut(strings.TrimPrefix(actor, "source:"), ":")
		return "applyq (reading your " + domain.PlatformName(domain.Platform(platform)) + " board)"
	}
	return "applyq" // the worker, the system
}

// reasonSentence is the sentence for a reason; Detail: the task's last
// error says what exactly and follows it.
type reasonSentence struct {
	Text   string
	Detail bool
}

// reasonSentences has a sentence for every domain.Reason (a test reads
// reason.go and fails on one without).
var reasonSentences = map[domain.Reason]reasonSentence{
	domain.ReasonAddedToRun:               {"Added to the run: it waits for its turn.", false},
	domain.ReasonAnswered:                 {"Queued again: every question it waited for is answered.", false},
	domain.ReasonResumed:                  {"You resumed it: it goes ahead of the queue.", false},
	domain.ReasonRetry:                    {"The last try failed before anything was sent: applyq tries again.", true},
	domain.ReasonWorkerLost:               {"applyq took it back from a worker that stopped: nothing had been sent, it is queued again.", false},
	domain.ReasonDailyLimit:               {"Your daily submission limit is reached: it continues tomorrow (UTC).", false},
	domain.ReasonPlatformPacing:           {"applyq spaces out applications to this job board or employer: it continues shortly.", false},
	domain.ReasonApprovedViaNotification:  {"You approved it: applyq is sending it.", false},
	domain.ReasonApprovedViaResync:        {"You approved it: applyq is sending it.", false},
	domain.ReasonApprovedViaPoll:          {"You approved it: applyq is sending it.", false},
	domain.ReasonApprovedViaJob:           {"You approved it: applyq is sending it.", false},
	domain.ReasonApprovedWithEdits:        {"You approved it with your changes: what you approved is what is sent.", false},
	domain.ReasonNeedsCode:                {"The form waits for the security code emailed to you.", false},
	domain.ReasonSubmissionOutcomeUnknown: {"applyq cannot tell whether the application went out: check with the employer before you resume it.", true},
	domain.ReasonApprovalExpired:          {"Nobody decided within the approval window, so nothing was sent: resume it to be asked again.", false},
	domain.ReasonPreparationFailed:        {"applyq could not prepare the application", true},
	domain.ReasonNeedsAnswer:              {"The form asks questions only you can answer: answer them on the Questions page.", false},
	domain.ReasonNeedsUser:                {"The form needs you", true},
	domain.ReasonAttemptsExhausted:        {"applyq gave up after several tries; nothing was sent.", true},
	domain.ReasonRejectedByReceiver:       {"The job board refused the application", true},
	domain.ReasonPacketUnreadable:         {"The prepared application could not be read back: resume it to prepare it again.", false},
	domain.ReasonRejected:                 {"You rejected it: nothing was sent.", false},
	domain.ReasonAlreadyApplied:           {"You already applied to this job: it is not sent twice.", false},
	domain.ReasonAppliedByHand:            {"You applied to it yourself, on the employer's site: applyq sends nothing for it.", false},
	domain.ReasonCancelledByUser:          {"You cancelled it.", false},
	domain.ReasonRunCancelled:             {"Its run was cancelled.", false},
	domain.ReasonPostingClosed:            {"The job board stopped listing this posting: it is not applied to.", false},
}

// reasonText is the sentence for reason, with detail (the task's last
// error) where the reason needs it: "The form needs you: a login wall."
// An unknown reason reads as its words.
func reasonText(reason domain.Reason, detail string) string {
	s, ok := reasonSentences[reason]
	if !ok {
		return strings.ReplaceAll(string(reason), "_", " ")
	}
	detail = strings.TrimSpace(detail)
	if !s.Detail || detail == "" {
		if s.Detail && !strings.HasSuffix(s.Text, ".") {
			return s.Text + "."
		}
		return s.Text
	}
	sep := ": "
	if strings.HasSuffix(s.Text, ".") {
		sep = " "
	}
	if !strings.HasSuffix(detail, ".") {
		detail += "."
	}
	return s.Text + sep + detail
}

// reasonHasDetail reports whether reasonText carries the last error
// (the card then does not repeat it).
func reasonHasDetail(reason domain.Reason) bool { return reasonSentences[reason].Detail }

// day writes a date and time for people: "8 Dec 2026, 14:05 UTC".
func day(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

// ago writes how long ago t was, roughly: "just now", "5 minutes",
// "3 hours", "2 days".
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < 2*time.Minute:
		return "a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes ago", d/time.Minute)
	case d < 2*time.Hour:
		return "an hour ago"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", d/time.Hour)
	}
	return fmt.Sprintf("%d days ago", d/(24*time.Hour))
}

// until writes how long is left until t, for people: "45 seconds",
// "20 minutes", "1 hour 5 minutes", "3 days"; "expired" once past.
func until(t time.Time) string {
	d := time.Until(t)
	if d < 0 {
		return "expired"
	}
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d < time.Minute:
		return plural(int(d.Round(time.Second)/time.Second), "second")
	case d < time.Hour:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute")
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return plural(h, "hour")
		}
		return plural(h, "hour") + " " + plural(m, "minute")
	}
	return plural(int(d/(24*time.Hour)), "day")
}
