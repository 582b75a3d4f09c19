package handoff_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/handoff"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

type bundle struct {
	db   *postgres.DB
	svc  *handoff.Service
	user *domain.User
	task domain.ID
}

func setup(t *testing.T) *bundle {
	t.Helper()
	db := pgtest.MustDB(t)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	task := pgtest.MustTask(t, db, user, run, pgtest.MustJobs(t, db, user, 1)[0])
	return &bundle{db: db, svc: handoff.New(db.Pool, zaptest.NewLogger(t)), user: user, task: task.ID}
}

func (b *bundle) open(t *testing.T, window time.Duration) {
	t.Helper()
	_, err := b.svc.Open(context.Background(), b.task, b.user.ID, "worker-1", window)
	require.NoError(t, err)
}

// viewing opens the hand-off, shows its first frame and makes "page-a"
// its viewer.
func (b *bundle) viewing(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	b.open(t, time.Minute)
	_, err := b.svc.PutFrame(ctx, b.task, frame(1))
	require.NoError(t, err)
	_, err = b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-a")
	require.NoError(t, err)
}

func frame(fill byte) domain.HandoffFrame {
	return domain.HandoffFrame{Width: 800, Height: 600, MIME: "image/jpeg", Data: bytes.Repeat([]byte{fill}, 1000)}
}

func click(x, y float64) domain.HandoffInput {
	return domain.HandoffInput{Kind: domain.InputMouse, Type: "down", Button: "left", X: x, Y: y}
}

// TestFrames_WrittenInPlace: a hand-off keeps one frame row whatever the
// number of frames; the sequence grows and a viewer reads only newer ones.
func TestFrames_WrittenInPlace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.open(t, time.Minute)
	for i := 1; i <= 5; i++ {
		seq, err := b.svc.PutFrame(ctx, b.task, frame(byte(i)))
		require.NoError(t, err)
		require.Equal(t, int64(i), seq)
	}
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_frames WHERE task_id = $1`, b.task))
	f, err := b.svc.Frame(ctx, b.task, b.user.ID, 0)
	require.NoError(t, err)
	require.Equal(t, int64(5), f.Seq)
	require.Equal(t, bytes.Repeat([]byte{5}, 1000), f.Data)
	none, err := b.svc.Frame(ctx, b.task, b.user.ID, 5)
	require.NoError(t, err)
	require.Nil(t, none, "nothing newer than the frame the viewer has")
}

// TestFrames_Bounded: a frame over the size bound, of another kind or size
// is refused before it reaches the database; the database refuses an
// oversized one too.
func TestFrames_Bounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.open(t, time.Minute)
	big := frame(1)
	big.Data = make([]byte, domain.MaxHandoffFrameBytes+1)
	_, err := b.svc.PutFrame(ctx, b.task, big)
	require.Equal(t, domain.ETOOLARGE, domain.ErrorCode(err))
	gif := frame(1)
	gif.MIME = "image/gif"
	_, err = b.svc.PutFrame(ctx, b.task, gif)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	huge := frame(1)
	huge.Width = 10000
	_, err = b.svc.PutFrame(ctx, b.task, huge)
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	_, _, err = b.db.HandoffFramePut(ctx, b.task, big)
	require.Error(t, err, "the table's own check refuses an oversized frame")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_frames`))
}

// TestOpen_OneAtATime: a task has one hand-off at a time; once ended, a
// new one may open (a resumed task meeting a challenge again).
func TestOpen_OneAtATime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.open(t, time.Minute)
	_, err := b.svc.Open(ctx, b.task, b.user.ID, "worker-2", time.Minute)
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err))
	require.NoError(t, b.svc.End(ctx, b.task, "submitted"))
	h, err := b.svc.Open(ctx, b.task, b.user.ID, "worker-2", time.Minute)
	require.NoError(t, err)
	require.Equal(t, "worker-2", h.Owner)
	require.True(t, h.Live)
}

// TestViewer_OneAtATime: one viewing page at a time; the same page renews;
// another gets in once the first's lease ran out.
func TestViewer_OneAtATime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.open(t, time.Minute)
	_, err := b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-a")
	require.NoError(t, err)
	_, err = b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-b")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "a second window is refused while the first views")
	_, err = b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-a")
	require.NoError(t, err, "the same window renews")
	// The first window's lease runs out (as if it stopped renewing).
	_, err = b.db.Pool.Exec(ctx, `UPDATE handoffs SET viewer_until = now() - interval '1 second' WHERE task_id = $1`, b.task)
	require.NoError(t, err)
	_, err = b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-b")
	require.NoError(t, err)
}

// TestAnotherUser_SeesNothing: another user's requests answer as for an
// unknown task: no frame, no claim, no input.
func TestAnotherUser_SeesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.viewing(t)
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err := b.svc.Frame(ctx, b.task, other.ID, 0)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	_, err = b.svc.ClaimViewer(ctx, b.task, other.ID, "page-x")
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	_, err = b.svc.PushInput(ctx, b.task, other.ID, "page-a", click(10, 10))
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	_, err = b.svc.PushInput(ctx, b.task, other.ID, "page-a", click(5000, 10))
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err), "not even the page's size is told to another user")
	f, err := b.db.HandoffFrameGet(ctx, b.task, other.ID, 0)
	require.NoError(t, err)
	require.Nil(t, f, "the store's own guard: another user reads no frame")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_inputs`))
}

// TestInput_OnlyTheViewerAndOnlyWhatThePageTakes: input comes from the
// current viewer only, after the first frame, inside the frame, of a
// closed set of kinds and keys, short text.
func TestInput_OnlyTheViewerAndOnlyWhatThePageTakes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.open(t, time.Minute)
	_, err := b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-a")
	require.NoError(t, err)
	_, err = b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", click(10, 10))
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "no input before the page is shown")
	_, err = b.svc.PutFrame(ctx, b.task, frame(1))
	require.NoError(t, err)

	_, err = b.svc.PushInput(ctx, b.task, b.user.ID, "page-b", click(10, 10))
	require.Equal(t, domain.ECONFLICT, domain.ErrorCode(err), "only the viewing window acts")
	for name, in := range map[string]domain.HandoffInput{
		"outside the frame": click(800, 10),
		"negative":          click(-1, 10),
		"unknown kind":      {Kind: "navigate", X: 1, Y: 1},
		"unknown button":    {Kind: domain.InputMouse, Type: "down", Button: "back", X: 1, Y: 1},
		"a shortcut key":    {Kind: domain.InputKey, Key: "F12"},
		"long text":         {Kind: domain.InputText, Text: strings.Repeat("a", domain.MaxHandoffText+1)},
		"no text":           {Kind: domain.InputText},
		"a huge scroll":     {Kind: domain.InputWheel, X: 1, Y: 1, DeltaY: 5000},
	} {
		_, err := b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", in)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), name)
	}
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_inputs`))

	sent := []domain.HandoffInput{click(799, 599), {Kind: domain.InputKey, Key: "Enter"}, {Kind: domain.InputText, Text: "ABC123"},
		{Kind: domain.InputWheel, X: 5, Y: 5, DeltaY: 300}}
	for _, in := range sent {
		_, err := b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", in)
		require.NoError(t, err)
	}
	got, err := b.svc.Inputs(ctx, b.task, 0)
	require.NoError(t, err)
	require.Len(t, got, len(sent))
	for i, in := range got {
		require.Equal(t, sent[i].Kind, in.Kind)
		require.Equal(t, sent[i].X, in.X)
		require.Equal(t, sent[i].Key, in.Key)
		require.Equal(t, sent[i].Text, in.Text)
		require.Equal(t, sent[i].DeltaY, in.DeltaY)
	}
	rest, err := b.svc.Inputs(ctx, b.task, got[1].ID)
	require.NoError(t, err)
	require.Len(t, rest, 2, "the worker reads on from the last input it replayed")
}

// TestInput_RateBounded: the 51st input within a second is refused with a
// Retry-After.
func TestInput_RateBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.viewing(t)
	// 49 inputs this instant (written at once, so a slow machine cannot
	// spread them over more than a second), then the 50th and 51st.
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO handoff_inputs (task_id, kind, payload, at)
		SELECT $1, 'key', '{"key":"Tab"}', now() FROM generate_series(1, $2)`, b.task, domain.MaxHandoffInputsPerSecond-1)
	require.NoError(t, err)
	_, err = b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", domain.HandoffInput{Kind: domain.InputKey, Key: "Tab"})
	require.NoError(t, err, "the 50th input of the second is taken")
	_, err = b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", domain.HandoffInput{Kind: domain.InputKey, Key: "Tab"})
	require.Equal(t, domain.ERATELIMITED, domain.ErrorCode(err), "the 51st is refused")
	require.Equal(t, domain.MaxHandoffInputsPerSecond, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_inputs`))
	// A second later the page takes input again.
	_, err = b.db.Pool.Exec(ctx, `UPDATE handoff_inputs SET at = at - interval '2 seconds'`)
	require.NoError(t, err)
	_, err = b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", domain.HandoffInput{Kind: domain.InputKey, Key: "Tab"})
	require.NoError(t, err)
}

// TestNotify_FramesAndInput: each frame and each input is announced on the
// hand-off channel with its task and sequence.
func TestNotify_FramesAndInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	conn, err := b.db.Pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "LISTEN "+domain.HandoffChannel)
	require.NoError(t, err)
	next := func() string {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		n, err := conn.Conn().WaitForNotification(wctx)
		require.NoError(t, err)
		require.Equal(t, domain.HandoffChannel, n.Channel)
		return n.Payload
	}
	b.open(t, time.Minute)
	seq, err := b.svc.PutFrame(ctx, b.task, frame(1))
	require.NoError(t, err)
	require.Equal(t, "frame:"+b.task.String()+":1", next())
	require.Equal(t, int64(1), seq)
	_, err = b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-a")
	require.NoError(t, err)
	id, err := b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", click(1, 1))
	require.NoError(t, err)
	require.Equal(t, "input:"+b.task.String()+":"+strconv.FormatInt(id, 10), next())
}

// TestEnd_DeletesAndRefuses: ending deletes the frame and the input, keeps
// why, is idempotent, and an ended hand-off takes no frame, no viewer and
// no input.
func TestEnd_DeletesAndRefuses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.viewing(t)
	_, err := b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", click(1, 1))
	require.NoError(t, err)

	require.NoError(t, b.svc.End(ctx, b.task, "the person left"))
	require.NoError(t, b.svc.End(ctx, b.task, "the window closed"), "ending twice is fine")
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_frames`))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_inputs`))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoffs WHERE end_reason = 'the person left' AND viewer IS NULL`))

	_, err = b.svc.PutFrame(ctx, b.task, frame(2))
	require.Equal(t, domain.EGONE, domain.ErrorCode(err))
	_, err = b.svc.ClaimViewer(ctx, b.task, b.user.ID, "page-a")
	require.Equal(t, domain.EGONE, domain.ErrorCode(err))
	_, err = b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", click(1, 1))
	require.Equal(t, domain.EGONE, domain.ErrorCode(err))
	_, err = b.svc.Frame(ctx, b.task, b.user.ID, 0)
	require.Equal(t, domain.EGONE, domain.ErrorCode(err))
}

// TestExpired_PastTheWindow: a hand-off past its window is not live (no
// frame is taken) and is listed for the sweeper until ended.
func TestExpired_PastTheWindow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.open(t, time.Minute)
	run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	live := pgtest.MustTask(t, b.db, b.user, run, pgtest.MustJobs(t, b.db, b.user, 1)[0])
	_, err := b.svc.Open(ctx, live.ID, b.user.ID, "worker-1", time.Hour)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `UPDATE handoffs SET opened_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE task_id = $1`, b.task)
	require.NoError(t, err)

	_, err = b.svc.PutFrame(ctx, b.task, frame(1))
	require.Equal(t, domain.EGONE, domain.ErrorCode(err), "past its window the page is not shown")
	expired, err := b.svc.Expired(ctx, 10)
	require.NoError(t, err)
	require.Len(t, expired, 1)
	require.Equal(t, b.task, expired[0].TaskID)
	require.NoError(t, b.svc.End(ctx, b.task, "the hand-off window closed"))
	expired, err = b.svc.Expired(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, expired)
}

// TestOpen_OnlyTheTasksOwnPerson: a hand-off opens for the task's own
// person only; another user's id answers as an unknown task.
func TestOpen_OnlyTheTasksOwnPerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	_, err := b.svc.Open(context.Background(), b.task, other.ID, "worker-1", time.Minute)
	require.Equal(t, domain.ENOTFOUND, domain.ErrorCode(err))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoffs`))
}

// TestInput_RateBoundedUnderConcurrentPushes: pushes arriving together
// are counted one after another, so no more than the bound get in.
func TestInput_RateBoundedUnderConcurrentPushes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.viewing(t)
	// 40 inputs stamped a few seconds ahead: they count as recent for the
	// whole test, however slow the machine.
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO handoff_inputs (task_id, kind, payload, at)
		SELECT $1, 'key', '{"key":"Tab"}', now() + interval '30 seconds' FROM generate_series(1, 40)`, b.task)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var accepted, limited atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.svc.PushInput(ctx, b.task, b.user.ID, "page-a", domain.HandoffInput{Kind: domain.InputKey, Key: "Tab"})
			switch domain.ErrorCode(err) {
			case "":
				accepted.Add(1)
			case domain.ERATELIMITED:
				limited.Add(1)
			default:
				t.Errorf("push: %v", err)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(domain.MaxHandoffInputsPerSecond-40), accepted.Load())
	require.Equal(t, int32(20-(domain.MaxHandoffInputsPerSecond-40)), limited.Load())
}

// TestEnd_NoFrameOutlivesIt: a frame written while the hand-off ends waits
// for the end and is refused; nothing is left behind.
func TestEnd_NoFrameOutlivesIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.viewing(t)
	tx, err := b.db.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = b.db.WithTx(tx).HandoffEnd(ctx, b.task, "the person left")
	require.NoError(t, err)
	put := make(chan error, 1)
	go func() {
		_, err := b.svc.PutFrame(ctx, b.task, frame(2))
		put <- err
	}()
	select {
	case err := <-put:
		t.Fatalf("the frame did not wait for the end under way: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, domain.EGONE, domain.ErrorCode(<-put))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM handoff_frames`))
}
