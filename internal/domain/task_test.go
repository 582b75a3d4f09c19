package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

func TestCanTransition_MatchesDesignTable(t *testing.T) {
	t.Parallel()
	// The table of design.md, written out independently of the code's map.
	allowed := map[[2]domain.State]bool{}
	for from, tos := range map[domain.State][]domain.State{
		"queued":            {"in_progress", "cancelled"},
		"in_progress":       {"awaiting_approval", "submitting", "queued", "paused", "failed", "cancelled"},
		"awaiting_approval": {"approved", "cancelled", "paused"},
		"approved":          {"submitting", "cancelled"},
		"submitting":        {"submitted", "failed", "queued", "paused"},
		"paused":            {"queued", "cancelled", "submitted"}, // → submitted: applied by hand only (TestCanMove_AppliedByHandOnly)
		"failed":            {"queued", "cancelled", "submitted"},
	} {
		for _, to := range tos {
			allowed[[2]domain.State{from, to}] = true
		}
	}
	require.Len(t, allowed, 23)
	for _, from := range domain.AllStates {
		for _, to := range domain.AllStates {
			require.Equal(t, allowed[[2]domain.State{from, to}], domain.CanTransition(from, to), "%s → %s", from, to)
		}
	}
}

func TestState_Terminal(t *testing.T) {
	t.Parallel()
	for _, s := range domain.AllStates {
		require.Equal(t, len(domain.NextStates(s)) == 0, s.Terminal(), s)
	}
}

func TestParseState(t *testing.T) {
	t.Parallel()
	for _, s := range domain.AllStates {
		got, err := domain.ParseState(string(s))
		require.NoError(t, err)
		require.Equal(t, s, got)
	}
	_, err := domain.ParseState("done")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Contains(t, domain.ErrorMessage(err), "awaiting_approval")
}

func TestTransitionError_Codes(t *testing.T) {
	t.Parallel()
	illegal := &domain.TransitionError{From: "submitted", To: "queued", Illegal: true}
	require.Equal(t, domain.EILLEGALTRANSITION, domain.ErrorCode(illegal))
	require.Equal(t, "submitted", domain.ErrorDetails(illegal)["current_state"], "an illegal move reports the state it was judged from")
	race := &domain.TransitionError{From: "queued", To: "in_progress", Current: "cancelled"}
	require.Equal(t, domain.ESTATECONFLICT, domain.ErrorCode(race))
	require.Equal(t, "cancelled", domain.ErrorDetails(race)["current_state"])
}

func TestCanMove_AppliedByHandOnly(t *testing.T) {
	t.Parallel()
	for _, from := range []domain.State{domain.StatePaused, domain.StateFailed} {
		require.True(t, domain.CanMove(from, domain.StateSubmitted, domain.ReasonAppliedByHand), from)
		for _, r := range []domain.Reason{"", domain.ReasonResumed, domain.ReasonSubmissionOutcomeUnknown, "pair"} {
			require.False(t, domain.CanMove(from, domain.StateSubmitted, r), "%s → submitted for %q", from, r)
		}
	}
	// Every other move is the table's, whatever the reason.
	for _, from := range domain.AllStates {
		for _, to := range domain.AllStates {
			if to == domain.StateSubmitted && (from == domain.StatePaused || from == domain.StateFailed) {
				continue
			}
			require.Equal(t, domain.CanTransition(from, to), domain.CanMove(from, to, "any"), "%s → %s", from, to)
		}
	}
	require.False(t, domain.CanMove(domain.StateCancelled, domain.StateSubmitted, domain.ReasonAppliedByHand))
}

func TestTask_NeedsYouAndResumeWall(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		state    domain.State
		reason   domain.Reason
		needsYou bool
		wall     bool
	}{
		{domain.StatePaused, domain.ReasonNeedsUser, true, true},
		{domain.StatePaused, domain.ReasonSubmissionOutcomeUnknown, true, false},
		{domain.StateFailed, domain.ReasonSubmissionOutcomeUnknown, true, false},
		{domain.StateCancelled, domain.ReasonPostingClosed, false, true}, // nothing left to do on a cancelled one
		{domain.StateFailed, domain.ReasonPostingClosed, true, true},
		{domain.StatePaused, domain.ReasonApprovalExpired, false, false},
		{domain.StatePaused, domain.ReasonNeedsAnswer, false, false},
		{domain.StateFailed, domain.ReasonAttemptsExhausted, false, false},
	} {
		task := &domain.Task{State: c.state, StateReason: c.reason}
		require.Equal(t, c.needsYou, task.NeedsYou(), "%s/%s", c.state, c.reason)
		require.Equal(t, c.wall, domain.ResumeWall(task, nil) != "", "%s/%s", c.state, c.reason)
	}
	closed := time.Now()
	require.Contains(t, domain.ResumeWall(&domain.Task{State: domain.StateFailed}, &domain.JobPosting{ClosedAt: &closed}), "no longer lists")
}
