package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/failpoint"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/proctest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestFailpoints_WorkerKilledAfterTheSubmitClick: a real worker process
// fills a Greenhouse form (the replica) in Chromium and is SIGKILLed after
// the submit click, before it reads the platform's answer: at once (the
// request may or may not have left the browser), or once the platform
// received the application. Its browsers die with it; the sweeper and a
// fresh worker leave the task paused as submission_outcome_unknown and
// never submit it again.
func TestFailpoints_WorkerKilledAfterTheSubmitClick(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		failpoint string
		wantSent  int // -1: zero or one
	}{
		{"at the click", "kill", -1},
		{"once the platform received it", "sleep:1m", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			killedAfterClick(t, c.failpoint, c.wantSent)
		})
	}
}

func killedAfterClick(t *testing.T, action string, wantSent int) {
	ctx := context.Background()
	j := replica.Job{Board: "acme", ID: "4012345", Title: "Backend Engineer"}
	gh := replica.New(domain.PlatformGreenhouse, j, replica.Variant{})
	t.Cleanup(gh.Close)
	db, user, run, job, env := greenhouseApplicant(t, gh)
	doomed := proctest.Start(t, "worker", append(env, "APPLYQ_FAILPOINT_"+failpoint.AfterSubmitClick+"="+action))
	doomed.WaitForOutput(t, "worker started", 30*time.Second)
	browsers := watchChildren(t, doomed.PID())
	taskID := taskstest.MustAdd(t, db, user, run, []domain.ID{job.ID}).Queued[0].TaskID
	if wantSent == 1 {
		waitFor(t, 60*time.Second, "the platform to receive the application", func() bool { return len(gh.Submissions()) == 1 })
		doomed.Signal(t, syscall.SIGKILL)
	}
	require.Equal(t, -1, doomed.Wait(t, 60*time.Second), "killed after the click")
	pids := browsers()
	require.NotEmpty(t, pids, "the worker had started Chromium")
	for _, pid := range pids {
		require.Eventually(t, func() bool { return proctest.Gone(pid) }, 10*time.Second, 50*time.Millisecond, "Chromium %d died with its worker", pid)
	}
	sent := len(gh.Submissions())
	require.LessOrEqual(t, sent, 1)

	fresh := proctest.Start(t, "worker", env)
	fresh.WaitForOutput(t, "worker started", 30*time.Second)
	_, err := newSweeper(t, db, func() time.Time { return time.Now().Add(time.Minute) }).RunOnce(ctx)
	require.NoError(t, err)
	waitFor(t, 30*time.Second, "the task paused, outcome unknown", func() bool {
		return pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'submission_outcome_unknown'`, taskID) == 1
	})
	// The dead worker's job stays "running" until River's rescuer, whose
	// run finds the task paused and leaves it: nothing else waits to run it.
	require.Zero(t, pgtest.MustCount(t, db, `SELECT count(*) FROM river_job WHERE args->>'task_id' = $1
		AND state IN ('available', 'scheduled', 'retryable', 'pending')`, taskID.String()), "no job waits to run it")
	require.Len(t, gh.Submissions(), sent, "never submitted again")
	if wantSent >= 0 {
		require.Equal(t, wantSent, sent)
	}
}

// greenhouseApplicant is a database with a user who has a profile, a
// résumé (in a blob store of the test's) and a run, the posting gh serves
// pasted as their job, and the environment of a worker process that
// applies to it in Chromium.
func greenhouseApplicant(t *testing.T, gh *replica.Server) (*postgres.DB, *domain.User, *domain.Run, *domain.JobPosting, []string) {
	t.Helper()
	chromium := chromiumPath(t)
	ctx := context.Background()
	j := gh.Job()
	dbURL := pgtest.MustDatabaseURL(t)
	db := storeFor(t, dbURL)
	blobURL := documentstest.FileURL(t.TempDir())
	blobs, err := blob.Open(ctx, blobURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = blobs.Close() })
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	_, err = db.UpdateProfile(ctx, user.ID, domain.Profile{Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace"}, 100)
	require.NoError(t, err)
	_, err = documents.New(documents.Options{Pool: db.Pool, Blobs: blobs}).Upload(ctx, user.ID, "resume", "CV", "ada.pdf",
		bytes.NewReader(documentstest.PDF("Ada Lovelace")))
	require.NoError(t, err)
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	url := "https://job-boards.greenhouse.io/" + j.Board + "/jobs/" + j.ID
	key, err := (&domain.JobInput{URL: url, Company: "Acme", Title: j.Title}).Normalize()
	require.NoError(t, err)
	job, _, err := db.JobPostingInsertOrGet(ctx, postgres.JobPostingInsert{UserID: user.ID, CanonicalKey: key,
		URL: url, Company: "Acme", Title: j.Title, Raw: []byte(`{}`)})
	require.NoError(t, err)
	env := processEnv(dbURL, "APPLYQ_APPLIERS_PLATFORMS=greenhouse", "APPLYQ_APPLIERS_GREENHOUSE_BASE_URL="+gh.URL(),
		"APPLYQ_APPLIERS_BROWSER_CHROMIUM="+chromium, "APPLYQ_APPLIERS_BROWSER_DEADLINE=2m", "APPLYQ_BLOB_URL="+blobURL)
	return db, user, run, job, env
}

// watchChildren records, until the test ends, the Chromium processes whose
// parent is pid; the func returns those seen so far.
func watchChildren(t *testing.T, pid int) func() []int {
	var mu sync.Mutex
	seen := map[int]bool{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			for _, child := range chromiumChildrenOf(pid) {
				mu.Lock()
				seen[child] = true
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		out := make([]int, 0, len(seen))
		for p := range seen {
			out = append(out, p)
		}
		return out
	}
}

// chromiumChildrenOf lists the Chromium processes whose parent is pid.
func chromiumChildrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:]) // state ppid …
		var child int
		if len(fields) > 1 && fields[1] == fmt.Sprint(pid) && strings.Contains(strings.ToLower(s[open+1:end]), "chrom") {
			if _, err := fmt.Sscan(e.Name(), &child); err == nil {
				out = append(out, child)
			}
		}
	}
	return out
}

// TestFailpoints_WorkerKilledWhileItWaitsForTheCode: a real worker process
// submits a Greenhouse application whose form answers with the mailed
// security-code step, and is SIGKILLed while its page waits for the code.
// Its browsers die with it; the sweeper pauses the task needs_user — the
// code was never typed, so Greenhouse did not complete the application —
// and a fresh worker never submits it again by itself.
func TestFailpoints_WorkerKilledWhileItWaitsForTheCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	j := replica.Job{Board: "acme", ID: "4012399", Title: "Backend Engineer"}
	gh := replica.New(domain.PlatformGreenhouse, j, replica.Variant{Live: true, SecurityCode: true})
	t.Cleanup(gh.Close)
	db, user, run, job, env := greenhouseApplicant(t, gh)
	doomed := proctest.Start(t, "worker", env)
	doomed.WaitForOutput(t, "worker started", 30*time.Second)
	browsers := watchChildren(t, doomed.PID())
	taskID := taskstest.MustAdd(t, db, user, run, []domain.ID{job.ID}).Queued[0].TaskID
	waitFor(t, 2*time.Minute, "the page to wait for the code", func() bool {
		return pgtest.MustCount(t, db, `SELECT count(*) FROM task_codes WHERE task_id = $1 AND closed_at IS NULL`, taskID) == 1
	})
	require.Len(t, gh.MailedCodes(), 1, "Greenhouse mailed its code")
	doomed.Signal(t, syscall.SIGKILL)
	require.Equal(t, -1, doomed.Wait(t, 60*time.Second), "killed while it waited")
	pids := browsers()
	require.NotEmpty(t, pids, "the worker had started Chromium")
	for _, pid := range pids {
		require.Eventually(t, func() bool { return proctest.Gone(pid) }, 10*time.Second, 50*time.Millisecond, "Chromium %d died with its worker", pid)
	}

	fresh := proctest.Start(t, "worker", env)
	fresh.WaitForOutput(t, "worker started", 30*time.Second)
	_, err := newSweeper(t, db, func() time.Time { return time.Now().Add(time.Minute) }).RunOnce(ctx)
	require.NoError(t, err)
	waitFor(t, 30*time.Second, "the task paused for its user", func() bool {
		return pgtest.MustCount(t, db, `SELECT count(*) FROM application_tasks WHERE id = $1 AND state = 'paused' AND state_reason = 'needs_user'
			AND last_error LIKE '%the code was never typed%'`, taskID) == 1
	})
	// Its job is still "running" (the dead worker's): River's rescuer runs
	// it again much later, and that run finds the task paused and leaves
	// it. Nothing else is waiting to run it.
	require.Zero(t, pgtest.MustCount(t, db, `SELECT count(*) FROM river_job WHERE args->>'task_id' = $1
		AND state IN ('available', 'scheduled', 'retryable', 'pending')`, taskID.String()), "no job waits to run it: it waits for its user")
	require.Len(t, gh.Submissions(), 1, "the first step only: never submitted again")
	require.Empty(t, gh.Accepted(), "never completed")
}
