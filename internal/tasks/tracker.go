package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// The job list is a tracker: each job has a stage (derived from its
// tasks, or set by the person), a pasted link of a known board gets its
// details from the board in the background, and a link no applier can
// apply to is kept to track only.

// FetchJobDetailsArgs is the River job that reads a pasted board link's
// details (title, company, location, pay…) from its board, so pasting
// stays fast.
type FetchJobDetailsArgs struct {
	JobID domain.ID `json:"job_id"`
}

// Kind implements river.JobArgs.
func (FetchJobDetailsArgs) Kind() string { return "fetch_job_details" }

// fetchDetailsAttempts bounds the tries of a board that cannot be read now.
const fetchDetailsAttempts = 3

// InsertOpts implements river.JobArgsWithInsertOpts: on the sources
// queue, beside the syncs, never in the way of a submission.
func (FetchJobDetailsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSources, MaxAttempts: fetchDetailsAttempts}
}

// DetailsJob is the River job of a details fetch.
type DetailsJob = *river.Job[FetchJobDetailsArgs]

// SetJobStage sets the stage the person gives one of their jobs
// (interviewing, offer, rejected, withdrawn), or clears it (nil): the
// derived stage shows again. Another user's job is ENOTFOUND.
func (s *Service) SetJobStage(ctx context.Context, userID, jobID domain.ID, stage *domain.Stage) (*domain.JobPosting, error) {
	if stage != nil && !stage.PersonSet() {
		_, err := domain.ParsePersonStage("stage", string(*stage))
		return nil, err
	}
	if err := s.store.JobPostingSetPersonStage(ctx, userID, jobID, stage); err != nil {
		return nil, err
	}
	return s.store.GetJob(ctx, userID, jobID)
}

// FetchJobDetails reads a pasted board link's posting from its board and
// fills the job: the title and company the person left empty, and what
// only the board knows (location, pay, department, description). A board
// that cannot be read now is tried again (River, up to three attempts);
// one that does not list the posting, or cannot be read at all, leaves the
// job as pasted, marked so the dashboard stops saying "fetching".
func (s *Service) FetchJobDetails(ctx context.Context, job DetailsJob) error {
	j, err := s.store.JobPostingForDetails(ctx, job.Args.JobID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // deleted meanwhile
	}
	if err != nil || j.Details != domain.DetailsFetching {
		return err
	}
	log := s.log.With(zap.Stringer("job_id", j.ID))
	failed := func(why error) error {
		log.Info("a pasted link's details could not be read from its board", zap.Error(why))
		return s.store.JobPostingDetailsFailed(ctx, j.ID)
	}
	ref, ok := domain.ParsePostingURL(j.URL)
	if !ok {
		return failed(errors.New("not a posting of a known board"))
	}
	client := s.o.Boards[ref.Platform]
	if client == nil {
		return failed(fmt.Errorf("applyq has no %s client configured", ref.Platform))
	}
	p, err := readPosting(ctx, client, ref)
	switch {
	case errors.Is(err, domain.ErrBoardUnavailable) && (job.JobRow == nil || job.Attempt < fetchDetailsAttempts):
		return err // River tries again
	case err != nil:
		return failed(err)
	}
	company, origin := p.Company, domain.CompanyBoard
	if company == "" {
		company, origin = j.Company, j.CompanyOrigin
	}
	return s.inTx(ctx, func(t *txn) error {
		cur, err := t.st.JobPostingForDetails(ctx, j.ID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil
		}
		if err != nil || cur.Details != domain.DetailsFetching {
			return err
		}
		if err := t.st.JobPostingFillDetails(ctx, j.ID, company, origin, *p); err != nil {
			return err
		}
		t.notify(domain.NotifyTasks, cur.UserID.String())
		return nil
	})
}

// readPosting reads the posting ref names through c: one request where
// the platform has one for a posting (domain.PostingFetcher), the board's
// listing otherwise, from which the posting whose canonical key is ref.Key
// is taken. A posting the board does not list wraps ErrBoardNotFound.
func readPosting(ctx context.Context, c domain.BoardClient, ref domain.PostingRef) (*domain.BoardPosting, error) {
	if pf, ok := c.(domain.PostingFetcher); ok && ref.ExternalID != "" {
		return pf.FetchPosting(ctx, ref.Board, ref.ExternalID)
	}
	snap, err := c.Fetch(ctx, ref.Board, domain.BoardValidators{})
	if err != nil {
		return nil, err
	}
	for i := range snap.Postings {
		if domain.BoardPostingKey(ref.Platform, ref.Board, snap.Postings[i].ExternalID) == ref.Key {
			return &snap.Postings[i], nil
		}
	}
	return nil, fmt.Errorf("the %s board %q does not list this posting: %w", ref.Platform, ref.Board, domain.ErrBoardNotFound)
}

// trackedOnlyRefused is the error of adding tracked-only jobs to a run.
func trackedOnlyRefused(ids []domain.ID) error {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = id.String()
	}
	return domain.Errorf(domain.ECONFLICT, "%d job(s) are tracked only: applyq has no applier for their site (LinkedIn, Indeed, a company's careers page…), "+
		"so it cannot apply to them. Apply on the site, then set the job's stage", len(ids)).
		WithDetails(map[string]any{"job_ids": list, "reason": "tracked_only"})
}
