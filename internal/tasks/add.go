package tasks

import (
	"context"
	"fmt"
	"slices"

	"github.com/applyq/applyq/internal/domain"
)

// AddJobs creates one queued task per job in the user's run, with its River
// job, in one transaction: either every task and job exists afterwards or
// none does. Jobs the run already has, jobs the user already applied to (a
// task submitting or submitted in any run) and repeats within the request
// are reported as duplicates and not queued. Unknown runs or jobs, or
// another user's, are ENOTFOUND; a cancelled run, or a tracked-only job
// (no applier can apply to it), is ECONFLICT.
func (s *Service) AddJobs(ctx context.Context, userID, runID domain.ID, jobIDs []domain.ID, actor string) (*domain.AddJobsResult, error) {
	if len(jobIDs) == 0 {
		return nil, domain.ValidationError(map[string]string{"job_ids": "must list at least one job id"})
	}
	if len(jobIDs) > domain.MaxJobsPerAdd {
		return nil, domain.ValidationError(map[string]string{"job_ids": fmt.Sprintf("must list at most %d job ids per request", domain.MaxJobsPerAdd)})
	}
	var res *domain.AddJobsResult
	err := s.inTx(ctx, func(t *txn) error {
		var err error
		res, err = s.addJobs(ctx, t, userID, runID, jobIDs, actor)
		return err
	})
	return res, err
}

func (s *Service) addJobs(ctx context.Context, t *txn, userID, runID domain.ID, jobIDs []domain.ID, actor string) (*domain.AddJobsResult, error) {
	status, err := t.st.RunStatusForShare(ctx, userID, runID)
	if err != nil {
		return nil, err
	}
	if status == domain.RunCancelled {
		return nil, domain.Errorf(domain.ECONFLICT, "run %s is cancelled: create a new run to add jobs", runID)
	}
	res := &domain.AddJobsResult{Queued: []domain.AddedTask{}, Duplicates: []domain.DuplicateJob{}}
	seen := make(map[domain.ID]bool, len(jobIDs))
	unique := make([]domain.ID, 0, len(jobIDs))
	for _, id := range jobIDs {
		if seen[id] {
			res.Duplicates = append(res.Duplicates, domain.DuplicateJob{JobID: id, Reason: domain.DuplicateRepeatedInList})
			continue
		}
		seen[id] = true
		unique = append(unique, id)
	}

	// Every job must be the user's own.
	owned, err := t.st.JobPostingOwnedIDs(ctx, userID, unique)
	if err != nil {
		return nil, err
	}
	if len(owned) != len(unique) {
		var missing []string
		for _, id := range unique {
			if !slices.Contains(owned, id) {
				missing = append(missing, id.String())
			}
		}
		return nil, domain.Errorf(domain.ENOTFOUND, "%d job(s) not found", len(missing)).WithDetails(map[string]any{"job_ids": missing})
	}

	// Tracked-only jobs: no applier can apply to them (the database
	// refuses them too).
	tracked, err := t.st.JobPostingTrackedOnlyIDs(ctx, userID, unique)
	if err != nil {
		return nil, err
	}
	if len(tracked) > 0 {
		return nil, trackedOnlyRefused(tracked)
	}

	// Jobs already applied to, in any run of the user: never twice.
	applied, err := t.st.TaskListApplied(ctx, unique)
	if err != nil {
		return nil, err
	}
	skip := make(map[domain.ID]bool, len(applied))
	for _, a := range applied {
		skip[a.JobID] = true
		res.Duplicates = append(res.Duplicates, domain.DuplicateJob{JobID: a.JobID, Reason: domain.DuplicateApplied, TaskID: &a.TaskID})
	}
	var taskIDs, toInsert []domain.ID
	for _, id := range unique {
		if !skip[id] {
			toInsert = append(toInsert, id)
			taskIDs = append(taskIDs, domain.NewID())
		}
	}
	created, err := t.st.TaskInsertMany(ctx, userID, runID, taskIDs, toInsert)
	if err != nil {
		return nil, fmt.Errorf("inserting tasks: %w", err)
	}
	if len(created) < len(toInsert) {
		// The rest were in the run already.
		inRun, err := t.st.TaskListInRun(ctx, runID, toInsert)
		if err != nil {
			return nil, err
		}
		for _, d := range inRun {
			if !slices.ContainsFunc(created, func(c *domain.Task) bool { return c.ID == d.TaskID }) {
				res.Duplicates = append(res.Duplicates, domain.DuplicateJob{JobID: d.JobID, Reason: domain.DuplicateInRun, TaskID: &d.TaskID})
			}
		}
	}
	if len(created) == 0 {
		return res, nil
	}
	// Queued in the order the request listed them (rows were written in job id order).
	order := make(map[domain.ID]int, len(toInsert))
	for i, id := range toInsert {
		order[id] = i
	}
	slices.SortFunc(created, func(a, b *domain.Task) int { return order[a.JobID] - order[b.JobID] })
	ids := make([]domain.ID, len(created))
	for i, c := range created {
		ids[i] = c.ID
		res.Queued = append(res.Queued, domain.AddedTask{TaskID: c.ID, JobID: c.JobID})
	}
	if err := s.enqueue(ctx, t, created); err != nil {
		return nil, err
	}
	if err := t.st.TaskInsertCreations(ctx, ids, actor, domain.ReasonAddedToRun); err != nil {
		return nil, err
	}
	t.notify(domain.NotifyTasks, userID.String())
	n := len(created)
	t.afterCommit(func() {
		if h := s.o.Hooks.Transition; h != nil {
			for range n {
				h("", domain.StateQueued)
			}
		}
	})
	if status == domain.RunCompleted {
		if _, err := t.st.RunSetStatus(ctx, userID, runID, domain.RunActive); err != nil {
			return nil, err
		}
	}
	return res, nil
}
