package notifications

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// Bounds of one digest.
const (
	// maxNoticesPerDigest is the most notices one mail takes; a backlog
	// beyond it goes out in the next digest, a window later.
	maxNoticesPerDigest = 1000
	// maxListed is the most items listed per kind (each approval with its
	// own link); the rest are counted, with the page that lists them all.
	maxListed = 20
)

// DigestResult says what one digest did.
type DigestResult struct {
	// Mailed is the number of notices the mail carried (0: no mail).
	Mailed int
	// Skipped is the number marked sent without a mail: their kind is
	// turned off, or what they are about is gone.
	Skipped int
}

// SendDigest mails the user's unsent notices (up to 1000, oldest first)
// as one digest and marks them sent, in one transaction: see the package
// doc for why the mail goes out before the commit. Notices of kinds the
// user turned off, approvals no longer pending and tasks or runs no longer
// there are marked sent without being mailed; when nothing is left to
// mail, no mail is sent. Each approval listed gets a new link token (the
// previous link of that approval stops working). A mailer error returns
// the error with nothing changed.
func (s *Service) SendDigest(ctx context.Context, userID domain.ID) (DigestResult, error) {
	if s.o.Mailer == nil {
		return DigestResult{}, errors.New("notifications: SendDigest needs Options.Mailer")
	}
	var res DigestResult
	// Not postgres.InTx: this transaction mails, so it must not run twice
	// by itself; River retries the job instead.
	err := s.tx.Once(ctx, func(st *postgres.Store) error {
		user, err := st.GetUser(ctx, userID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil // deleted, and its notices with it
		}
		if err != nil {
			return err
		}
		prefs, err := st.NotificationPrefs(ctx, userID)
		if err != nil {
			return err
		}
		unsent, err := st.NoticeLockUnsent(ctx, userID, maxNoticesPerDigest)
		if err != nil || len(unsent) == 0 {
			return err
		}
		d, err := s.collect(ctx, st, prefs, unsent)
		if err != nil {
			return err
		}
		ids := make([]domain.ID, len(unsent))
		for i, n := range unsent {
			ids[i] = n.ID
		}
		if _, err := st.NoticeMarkSent(ctx, ids, d.skipped); err != nil {
			return err
		}
		res = DigestResult{Mailed: len(unsent) - len(d.skipped), Skipped: len(d.skipped)}
		if res.Mailed == 0 {
			return nil
		}
		if err := s.o.Mailer.Send(ctx, d.message(user, s.o.PublicBaseURL)); err != nil {
			return fmt.Errorf("mailing the digest: %w", err)
		}
		return nil
	})
	if err != nil {
		return DigestResult{}, err
	}
	return res, nil
}

// errMore rolls back the completion of a digest job that leaves notices
// unsent.
var errMore = errors.New("notices left unsent")

// RunDigest works a digest job: SendDigest, then, in a second transaction,
// the job is completed unless the user has unsent notices left (added
// while it ran, or past the 1000 one mail takes): then it runs again a
// digest window later (a snooze, which costs no attempt), or within a
// second when one of them is mailed at once (a security code waiting). Completing the
// job waits for the transactions that added a notice and found this job
// running (River's unique insert holds the job row until they commit), so
// their notices are seen here and none is left without a digest.
func (s *Service) RunDigest(ctx context.Context, job DigestJob) error {
	if _, err := s.SendDigest(ctx, job.Args.UserID); err != nil {
		return err
	}
	var urgent bool
	err := s.tx.Once(ctx, func(st *postgres.Store) error {
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, st.Tx(), job); err != nil {
			return err
		}
		more, err := st.NoticeUnsentExists(ctx, job.Args.UserID)
		if err == nil && more {
			if urgent, err = st.NoticeUnsentImmediateExists(ctx, job.Args.UserID); err == nil {
				err = errMore
			}
		}
		return err
	})
	if errors.Is(err, errMore) {
		if urgent {
			return river.JobSnooze(time.Second) // a code waiting: mailed at once
		}
		return river.JobSnooze(max(s.o.DigestDelay, time.Second))
	}
	return err
}

// digest is one mail in the making: its sections by kind, and the notices
// it leaves out.
type digest struct {
	sections []*section
	skipped  []domain.ID
}

// section is one kind's part of a digest.
type section struct {
	kind  domain.NoticeKind
	items []item // listed, at most maxListed
	total int    // items of this kind, listed or not
	seen  map[string]bool
}

// item is one line of a section, with its own link when it has one.
type item struct {
	text string
	link string
}

// collect sorts the notices into sections, minting the link of each
// approval it lists, and says which it leaves out.
func (s *Service) collect(ctx context.Context, st *postgres.Store, prefs domain.NotificationPrefs, unsent []postgres.UnsentNotice) (*digest, error) {
	d := &digest{}
	bySection := map[domain.NoticeKind]*section{}
	for _, k := range domain.NoticeKinds {
		sec := &section{kind: k, seen: map[string]bool{}}
		bySection[k] = sec
		d.sections = append(d.sections, sec)
	}
	// Which approvals are still pending, and the links of the first ones.
	var approvalIDs []domain.ID
	for _, n := range unsent {
		if n.Kind == domain.NoticeApprovalWaiting && prefs.Mails(n.Kind) && n.RefsExist {
			approvalIDs = append(approvalIDs, *n.ApprovalID)
		}
	}
	links, expiries, err := s.approvalLinks(ctx, st, approvalIDs)
	if err != nil {
		return nil, err
	}
	for _, n := range unsent {
		sec := bySection[n.Kind]
		key := dedupKey(n.Notice)
		switch {
		case sec == nil || !prefs.Mails(n.Kind) || !n.RefsExist:
			d.skipped = append(d.skipped, n.ID)
			continue
		case n.Kind == domain.NoticeApprovalWaiting && expiries[*n.ApprovalID].IsZero():
			d.skipped = append(d.skipped, n.ID) // decided or expired meanwhile
			continue
		case sec.seen[key]:
			continue // the same thing twice: listed once, both mailed
		}
		sec.seen[key] = true
		sec.total++
		if len(sec.items) >= maxListed {
			continue
		}
		it := item{text: n.Subject}
		if n.Detail != "" {
			it.text += ": " + n.Detail
		}
		switch n.Kind {
		case domain.NoticeApprovalWaiting:
			token, listed := links[*n.ApprovalID]
			if !listed {
				// Pending when counted, but held by a decision under way:
				// the inbox shows it.
				continue
			}
			it.text += " (expires " + expiries[*n.ApprovalID].UTC().Format("Mon 2 Jan 15:04 MST") + ")"
			it.link = ApprovalLink(s.o.PublicBaseURL, token)
		case domain.NoticeNeedsYou, domain.NoticeCodeWaiting:
			it.link = s.o.PublicBaseURL + "/tasks/" + n.TaskID.String()
		case domain.NoticeRunCompleted:
			it.link = s.o.PublicBaseURL + "/queue/submitted?run_id=" + n.RunID.String()
		}
		sec.items = append(sec.items, it)
	}
	return d, nil
}

// approvalLinks finds which of ids are pending and mints new link tokens
// for the first maxListed of them, storing their hashes. It returns the
// raw tokens of those it changed, and the expiry of every pending one.
func (s *Service) approvalLinks(ctx context.Context, st *postgres.Store, ids []domain.ID) (map[domain.ID]string, map[domain.ID]time.Time, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	expiries, err := st.ApprovalsPendingAmong(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var listed []domain.ID
	raw := map[domain.ID]string{}
	var hashes [][]byte
	for _, id := range ids {
		if _, pending := expiries[id]; !pending || raw[id] != "" || len(listed) == maxListed {
			continue
		}
		token, hash := domain.NewToken(domain.PrefixApproval)
		listed, raw[id], hashes = append(listed, id), token, append(hashes, hash)
	}
	if len(listed) == 0 {
		return nil, expiries, nil
	}
	changed, err := st.ApprovalRotateTokens(ctx, listed, hashes)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range listed {
		if _, ok := changed[id]; !ok {
			delete(raw, id)
		}
	}
	return raw, expiries, nil
}

// dedupKey identifies what a notice is about: two notices with one key are
// one line of the digest (one answer resumes every task waiting on a
// question, so a question is its text).
func dedupKey(n *domain.Notice) string {
	switch {
	case n.Kind == domain.NoticeApprovalWaiting && n.ApprovalID != nil:
		return n.ApprovalID.String()
	case (n.Kind == domain.NoticeNeedsYou || n.Kind == domain.NoticeCodeWaiting) && n.TaskID != nil:
		return n.TaskID.String()
	case n.Kind == domain.NoticeRunCompleted && n.RunID != nil:
		return n.RunID.String()
	}
	return n.Subject + "\x00" + n.Detail
}

// Per kind: the heading (with %d for the count), what to do, the word for
// the subject line, and the page that lists every item.
var kindText = map[domain.NoticeKind]struct {
	heading, intro, noun, page, pageText string
}{
	domain.NoticeCodeWaiting: {"Security codes waiting (%d)",
		"A form waits for the security code its platform mailed to you: open the task's page and type the code before the time shown, or the application is not completed.",
		"security code waiting|security codes waiting", "/approvals", "Everything waiting for you"},
	domain.NoticeApprovalWaiting: {"Approvals waiting (%d)",
		"Each link shows exactly what will be sent; approve or reject it there before it expires.",
		"approval waiting|approvals waiting", "/approvals", "Your approvals inbox"},
	domain.NoticeQuestionsWaiting: {"Questions waiting for your answer (%d)",
		"Tasks wait until you answer; one answer resumes every task that asked it.",
		"question waiting|questions waiting", "/questions", "Answer them"},
	domain.NoticeNeedsYou: {"Tasks that need you (%d)",
		"applyq stopped these and will not retry them by itself.",
		"task needs you|tasks need you", "/queue/paused", "Every paused task"},
	domain.NoticeRunCompleted: {"Runs completed (%d)",
		"Every task of these runs is submitted or cancelled.",
		"run completed|runs completed", "/runs", "Your runs"},
}

// message writes the digest's mail: plain text, one section per kind with
// items, counting the ones not listed, every link absolute from base.
func (d *digest) message(user *domain.User, base string) domain.Message {
	var subject []string
	var b strings.Builder
	if user.Profile.Name != "" {
		fmt.Fprintf(&b, "Hello %s,\n\n", user.Profile.Name)
	} else {
		b.WriteString("Hello,\n\n")
	}
	b.WriteString("Here is what applyq has for you.\n")
	for _, sec := range d.sections {
		if sec.total == 0 {
			continue
		}
		t := kindText[sec.kind]
		one, many, _ := strings.Cut(t.noun, "|")
		noun := many
		if sec.total == 1 {
			noun = one
		}
		subject = append(subject, fmt.Sprintf("%d %s", sec.total, noun))
		fmt.Fprintf(&b, "\n"+t.heading+"\n%s\n\n", sec.total, t.intro)
		for _, it := range sec.items {
			fmt.Fprintf(&b, "- %s\n", it.text)
			if it.link != "" {
				fmt.Fprintf(&b, "  %s\n", it.link)
			}
		}
		if more := sec.total - len(sec.items); more > 0 {
			fmt.Fprintf(&b, "- and %d more\n", more)
		}
		fmt.Fprintf(&b, "%s: %s%s\n", t.pageText, base, t.page)
	}
	fmt.Fprintf(&b, "\nChoose what applyq mails you on your profile: %s/profile\n", base)
	return domain.Message{To: user.Email, Subject: "applyq: " + strings.Join(subject, ", "), Body: b.String()}
}

// ApprovalLink builds the link to an approval's confirm page: opening it
// changes nothing, the decision is a POST.
func ApprovalLink(base, token string) string {
	return base + "/approvals/confirm?token=" + url.QueryEscape(token)
}
