package tasks

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// maxBatch bounds the calls one batched transaction serves.
const maxBatch = 256

// batchTimeout bounds one batched transaction: it serves many callers, so
// it runs on a context of its own, not on any one caller's.
const batchTimeout = 30 * time.Second

// claimCall is one worker's claim in a batch.
type claimCall struct {
	ctx   context.Context
	job   Job
	lease Lease
	next  Next
	err   error
	alone bool // the batch could not take it: claimOne will
}

// Claim takes the job's task for the worker holding lease. For a run
// without approval the task goes queued → submitting at once — claimed,
// packet built, counted against the user's daily limit, submitting
// committed — and Next.Submit says to call the applier; for a run that
// requires approval it goes queued → in_progress and Next.Prepare hands it
// to Prepare. A task that moved on completes its job; a user over the daily
// limit gets a River snooze until the next window.
//
// Concurrent claims share transactions: one batch locks its tasks in id
// order (skipping, never waiting for, a task someone else holds), counts
// each user's submissions in one statement (counters in user id order) and
// moves every task in one statement with both timeline rows. What a batch
// cannot take — a task held elsewhere, an approved task, a paused run, a
// job already applied to elsewhere, a packet that cannot be built — is
// claimed alone (claimOne), and so is the whole batch if its transaction
// fails: a batch changes the number of round trips, never the outcome.
func (s *Service) Claim(ctx context.Context, job Job, lease Lease) (Next, error) {
	c := &claimCall{ctx: ctx, job: job, lease: lease}
	s.claims.do(c)
	if c.alone {
		return s.claimOne(ctx, job, lease)
	}
	return c.next, c.err
}

// runBusyRecheck is how soon a job looks again at a task whose paused run
// was being changed when it looked.
const runBusyRecheck = time.Second

// claimOne is Claim for one task in a transaction of its own, moving it
// queued → in_progress under lease (Prepare then hands it on). Instead it
// completes the job when the task moved on or is gone, cancels it when its
// posting closed (posting_closed), parks the task
// (completing the job) while its run is paused, returns a River snooze
// until the next window when the user's daily limit is reached, and
// continues an approved task (ContinueApproved) when the job is its
// durable continuation. The batch hands it what it cannot take.
func (s *Service) claimOne(ctx context.Context, job Job, lease Lease) (Next, error) {
	id := job.Args.TaskID
	log := s.log.With(zap.Stringer("task_id", id), zap.Int64("river_job_id", job.ID))
	var (
		next     Next
		wait     time.Duration
		approved bool
	)
	err := s.inTx(ctx, func(t *txn) error {
		next, wait, approved = Next{}, 0, false
		now := s.o.Now()
		day, _ := domain.DailyWindow(now)
		app, err := t.st.TaskApplicationForUpdate(ctx, id, day)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			log.Info("task no longer exists; completing its job")
			return completeJob(ctx, t, job)
		}
		if err != nil {
			return err
		}
		act := decideClaim(app)
		if act == claimPark {
			// Look again with the run held, so a resume committing now is
			// either seen here or sees this task parked. Holding the task,
			// never wait for the run (runs lock before their tasks): if
			// someone is changing it right now, look again in a moment.
			st, free, err := t.st.RunStatusIfFree(ctx, app.Run.ID)
			if err != nil {
				return err
			}
			if !free {
				wait = runBusyRecheck
				return nil
			}
			app.Run.Status = st
			act = decideClaim(app)
		}
		switch act {
		case claimDone:
			log.Info("task not queued; leaving it alone", zap.String("state", string(app.Task.State)))
			return completeJob(ctx, t, job)
		case claimContinue:
			approved = true
			return nil
		case claimCancel:
			// Its board no longer lists the posting (a task added after
			// the sync closed it): never submitted.
			log.Info("posting closed on its board; task cancelled", zap.Stringer("job_id", app.Job.ID))
			if _, err := s.move(ctx, t, postgres.Move{TaskID: id, From: domain.StateQueued, To: domain.StateCancelled,
				Actor: domain.ActorWorker, Reason: domain.ReasonPostingClosed}); err != nil {
				return err
			}
			return completeJob(ctx, t, job)
		case claimPark:
			// Parked: queued without a job, holding nothing, until resuming
			// the run enqueues it again.
			log.Info("run is paused; task parked until the run resumes", zap.Stringer("run_id", app.Run.ID))
			return completeJob(ctx, t, job)
		case claimHold:
			var hold *domain.DailyLimitReached
			if wait, hold, err = s.holdForDailyLimit(ctx, t, app.Task.ID, app.User.DailySubmissionLimit, now); err != nil {
				return err
			}
			log.Info("daily submission limit reached; task waits", zap.Int("limit", hold.Limit), zap.Time("until", hold.Until))
			return nil
		}
		if app.Task, err = s.move(ctx, t, postgres.Move{TaskID: id, From: domain.StateQueued, To: domain.StateInProgress,
			Actor: domain.ActorWorker, LeaseToken: lease.Token, LeaseOwner: lease.Owner}); err != nil {
			return err
		}
		next.Prepare = &Claimed{app: app, lease: lease, job: job}
		return nil
	})
	switch {
	case err != nil:
		return Next{}, err
	case approved:
		return s.ContinueApproved(ctx, id, job, lease, "job")
	case wait > 0:
		return Next{}, river.JobSnooze(wait) // still queued, keeping its job
	}
	return next, nil
}

// claimAction is what a claim does with a task it holds.
type claimAction int

const (
	// claimDone: the task moved on (neither queued nor approved): its job
	// completes, nothing else.
	claimDone claimAction = iota
	// claimContinue: the task is approved and the job is its durable
	// continuation (ContinueApproved).
	claimContinue
	// claimCancel: its posting closed on its board: cancelled
	// (posting_closed), never submitted.
	claimCancel
	// claimPark: its run is paused: parked (queued without a job) until
	// the run resumes.
	claimPark
	// claimHold: the user's daily limit is reached: it stays queued,
	// saying why, its job snoozed until the next window — whether or not
	// its run asks for approval (an approval requested now could not be
	// used today).
	claimHold
	// claimTake: queued → in_progress (then prepared, or in a batch
	// submitted at once).
	claimTake
)

// decideClaim is the one decision of both claim paths (the batch and
// claimOne) about a task they hold, from what they read with it: a batch
// changes how many round trips a claim takes, never what comes of it.
// The daily limit is a cheap look (app.UsedToday); the exact count
// happens with the submitting write.
func decideClaim(app *postgres.Application) claimAction {
	switch {
	case app.Task.State == domain.StateApproved:
		return claimContinue
	case app.Task.State != domain.StateQueued:
		return claimDone
	case app.Job.ClosedAt != nil:
		return claimCancel
	case app.Run.Status == domain.RunPaused:
		return claimPark
	case app.UsedToday >= app.User.DailySubmissionLimit:
		return claimHold
	}
	return claimTake
}

// holdForDailyLimit says on a queued task t holds that it waits for the
// user's next daily window, and returns how long until then.
func (s *Service) holdForDailyLimit(ctx context.Context, t *txn, taskID domain.ID, limit int, now time.Time) (time.Duration, *domain.DailyLimitReached, error) {
	hold := domain.DailyLimitAt(limit, now)
	if err := t.st.TaskHold(ctx, taskID, domain.ReasonDailyLimit, hold.Error()); err != nil {
		return 0, nil, err
	}
	return hold.Until.Sub(now), hold, nil
}

// submitCandidate is a claim the batch moves to submitting.
type submitCandidate struct {
	call   *claimCall
	app    *postgres.ApplicationClaim
	packet *domain.Packet
	body   []byte
}

func (s *Service) runClaims(calls []*claimCall) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(calls[0].ctx), batchTimeout)
	defer cancel()
	ids := make([]domain.ID, 0, len(calls))
	first := make(map[domain.ID]*claimCall, len(calls))
	for _, c := range calls {
		if id := c.job.Args.TaskID; first[id] == nil {
			first[id] = c
			ids = append(ids, id)
		}
	}
	err := s.inTx(ctx, func(t *txn) error {
		for _, c := range calls {
			c.next, c.err, c.alone = Next{}, nil, first[c.job.Args.TaskID] != c // a second job for a task: alone
		}
		now := s.o.Now()
		day, _ := domain.DailyWindow(now)
		apps, err := t.st.TaskApplicationsLock(ctx, ids, day)
		if err != nil {
			return err
		}
		// In claim order: boosted first, then oldest queued_at (daily slots go that way).
		sort.SliceStable(apps, func(i, j int) bool {
			a, b := apps[i].Task, apps[j].Task
			return a.Priority > b.Priority || (a.Priority == b.Priority && a.QueuedAt.Before(b.QueuedAt))
		})
		var (
			done       []Job
			candidates []*submitCandidate
			wants      = map[domain.ID]int{}
		)
		users, runs := make([]domain.ID, 0, len(apps)), make([]*domain.Run, 0, len(apps))
		for _, a := range apps {
			users, runs = append(users, a.User.ID), append(runs, a.Run)
		}
		ds, err := s.documentsFor(ctx, users, runs)
		if err != nil {
			return err
		}
		held := make(map[domain.ID]bool, len(apps))
		jobs := make(map[domain.ID]bool, len(apps)) // job postings this batch submits
		for _, a := range apps {
			c := first[a.Task.ID]
			held[a.Task.ID] = true
			switch act := decideClaim(&a.Application); {
			case act == claimDone:
				done = append(done, c.job) // it moved on: nothing left for this job
			case act == claimContinue || act == claimCancel || act == claimPark:
				// Continue the approval, cancel the task of a closed
				// posting, park it (after looking at its run again with
				// the task held): claimOne does each.
				c.alone = true
			case act == claimHold:
				wait, _, err := s.holdForDailyLimit(ctx, t, a.Task.ID, a.User.DailySubmissionLimit, now)
				if err != nil {
					return err
				}
				c.err = river.JobSnooze(wait) // still queued, keeping its job
			case a.AppliedElsewhere || a.Job.FormQuestions() != nil || s.readsForm(a.Job, now):
				// Cancel it as already applied; a form is filled one task
				// at a time, from its user's answer library, and read
				// (outside any transaction) before that.
				c.alone = true
			case !a.Run.RequiresApproval && jobs[a.Job.ID]:
				c.alone = true // another run's task for the same job is in this batch: one of them only
			case a.Run.RequiresApproval:
				if a.Task, err = s.move(ctx, t, postgres.Move{TaskID: a.Task.ID, From: domain.StateQueued, To: domain.StateInProgress,
					Actor: domain.ActorWorker, LeaseToken: c.lease.Token, LeaseOwner: c.lease.Owner}); err != nil {
					return err
				}
				c.next.Prepare = &Claimed{app: &a.Application, lease: c.lease, job: c.job}
			default:
				m, err := ds.documents(a.User.ID, a.Run)
				m.ApplierFor = s.o.ApplierFor
				var packet *domain.Packet
				if err == nil {
					packet, _, err = domain.BuildPacket(a.Task, a.Run, a.Job, a.User, m, now)
				}
				if err == nil && s.o.Pace != nil && len(s.o.Pace(packet)) > 0 {
					c.alone = true // paced per platform and employer, one task at a time
					continue
				}
				if err != nil {
					c.alone = true // claimOne pauses it (preparation_failed) for the user to fix
					continue
				}
				body, err := json.Marshal(packet)
				if err != nil {
					return err
				}
				jobs[a.Job.ID] = true
				candidates = append(candidates, &submitCandidate{call: c, app: a, packet: packet, body: body})
				wants[a.Task.UserID]++
			}
		}
		for id, c := range first {
			if !held[id] {
				c.alone = true // gone, or held by someone else right now
			}
		}
		if err := s.submitCandidates(ctx, t, candidates, wants, day, now); err != nil {
			return err
		}
		return completeJobs(ctx, t, done)
	})
	if err != nil {
		s.log.Warn("a batch of claims failed; claiming each alone", zap.Int("claims", len(calls)), zap.Error(err))
		for _, c := range calls {
			c.next, c.err, c.alone = Next{}, nil, true
		}
	}
}

// submitCandidates counts the candidates against their users' daily limits
// and moves those that fit to submitting; the others stay queued, say why,
// and snooze until the next window.
func (s *Service) submitCandidates(ctx context.Context, t *txn, candidates []*submitCandidate, wants map[domain.ID]int, day, now time.Time) error {
	if len(candidates) == 0 {
		return nil
	}
	granted, err := t.st.DailyUsageConsumeMany(ctx, wants, day)
	if err != nil {
		return err
	}
	var subs []postgres.Submit
	var going []*submitCandidate
	for _, cand := range candidates {
		c, user := cand.call, cand.app.User
		if granted[user.ID] == 0 {
			hold := domain.DailyLimitAt(user.DailySubmissionLimit, now)
			if err := t.st.TaskHold(ctx, cand.app.Task.ID, domain.ReasonDailyLimit, hold.Error()); err != nil {
				return err
			}
			c.err = river.JobSnooze(hold.Until.Sub(now)) // still queued, keeping its job
			continue
		}
		granted[user.ID]--
		subs = append(subs, postgres.Submit{TaskID: cand.app.Task.ID, Packet: cand.body, LeaseToken: c.lease.Token})
		going = append(going, cand)
	}
	if len(subs) == 0 {
		return nil
	}
	packets := make([]*domain.Packet, len(going))
	for i, g := range going {
		packets[i] = g.packet
	}
	if err := lockDocuments(ctx, t, packets...); err != nil {
		return err // the batch fails: each is claimed (and prepared) alone
	}
	moved, err := t.st.TaskSubmitMany(ctx, subs, going[0].call.lease.Owner, domain.ActorWorker)
	if err != nil {
		return err
	}
	byID := make(map[domain.ID]*domain.Task, len(moved))
	for _, m := range moved {
		byID[m.ID] = m
	}
	for _, cand := range going {
		c, task := cand.call, byID[cand.app.Task.ID]
		if task == nil {
			c.alone = true
			continue
		}
		s.moved(t, task, domain.StateQueued, domain.StateInProgress, domain.ActorWorker, "")
		s.moved(t, task, domain.StateInProgress, domain.StateSubmitting, domain.ActorWorker, "")
		c.next.Submit = &Submission{Task: task, Packet: cand.packet, fence: c.lease.Token, job: c.job}
	}
	return nil
}

// recordCall is one submission's "submitted" in a batch.
type recordCall struct {
	ctx   context.Context
	sub   *Submission
	err   error
	alone bool
}

// recordSubmitted records that a submission went out: submitting →
// submitted with its job completed, in a transaction shared with the
// concurrent ones (the rows locked in id order, one statement for all).
// If the batch fails, each is recorded alone.
func (s *Service) recordSubmitted(ctx context.Context, sub *Submission) error {
	c := &recordCall{ctx: ctx, sub: sub}
	s.records.do(c)
	if c.alone {
		return s.record(ctx, func(ctx context.Context) error {
			return s.settle(ctx, sub.job, sub.Task, sub.fence, domain.StateSubmitting, domain.StateSubmitted, "", nil)
		})
	}
	return c.err
}

func (s *Service) runRecords(calls []*recordCall) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(calls[0].ctx), batchTimeout)
	defer cancel()
	ids := make([]domain.ID, len(calls))
	fences := make([]domain.ID, len(calls))
	for i, c := range calls {
		ids[i], fences[i] = c.sub.Task.ID, c.sub.fence
	}
	err := s.inTx(ctx, func(t *txn) error {
		moved, err := t.st.TaskSettleSubmittedMany(ctx, ids, fences, domain.ActorWorker)
		if err != nil {
			return err
		}
		byID := make(map[domain.ID]*domain.Task, len(moved))
		for _, m := range moved {
			byID[m.ID] = m
		}
		var jobs []Job
		for _, c := range calls {
			task := byID[c.sub.Task.ID]
			if task == nil {
				// Taken back meanwhile (the sweeper paused it): River
				// completes the job when the worker returns.
				s.log.Warn("lost the task while settling it; another actor moved it", zap.Stringer("task_id", c.sub.Task.ID))
				continue
			}
			s.moved(t, task, domain.StateSubmitting, domain.StateSubmitted, domain.ActorWorker, "")
			if c.sub.job != nil {
				jobs = append(jobs, c.sub.job)
			}
		}
		return completeJobs(ctx, t, jobs)
	})
	for _, c := range calls {
		c.err, c.alone = nil, err != nil
	}
}
