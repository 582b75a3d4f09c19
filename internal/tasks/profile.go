package tasks

import (
	"context"

	"github.com/applyq/applyq/internal/domain"
)

// ProfileResult is what a profile change did.
type ProfileResult struct {
	User *domain.User
	// Resumed counts the tasks queued again: every question they waited
	// for (a profile field among them) is answered now.
	Resumed int
}

// UpdateProfile changes the user's profile and daily limit: only the
// fields the update sets, on the row as it is now (locked: a concurrent
// change of other fields is kept, never overwritten by a stale copy). A
// profile field a paused task waits for (a profile:* question) answers
// it, as answering does: a task whose every question is then answered is
// queued again, boosted. EINVALID names each bad field, and nothing
// changes. Lock order: the user's row, then tasks in id order.
func (s *Service) UpdateProfile(ctx context.Context, userID domain.ID, up domain.ProfileUpdate, actor string) (*ProfileResult, error) {
	out := &ProfileResult{}
	err := s.inTx(ctx, func(t *txn) error {
		*out = ProfileResult{}
		u, err := t.st.GetUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		p, limit, set := up.Apply(u)
		if err := p.Validate(limit); err != nil {
			return err
		}
		if out.User, err = t.st.UpdateProfile(ctx, userID, p, limit); err != nil {
			return err
		}
		for _, field := range set {
			keys := []string{domain.ProfileKeyPrefix + field}
			if field == "name" {
				keys = append(keys, domain.ProfileKeyPrefix+"full_name")
			}
			for _, key := range keys {
				res := &AnswerResult{}
				if err := s.resumeAnswered(ctx, t, userID, key, actor, res); err != nil {
					return err
				}
				out.Resumed += res.Resumed
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
