package tasks_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

type bundle struct {
	db   *postgres.DB
	svc  *tasks.Service
	user *domain.User
	run  *domain.Run
}

func setup(t *testing.T) *bundle {
	t.Helper()
	db := pgtest.MustDB(t)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	svc := taskstest.MustService(t, db, tasks.Options{})
	return &bundle{db: db, svc: svc, user: user, run: pgtest.MustRun(t, db, user, pgtest.RunOpts{})}
}

func TestMove_AllPairs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	jobs := pgtest.MustJobs(t, b.db, b.user, len(domain.AllStates)*len(domain.AllStates))
	res := taskstest.MustAdd(t, b.db, b.user, b.run, jobs)
	require.Len(t, res.Queued, 81)

	n := 0
	for _, from := range domain.AllStates {
		for _, to := range domain.AllStates {
			taskID := res.Queued[n].TaskID
			n++
			fence := pgtest.MustForceState(t, b.db, taskID, from)
			before := pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1`, taskID)

			m := postgres.Move{TaskID: taskID, From: from, To: to, Actor: "test", Reason: "pair"}
			if to == domain.StateInProgress {
				m.LeaseToken, m.LeaseOwner = domain.NewID(), "test"
			}
			if from == domain.StateInProgress || from == domain.StateSubmitting {
				m.Fence = fence
			}
			got, err := b.svc.MoveOnce(ctx, m)
			after := pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1`, taskID)

			if domain.CanMove(from, to, m.Reason) { // paused/failed → submitted only for applied_by_hand: refused here
				require.NoError(t, err, "%s → %s", from, to)
				require.Equal(t, to, got.State)
				require.Equal(t, to, pgtest.MustTaskState(t, b.db, taskID))
				require.Equal(t, before+1, after, "%s → %s writes one transition row", from, to)
				var phaseSet bool
				require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT `+phaseColumnFor(to)+` IS NOT NULL FROM application_tasks WHERE id = $1`, taskID).Scan(&phaseSet))
				require.True(t, phaseSet, "phase timestamp for %s", to)
				var row struct{ from, to, actor, reason string }
				require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT from_state, to_state, actor, reason FROM task_transitions WHERE task_id = $1 ORDER BY id DESC LIMIT 1`, taskID).
					Scan(&row.from, &row.to, &row.actor, &row.reason))
				require.Equal(t, struct{ from, to, actor, reason string }{string(from), string(to), "test", "pair"}, row)
			} else {
				var te *domain.TransitionError
				require.True(t, errors.As(err, &te), "%s → %s: want TransitionError, got %v", from, to, err)
				require.True(t, te.Illegal)
				require.Equal(t, domain.EILLEGALTRANSITION, domain.ErrorCode(err))
				require.Equal(t, from, pgtest.MustTaskState(t, b.db, taskID), "illegal move changes nothing")
				require.Equal(t, before, after, "illegal move writes no transition row")
			}
		}
	}
}

func phaseColumnFor(s domain.State) string {
	return map[domain.State]string{
		"queued": "queued_at", "in_progress": "started_at", "awaiting_approval": "awaiting_approval_at",
		"approved": "approved_at", "submitting": "submitting_at", "submitted": "submitted_at",
		"paused": "paused_at", "failed": "failed_at", "cancelled": "cancelled_at",
	}[s]
}

func TestMove_RaceHasOneWinner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 20))

	for _, q := range res.Queued {
		const racers = 4
		var wg sync.WaitGroup
		errs := make([]error, racers)
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = b.svc.MoveOnce(ctx, postgres.Move{TaskID: q.TaskID, From: domain.StateQueued, To: domain.StateInProgress,
					Actor: "racer", LeaseToken: domain.NewID(), LeaseOwner: "racer"})
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			var te *domain.TransitionError
			require.True(t, errors.As(err, &te), "loser gets a TransitionError, got %v", err)
			require.False(t, te.Illegal)
			require.Equal(t, domain.ESTATECONFLICT, domain.ErrorCode(err))
			require.Equal(t, domain.StateInProgress, te.Current)
		}
		require.Equal(t, 1, wins)
		require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM task_transitions WHERE task_id = $1 AND to_state = 'in_progress'`, q.TaskID))
		require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT attempts FROM application_tasks WHERE id = $1`, q.TaskID))
	}
}

func TestMove_FenceRefusesStaleLease(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1))
	taskID := res.Queued[0].TaskID
	pgtest.MustForceState(t, b.db, taskID, domain.StateInProgress)

	_, err := b.svc.MoveOnce(ctx, postgres.Move{TaskID: taskID, From: domain.StateInProgress, To: domain.StateSubmitting, Actor: "stale", Fence: domain.NewID()})
	require.Equal(t, domain.ESTATECONFLICT, domain.ErrorCode(err))
	require.Equal(t, domain.StateInProgress, pgtest.MustTaskState(t, b.db, taskID))
}

func TestMove_UnknownTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.svc.MoveOnce(ctx, postgres.Move{TaskID: domain.NewID(), From: domain.StatePaused, To: domain.StateQueued, Actor: "x"})
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
}
