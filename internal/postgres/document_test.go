package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// newDocument is a document's metadata as the service would insert it.
func newDocument(user *domain.User, kind domain.DocumentKind, content string) *domain.Document {
	id, sum := domain.NewID(), sha256.Sum256([]byte(content))
	return &domain.Document{ID: id, UserID: user.ID, Kind: kind, Name: "CV " + content, Filename: "cv.pdf",
		ContentType: domain.ContentTypePDF, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), BlobKey: domain.DocumentBlobKey(user.ID, id)}
}

// The store keeps metadata, its sha256 as the hex the domain speaks, makes
// the first of a kind the default when asked, lists what is not deleted
// newest first, reads a deleted one by id, and answers another user's ids
// as not found.
func TestDocumentStore_InsertGetListDefaultDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	insert := func(kind domain.DocumentKind, content string) *domain.Document {
		t.Helper()
		var out *domain.Document
		require.NoError(t, postgres.InTx(ctx, b.db.Pool, func(tx pgx.Tx) error {
			st := b.db.WithTx(tx)
			if err := st.DocumentLockKind(ctx, b.user.ID, kind); err != nil {
				return err
			}
			var err error
			out, err = st.DocumentInsert(ctx, newDocument(b.user, kind, content), true)
			return err
		}, nil))
		return out
	}
	first := insert(domain.DocumentResume, "one")
	require.True(t, first.IsDefault, "the first résumé is the default")
	sum := sha256.Sum256([]byte("one"))
	require.Equal(t, hex.EncodeToString(sum[:]), first.SHA256)
	second := insert(domain.DocumentResume, "two")
	require.False(t, second.IsDefault)
	letter := insert(domain.DocumentCoverLetter, "three")
	require.True(t, letter.IsDefault, "defaults are per kind")

	all, err := b.db.DocumentList(ctx, b.user.ID, nil)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{letter.ID, second.ID, first.ID}, ids(all), "newest first")
	kind := domain.DocumentResume
	resumes, err := b.db.DocumentList(ctx, b.user.ID, &kind)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{second.ID, first.ID}, ids(resumes))

	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err = b.db.DocumentGet(ctx, other.ID, first.ID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	_, err = b.db.DocumentSetDefault(ctx, other.ID, second.ID, domain.DocumentResume)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	_, err = b.db.DocumentSoftDelete(ctx, other.ID, first.ID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))

	got, err := b.db.DocumentSetDefault(ctx, b.user.ID, second.ID, domain.DocumentResume)
	require.NoError(t, err)
	require.True(t, got.IsDefault)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM documents WHERE user_id = $1 AND kind = 'resume' AND is_default`, b.user.ID))

	// The database refuses a second default of a kind, whatever the caller.
	_, err = b.db.Pool.Exec(ctx, `UPDATE documents SET is_default = true WHERE id = $1`, first.ID)
	require.ErrorContains(t, err, "documents_one_default_idx")

	deleted, err := b.db.DocumentSoftDelete(ctx, b.user.ID, second.ID)
	require.NoError(t, err)
	require.NotNil(t, deleted.DeletedAt)
	require.False(t, deleted.IsDefault, "a deleted document is no default")
	_, err = b.db.DocumentSoftDelete(ctx, b.user.ID, second.ID)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "deleted once")
	_, err = b.db.DocumentSetDefault(ctx, b.user.ID, second.ID, domain.DocumentResume)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "a deleted document cannot become the default")
	read, err := b.db.DocumentGet(ctx, b.user.ID, second.ID)
	require.NoError(t, err, "a deleted document is still readable by id")
	require.Equal(t, "CV two", read.Name)
	require.NotNil(t, read.DeletedAt)
	require.Nil(t, read.ContentDeletedAt)
	require.NoError(t, b.db.DocumentContentDeleted(ctx, second.ID))
	read, err = b.db.DocumentGet(ctx, b.user.ID, second.ID)
	require.NoError(t, err)
	require.NotNil(t, read.ContentDeletedAt)
	resumes, err = b.db.DocumentList(ctx, b.user.ID, &kind)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{first.ID}, ids(resumes), "the list leaves deleted ones out")
	require.False(t, resumes[0].IsDefault, "nothing is promoted when the default is deleted")
}

// mustCarried stores a résumé of the user's and returns it with a packet
// that carries it.
func mustCarried(t *testing.T, b *bundle) (*domain.Document, string) {
	t.Helper()
	doc := newDocument(b.user, domain.DocumentResume, "cv")
	_, err := b.db.DocumentInsert(context.Background(), doc, false)
	require.NoError(t, err)
	return doc, `{"documents":[{"document_id":"` + doc.ID.String() + `","sha256":"` + doc.SHA256 + `"}]}`
}

// A document counts as in a packet while a task that carries it awaits
// approval or is approved, and from the moment it entered submitting
// (whatever it became since) — by the task's packet or its approval
// request's — and only for its owner.
func TestDocumentStore_InPacket(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	doc, carrying := mustCarried(t, b)
	jobs := pgtest.MustJobs(t, b.db, b.user, 2)
	task := func(job domain.ID, state domain.State, packet string) domain.ID {
		id := domain.NewID()
		_, err := b.db.Pool.Exec(ctx, `INSERT INTO application_tasks (id, user_id, run_id, job_id, state, packet) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, b.user.ID, b.run.ID, job, state, packet)
		require.NoError(t, err)
		return id
	}
	inPacket := func() bool {
		in, err := b.db.DocumentInPacket(ctx, b.user.ID, doc.ID)
		require.NoError(t, err)
		return in
	}
	id := task(jobs[0], domain.StateQueued, carrying)
	require.False(t, inPacket(), "a queued task sends nothing yet")
	for _, st := range []domain.State{domain.StateCancelled, domain.StatePaused, domain.StateFailed} {
		pgtest.MustForceState(t, b.db, id, st)
		require.False(t, inPacket(), "%s, never submitting", st)
	}
	for _, st := range []domain.State{domain.StateAwaitingApproval, domain.StateApproved, domain.StateSubmitting, domain.StateSubmitted} {
		pgtest.MustForceState(t, b.db, id, st)
		require.True(t, inPacket(), st)
	}
	pgtest.MustForceState(t, b.db, id, domain.StatePaused)
	require.True(t, inPacket(), "paused after submitting (outcome unknown, say): its packet may have left")
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	in, err := b.db.DocumentInPacket(ctx, other.ID, doc.ID)
	require.NoError(t, err)
	require.False(t, in)

	// The approval request's packet counts too (the task's own may differ).
	_, err = b.db.Pool.Exec(ctx, `DELETE FROM application_tasks WHERE id = $1`, id)
	require.NoError(t, err)
	waiting := task(jobs[1], domain.StateAwaitingApproval, `{"documents":[]}`)
	require.False(t, inPacket())
	_, err = b.db.Pool.Exec(ctx, `INSERT INTO approval_requests (id, task_id, user_id, token_hash, packet, expires_at)
		VALUES ($1, $2, $3, $4, $5, now() + interval '20 minutes')`, domain.NewID(), waiting, b.user.ID, make([]byte, 32), carrying)
	require.NoError(t, err)
	require.True(t, inPacket())
}

// everyReason is every reason a task can carry, and none.
var everyReason = []domain.Reason{"", domain.ReasonAddedToRun, domain.ReasonAnswered, domain.ReasonResumed, domain.ReasonRetry,
	domain.ReasonWorkerLost, domain.ReasonDailyLimit, domain.ReasonPlatformPacing, domain.ReasonApprovedViaNotification,
	domain.ReasonApprovedViaResync, domain.ReasonApprovedViaPoll, domain.ReasonApprovedViaJob, domain.ReasonApprovedWithEdits,
	domain.ReasonNeedsCode, domain.ReasonSubmissionOutcomeUnknown, domain.ReasonApprovalExpired, domain.ReasonPreparationFailed,
	domain.ReasonNeedsAnswer, domain.ReasonNeedsUser, domain.ReasonAttemptsExhausted, domain.ReasonRejectedByReceiver,
	domain.ReasonPacketUnreadable, domain.ReasonRejected, domain.ReasonAlreadyApplied, domain.ReasonCancelledByUser,
	domain.ReasonRunCancelled, domain.ReasonPostingClosed}

// A document stays in a packet — its bytes kept as the evidence of what
// was sent — for every task whose packet left or may have left (it entered
// submitting once: sent, paused as "check what was sent", failed by the
// receiver, whatever it became since), and for every task whose packet is
// on its way (awaiting approval, approved), in every state and with every
// reason; a packet that never went is not evidence.
func TestDocumentStore_InPacketEveryStateAndReason(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	doc, carrying := mustCarried(t, b)
	id := pgtest.MustTask(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)[0]).ID
	onItsWay := map[domain.State]bool{domain.StateAwaitingApproval: true, domain.StateApproved: true,
		domain.StateSubmitting: true, domain.StateSubmitted: true}
	for _, st := range domain.AllStates {
		for _, reason := range everyReason {
			for _, entered := range []bool{false, true} { // whether the task ever entered submitting
				_, err := b.db.Pool.Exec(ctx, `UPDATE application_tasks SET state = $2, state_reason = $3, packet = $4,
					submitting_at = CASE WHEN $5 THEN now() END WHERE id = $1`, id, st, string(reason), carrying, entered)
				require.NoError(t, err)
				in, err := b.db.DocumentInPacket(ctx, b.user.ID, doc.ID)
				require.NoError(t, err)
				require.Equal(t, entered || onItsWay[st], in, "state %s, reason %q, entered submitting: %v", st, reason, entered)
			}
		}
	}
}

func ids(docs []*domain.Document) []domain.ID {
	out := make([]domain.ID, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}
