package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// Job sources: a user follows a company's public job board; River jobs sync
// it. A sync reads the board outside any transaction, then applies what it
// read in one: postings that match the source's filters are stored (new, or
// refreshed and open again; the canonical key makes a pasted link of the
// same posting the same job), new matches join the source's run, and
// postings the board no longer lists are closed, their unsent tasks
// cancelled (posting_closed) — never submitted.

// QueueSources is the River queue that syncs job boards, apart from the
// applications queue so a slow board never delays submissions.
const QueueSources = "sources"

// SyncSourceArgs is the River job that syncs one source. One is pending per
// source at most.
type SyncSourceArgs struct {
	SourceID domain.ID `json:"source_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (SyncSourceArgs) Kind() string { return "sync_source" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SyncSourceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSources, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// ScheduleSyncsArgs is the periodic River job that enqueues the syncs of
// the sources that are due.
type ScheduleSyncsArgs struct{}

// Kind implements river.JobArgs.
func (ScheduleSyncsArgs) Kind() string { return "schedule_source_syncs" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ScheduleSyncsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSources, MaxAttempts: 3}
}

// AddSource follows a board for the user: platform and board, or the URL of
// the board; filters choose its postings; new matches go to the user's run
// RunID when given. Its first sync is enqueued with it. Sources added count
// against the user's sources per day (ERATELIMITED when spent).
func (s *Service) AddSource(ctx context.Context, userID domain.ID, in domain.SourceCreate) (*domain.Source, error) {
	if err := in.Normalize(s.o.SourceSyncEvery); err != nil {
		return nil, err
	}
	if in.RunID != nil {
		if _, err := s.store.GetRun(ctx, userID, *in.RunID); err != nil {
			return nil, err
		}
	}
	var src *domain.Source
	err := s.inTx(ctx, func(t *txn) error {
		if err := t.st.QuotaHit(ctx, s.o.Quotas.Sources(userID), "too many sources added today"); err != nil {
			return err
		}
		var err error
		if src, err = t.st.SourceCreate(ctx, userID, in); err != nil {
			return err
		}
		return s.enqueueSyncs(ctx, t, []domain.ID{src.ID})
	})
	return src, err
}

// UpdateSource changes one of the user's sources (filters, run, name,
// interval; paused, or active again, which syncs it at once). A new name
// renames its postings' company where the board gives none.
func (s *Service) UpdateSource(ctx context.Context, userID, id domain.ID, u domain.SourceUpdate) (*domain.Source, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if u.RunID != nil {
		if _, err := s.store.GetRun(ctx, userID, *u.RunID); err != nil {
			return nil, err
		}
	}
	var src *domain.Source
	err := s.inTx(ctx, func(t *txn) error {
		before, err := t.st.SourceGetByUserForUpdate(ctx, userID, id)
		if err != nil {
			return err
		}
		if src, err = t.st.SourceUpdate(ctx, userID, id, u); err != nil {
			return err
		}
		if src.DisplayName() != before.DisplayName() {
			// Its postings named after it follow the new name.
			if _, err := t.st.JobPostingsRenameSource(ctx, src.ID, src.DisplayName()); err != nil {
				return err
			}
		}
		if before.Status != domain.SourceActive && src.Status == domain.SourceActive {
			return s.requestSync(ctx, t, src.ID)
		}
		return nil
	})
	return src, err
}

// DeleteSource stops following a board; its postings stay.
func (s *Service) DeleteSource(ctx context.Context, userID, id domain.ID) error {
	return s.store.SourceDelete(ctx, userID, id)
}

// SyncSourceNow has one of the user's active sources read its board now:
// a sync is enqueued, unless one waits already; if one is running, it runs
// again when it ends (it may have read the board before the user asked).
// Requests count against the source's syncs per hour (ERATELIMITED when
// spent; a refused one counts nothing).
func (s *Service) SyncSourceNow(ctx context.Context, userID, id domain.ID) (*domain.Source, error) {
	var src *domain.Source
	err := s.inTx(ctx, func(t *txn) error {
		var err error
		if src, err = t.st.SourceGetByUserForUpdate(ctx, userID, id); err != nil {
			return err
		}
		switch src.Status {
		case domain.SourceBroken:
			return domain.Errorf(domain.ECONFLICT, "this source is broken (%s): fix its board, then set it active", src.StatusReason)
		case domain.SourcePaused:
			return domain.Errorf(domain.ECONFLICT, "this source is paused: set it active, which syncs it")
		}
		if err := t.st.QuotaHit(ctx, s.o.Quotas.SyncsNow(id), "this source was synced on request too often this hour"); err != nil {
			return err
		}
		return s.requestSync(ctx, t, id)
	})
	return src, err
}

// requestSync enqueues a sync of a source whose row t holds. River keeps
// one pending or running sync job per source; when the insert meets a
// running one, that one is asked to run again. (The source row orders
// this against the end of the running sync, which reads the request under
// the same lock.)
func (s *Service) requestSync(ctx context.Context, t *txn, id domain.ID) error {
	res, err := s.river.InsertManyTx(ctx, t.Tx, []river.InsertManyParams{{Args: SyncSourceArgs{SourceID: id}}})
	if err != nil || len(res) != 1 || !res[0].UniqueSkippedAsDuplicate {
		return err
	}
	return t.st.SourceSyncAgain(ctx, id)
}

// ScheduleDueSyncs enqueues a sync for up to max sources that are due, and
// returns how many (the periodic job; several schedulers never take one
// source twice).
func (s *Service) ScheduleDueSyncs(ctx context.Context, max int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *txn) error {
		ids, err := t.st.SourceClaimDue(ctx, max)
		n = len(ids)
		if err != nil || n == 0 {
			return err
		}
		return s.enqueueSyncs(ctx, t, ids)
	})
	return n, err
}

func (s *Service) enqueueSyncs(ctx context.Context, t *txn, ids []domain.ID) error {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: SyncSourceArgs{SourceID: id}}
	}
	_, err := s.river.InsertManyTx(ctx, t.Tx, params)
	return err
}

// SyncJob is the River job of a sync (nil when a test syncs directly).
type SyncJob = *river.Job[SyncSourceArgs]

// syncAgainAfter is how soon a sync asked for while one ran starts.
const syncAgainAfter = time.Second

// SyncSource reads a source's board (job's) and applies what it read. A
// board that does not exist marks the source broken (never retried by
// itself); one that cannot be read now returns an error for River to retry
// with backoff (or a snooze for the time the board asked); an answer that
// cannot be read is recorded on the source and tried again at the next
// sync. A sync asked for while this one ran makes it run again (a snooze).
func (s *Service) SyncSource(ctx context.Context, job SyncJob) error {
	src, err := s.store.SourceStartSync(ctx, job.Args.SourceID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // deleted meanwhile
	}
	if err != nil || src.Status != domain.SourceActive {
		return err
	}
	log := s.log.With(zap.Stringer("source_id", src.ID), zap.String("platform", string(src.Platform)), zap.String("board", src.Board))
	// A failure is recorded and the job completed in one transaction,
	// under the source's lock, as a sync that read the board does: a sync
	// asked for before it commits is seen here (this one runs again), one
	// asked for after finds no job running and gets its own.
	failed := func(message string, broken bool) error {
		var again bool
		err := s.inTx(ctx, func(t *txn) error {
			var err error
			if again, err = t.st.SourceSyncFailed(ctx, src.ID, message, broken); err != nil || (again && !broken) {
				return err
			}
			return completeSyncJob(ctx, t, job)
		})
		if err == nil && again && !broken {
			return river.JobSnooze(syncAgainAfter)
		}
		return err
	}
	client := s.o.Boards[src.Platform]
	if client == nil {
		return failed(fmt.Sprintf("applyq has no %s client configured", src.Platform), false)
	}
	snap, err := client.Fetch(ctx, src.Board, src.Validators)
	switch {
	case errors.Is(err, domain.ErrBoardNotFound):
		log.Warn("job board not found; source marked broken", zap.Error(err))
		return failed(fmt.Sprintf("the %s board %q does not exist (404): check its name", src.Platform, src.Board), true)
	case errors.Is(err, domain.ErrBoardRedirected):
		log.Warn("job board redirected off its platform; source marked broken", zap.Error(err))
		return failed(fmt.Sprintf("the %s board %q answered with a redirect off %s's hosts, which applyq does not follow (%s): check the board, then set the source active",
			src.Platform, src.Board, src.Platform, err), true)
	case errors.Is(err, domain.ErrBoardUnavailable):
		log.Info("job board unavailable; retrying later", zap.Error(err))
		if _, ferr := s.store.SourceSyncFailed(ctx, src.ID, err.Error(), false); ferr != nil {
			return ferr
		}
		if d, ok := retryAfter(err); ok {
			return river.JobSnooze(d)
		}
		return err // River retries it, which serves a sync asked for meanwhile too
	case err != nil:
		log.Warn("job board answer unreadable; trying again at the next sync", zap.Error(err))
		return failed(domain.ErrorMessage(err), false)
	}
	return s.applySnapshot(ctx, job, snap, log)
}

// completeSyncJob completes a sync's River job in t, when River runs it
// (a test may sync without one).
func completeSyncJob(ctx context.Context, t *txn, job SyncJob) error {
	if job.JobRow == nil || job.State != rivertype.JobStateRunning {
		return nil
	}
	return completeJobIDs(ctx, t, []int64{job.ID})
}

// retryAfter is the delay a board asked for, when the error carries one.
func retryAfter(err error) (time.Duration, bool) {
	var u *domain.BoardUnavailableError
	if errors.As(err, &u) && u.RetryAfter > 0 {
		return u.RetryAfter, true
	}
	return 0, false
}

// applySnapshot stores what a board listed, in one transaction: the
// source first, then its postings, the run new matches join, and the
// tasks of closed postings (in id order).
func (s *Service) applySnapshot(ctx context.Context, job SyncJob, snap *domain.BoardSnapshot, log *zap.Logger) error {
	var (
		added, closed, cancelled int
		again                    bool
	)
	err := s.inTx(ctx, func(t *txn) error {
		added, closed, cancelled = 0, 0, 0
		src, err := t.st.SourceGetForUpdate(ctx, job.Args.SourceID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		if !snap.NotModified {
			var fresh []domain.ID
			listed := make([]string, 0, len(snap.Postings))
			for _, p := range snap.Postings {
				listed = append(listed, p.ExternalID)
				if !src.Filters.Matches(p) {
					continue
				}
				// The employer's name where the board gives it; the
				// source's display name (which renaming it changes)
				// otherwise: never the board's slug.
				company := p.Company
				if company == "" {
					company = src.DisplayName()
				}
				id, inserted, err := t.st.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(src.Platform, src.Board, p.ExternalID), company, p)
				if err != nil {
					return fmt.Errorf("storing posting %s: %w", p.ExternalID, err)
				}
				if inserted {
					fresh = append(fresh, id)
				}
			}
			if added, err = s.addMatches(ctx, t, src, fresh, log); err != nil {
				return err
			}
			gone, err := t.st.BoardPostingsCloseMissing(ctx, src.ID, listed)
			if err != nil {
				return err
			}
			closed = len(gone)
			if cancelled, err = s.cancelClosed(ctx, t, src, gone); err != nil {
				return err
			}
		}
		if _, err = t.st.SourceSynced(ctx, src.ID, snap.Validators); err != nil {
			return err
		}
		// Asked for again while this sync ran: run again; otherwise the
		// job completes with what it wrote.
		if again = src.SyncAgain; !again {
			return completeSyncJob(ctx, t, job)
		}
		return nil
	})
	if err != nil {
		return err
	}
	log.Info("job board synced", zap.Int("postings", len(snap.Postings)), zap.Int("skipped", snap.Skipped), zap.Bool("not_modified", snap.NotModified),
		zap.Int("added_to_run", added), zap.Int("closed", closed), zap.Int("tasks_cancelled", cancelled), zap.Bool("sync_again", again))
	if again {
		return river.JobSnooze(syncAgainAfter)
	}
	return nil
}

// addMatches adds new postings to the source's run, if it has one that
// still takes jobs, and returns how many were queued.
func (s *Service) addMatches(ctx context.Context, t *txn, src *domain.Source, jobs []domain.ID, log *zap.Logger) (int, error) {
	if src.TargetRunID == nil || len(jobs) == 0 {
		return 0, nil
	}
	queued := 0
	for start := 0; start < len(jobs); start += domain.MaxJobsPerAdd {
		res, err := s.addJobs(ctx, t, src.UserID, *src.TargetRunID, jobs[start:min(start+domain.MaxJobsPerAdd, len(jobs))], sourceActor(src))
		if code := domain.ErrorCode(err); code == domain.ECONFLICT || code == domain.ENOTFOUND {
			log.Info("the source's run takes no jobs now; new postings stay in the job list", zap.Error(err))
			return queued, nil
		}
		if err != nil {
			return queued, err
		}
		queued += len(res.Queued)
	}
	return queued, nil
}

// cancelClosed cancels the unsent tasks of postings their board no longer
// lists, and returns how many.
func (s *Service) cancelClosed(ctx context.Context, t *txn, src *domain.Source, jobs []domain.ID) (int, error) {
	if len(jobs) == 0 {
		return 0, nil
	}
	open, err := t.st.TaskListOpenForJobs(ctx, jobs)
	if err != nil {
		return 0, err
	}
	for _, task := range open {
		if _, err := s.move(ctx, t, postgres.Move{TaskID: task.ID, From: task.State, To: domain.StateCancelled,
			Actor: sourceActor(src), Reason: domain.ReasonPostingClosed}); err != nil {
			return 0, err
		}
	}
	return len(open), nil
}

// sourceActor names a source as the actor of what its sync does.
func sourceActor(src *domain.Source) string {
	return "source:" + strings.ToLower(string(src.Platform)) + ":" + src.ID.String()
}
