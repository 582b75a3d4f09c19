package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/domain"
)

// The browser applier step: one worker process fills a local replica of
// Greenhouse's hosted form as it is live (the Live variant: the invisible
// reCAPTCHA Enterprise badge, the Apply button, React comboboxes, the
// résumé's upload chip) in headless Chromium, with 1 then 2 browsers;
// every task first reads the form (form discovery: a pasted posting
// publishes none), then fills and submits it. The bench reads
// applications per minute, the memory each browser costs and how long a
// form takes to read. A last run asks for approval and answers with the
// mailed security-code step: it reads how soon after the approval the
// task asks for the code, and gives each code as its applicant would.
// Everything stays on 127.0.0.1: the replica runs in this process and the
// worker only ever opens the address it is given.

const (
	// browserBoard and browserPostingID name the one Greenhouse posting every
	// bench applicant applies to. A replica serves one posting, and applyq
	// applies once per user to a job, so the K applications are K users who
	// each pasted the same link: K different applicants, one replica.
	browserBoard     = "acme"
	browserPostingID = "4012345"
	// browserConcurrency is the worker's River slots in this step: the
	// default worker.concurrency, more than the browsers so that the next
	// application is always ready, and few enough that tasks wait in
	// River's queue, not for a browser inside the applier's deadline.
	browserConcurrency = 10
	// browserSample is how often the Chromium processes' memory is read.
	browserSample = 200 * time.Millisecond
)

// browserRuns are the browsers per worker process the step measures, and
// the applications of each run: enough for a rate over tens of seconds,
// few enough that the step stays under 3 minutes on 2 cores. The code run
// approves each application and gives the security code it asks for.
var browserRuns = []struct {
	browsers, apps int
	code           bool
}{{1, 30, false}, {2, 40, false}, {1, 10, true}}

// benchResume is the résumé every bench applicant uploads: the smallest
// document domain.SniffDocument takes as a PDF.
var benchResume = []byte("%PDF-1.4\n% applyq bench résumé\n%%EOF\n")

// browserApplier measures the browser applier with each of browserRuns.
// Without Chromium the step is left out (and says so), as the Postgres CPU
// rows are without a local server.
func (b *bench) browserApplier(ctx context.Context) error {
	path, err := browser.FindChromium()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: browser applier not measured:", err)
		return nil
	}
	// Documents live in a blob store the bench and the worker share, as the
	// API and the worker share blob.url.
	dir, err := os.MkdirTemp("", "applyq-bench-blobs-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	blobURL := (&url.URL{Scheme: "file", Path: dir, RawQuery: "create_dir=true&no_tmp_dir=true"}).String()
	store, err := blob.Open(ctx, blobURL)
	if err != nil {
		return err
	}
	defer store.Close()
	// The API's documents service, without OnDefault: the résumé is uploaded
	// before the user has a task, so no task waits for it.
	docs := documents.New(documents.Options{Pool: b.pool, Blobs: store, Log: b.log})
	for _, r := range browserRuns {
		if err := b.browserRun(ctx, docs, blobURL, path, r.browsers, r.apps, r.code); err != nil {
			return fmt.Errorf("%d browser(s): %w", r.browsers, err)
		}
	}
	return b.resetTasks(ctx) // leave no bench applicant to a later step
}

// seedApplicants creates n users, each with the profile and default
// résumé the Greenhouse form requires, a run (asking for approval when
// approve) and the pasted posting postingURL added to it, through the
// services the API uses. It returns the run ids.
func (b *bench) seedApplicants(ctx context.Context, docs *documents.Service, n int, postingURL string, approve bool) ([]domain.ID, error) {
	runs := make([]domain.ID, 0, n)
	for i := range n {
		userID := domain.NewID()
		if _, err := b.pool.Exec(ctx, `INSERT INTO users (id, email, profile, daily_submission_limit) VALUES ($1, $2, '{}', 10000)`,
			userID, fmt.Sprintf("applicant-%d-%s@example.test", i, userID)); err != nil {
			return nil, fmt.Errorf("user: %w", err)
		}
		profile := domain.Profile{Name: fmt.Sprintf("Bench Applicant %d", i), FirstName: "Bench", LastName: fmt.Sprintf("Applicant %d", i), Phone: "+1 555 0100"}
		if err := profile.Validate(10000); err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		if _, err := b.db.UpdateProfile(ctx, userID, profile, 10000); err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		if _, err := docs.Upload(ctx, userID, string(domain.DocumentResume), "", "resume.pdf", bytes.NewReader(benchResume)); err != nil {
			return nil, fmt.Errorf("résumé: %w", err)
		}
		run, err := b.svc.CreateRun(ctx, userID, domain.RunCreate{Name: "bench browser", CoverLetterTemplate: "Dear {{.company}}, I am {{.name}}.", RequiresApproval: approve})
		if err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
		out, err := b.svc.IngestJobs(ctx, userID, []domain.JobInput{{URL: postingURL, Company: "Acme", Title: "Software Engineer"}})
		if err != nil {
			return nil, fmt.Errorf("posting: %w", err)
		}
		if out[0].Error != nil || out[0].Status != domain.IngestCreated {
			return nil, fmt.Errorf("posting %s: %s %v", postingURL, out[0].Status, out[0].Error)
		}
		if want := "greenhouse:" + browserBoard + ":" + browserPostingID; out[0].Job.CanonicalKey != want {
			return nil, fmt.Errorf("posting %s has key %q, not %q: the browser would not fill it", postingURL, out[0].Job.CanonicalKey, want)
		}
		if _, err := b.svc.AddJobs(ctx, userID, run.ID, []domain.ID{out[0].Job.ID}, "bench"); err != nil {
			return nil, fmt.Errorf("adding the posting: %w", err)
		}
		runs = append(runs, run.ID)
	}
	return runs, nil
}

// browserRun seeds apps applicants, starts one worker process with
// `browsers` browsers against a fresh Greenhouse replica, and waits until
// every task is submitted and the replica took every application, while
// sampling the memory of the worker's Chromium processes.
func (b *bench) browserRun(ctx context.Context, docs *documents.Service, blobURL, chromiumPath string, browsers, apps int, code bool) error {
	if err := b.resetTasks(ctx); err != nil {
		return err
	}
	// The live form, no custom question: each application is first name,
	// last name, email, phone and the résumé, all required but the phone,
	// and the optional location combobox, left blank.
	srv := replica.New(domain.PlatformGreenhouse, replica.Job{Board: browserBoard, ID: browserPostingID}, replica.Variant{Live: true, SecurityCode: code})
	defer srv.Close()
	runs, err := b.seedApplicants(ctx, docs, apps, "https://boards.greenhouse.io/"+browserBoard+"/jobs/"+browserPostingID, code)
	if err != nil {
		return err
	}
	// The worker's own temporary directory: the browsers' profiles and the
	// files of the uploads go there, and must all be gone once it stopped.
	tmp, err := os.MkdirTemp("", "applyq-bench-worker-tmp-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cpuBefore, err := machineCPU()
	if err != nil {
		return err
	}
	p, err := b.start("worker", "TMPDIR="+tmp, "APPLYQ_WORKER_CONCURRENCY="+strconv.Itoa(browserConcurrency), "APPLYQ_BLOB_URL="+blobURL,
		"APPLYQ_APPLIERS_PLATFORMS=greenhouse", "APPLYQ_APPLIERS_GREENHOUSE_BASE_URL="+srv.URL(),
		"APPLYQ_APPLIERS_BROWSER_CHROMIUM="+chromiumPath, "APPLYQ_APPLIERS_BROWSER_MAX_BROWSERS="+strconv.Itoa(browsers),
		// Info lines carry each form read's duration.
		"APPLYQ_LOG_LEVEL=info", "APPLYQ_LOG_FORMAT=json",
		// Pacing protects real platforms; here it would measure the limit, not the browser.
		"APPLYQ_APPLIERS_PER_PLATFORM_PER_MINUTE=10000", "APPLYQ_APPLIERS_PER_EMPLOYER_PER_HOUR=10000")
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			p.stop()
		}
	}()
	mem := newChromiumMeter(p.pid())
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() { defer close(sampled); mem.run(sampleCtx) }()
	defer func() { stopSampling(); <-sampled }()

	deadline := time.Now().Add(4 * time.Minute)
	for {
		n, err := b.count(ctx, `SELECT count(*) FROM application_tasks WHERE run_id = ANY($1) AND state = 'submitted'`, runs)
		if err != nil {
			return err
		}
		if n == apps {
			break
		}
		if code {
			if err := b.approveAndGiveCodes(ctx, runs, srv); err != nil {
				return err
			}
			// One application at a time: the prompt's latency, not the
			// queue for the one browser (a page waiting for its code
			// holds its browser).
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err := b.browserFailures(ctx, runs, p); err != nil {
			return err
		}
		if err := p.exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d applications submitted in 4 minutes; %s\nworker log:\n%s", n, apps, b.taskStates(ctx, runs), logTail(p))
		}
		time.Sleep(200 * time.Millisecond)
	}
	cpuAfter, err := machineCPU()
	if err != nil {
		return err
	}
	stopSampling()
	<-sampled
	if err := mem.failed(); err != nil {
		return err
	}
	// Every task submitted, and the platform got each application once:
	// no POST refused, none sent twice, one per applicant (with the code
	// step, each application is two POSTs: the form, then its code).
	subs, accepted := srv.Submissions(), srv.Accepted()
	if code {
		return b.codeRows(ctx, runs, apps, subs, accepted)
	}
	emails := map[string]bool{}
	for _, s := range accepted {
		if len(s.Fields["email"]) == 1 && len(s.Files["resume"]) == 1 {
			emails[s.Fields["email"][0]] = true
		}
	}
	if len(subs) != apps || len(accepted) != apps || len(emails) != apps {
		return fmt.Errorf("%d tasks submitted, but the replica received %d applications, accepted %d, from %d applicants with a résumé",
			apps, len(subs), len(accepted), len(emails))
	}
	var secs float64
	if err := b.pool.QueryRow(ctx, `SELECT extract(epoch FROM max(submitted_at) - min(started_at))
		FROM application_tasks WHERE run_id = ANY($1)`, runs).Scan(&secs); err != nil {
		return err
	}
	rss, err := p.peakRSS()
	if err != nil {
		return err
	}
	reads := formReads(p) // before stop removes the log
	p.stop()
	stopped = true
	if err := mem.gone(10 * time.Second); err != nil {
		return err
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("the worker's TMPDIR: %w", err)
	}
	// Nothing of the worker's browsers may be left: applyq's profiles and
	// uploads, and Chromium's own temporary files, which the pool keeps
	// inside each profile.
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if len(names) > 0 {
		return fmt.Errorf("the worker left %s in its TMPDIR after it stopped (browser profiles, uploads, Chromium's temporary files)", strings.Join(names, ", "))
	}
	b.add(row{Name: fmt.Sprintf("browser applier: applications per minute, 1 worker process, %d browser(s)", browsers), Value: float64(apps) / secs * 60,
		Unit: "applications/min", Note: fmt.Sprintf("%d applications in %.1f s (Greenhouse's live form: invisible reCAPTCHA badge, comboboxes, upload chip; each read first, then filled and submitted; Chromium start-up included); nothing left in the worker's TMPDIR", apps, secs)})
	if len(reads) > 0 {
		b.add(row{Name: fmt.Sprintf("browser applier: form discovery per posting p50, %d browser(s)", browsers), Value: percentile(reads, 0.5).Seconds(), Unit: "s",
			Note: fmt.Sprintf("p99 %.2f s over %d read(s): opening the hosted form, reading every field, opening each combobox for its options (nothing typed); one read serves every applicant of the posting while fresh", percentile(reads, 0.99).Seconds(), len(reads))})
	}
	peak, procs, source := mem.peakMiB()
	b.add(row{Name: fmt.Sprintf("browser applier: peak memory per concurrent browser, %d browser(s)", browsers), Value: peak / float64(browsers), Unit: "MiB",
		Note: fmt.Sprintf("%s of every Chromium process (browser, renderers, GPU, zygote) at peak: %.0f MiB over %d processes, sampled every %s; RSS counts shared pages N times",
			source, peak, procs, browserSample)})
	busy := cpuAfter.busyCores(cpuBefore)
	b.add(row{Name: fmt.Sprintf("browser applier: machine CPU busy, %d browser(s)", browsers), Value: busy, Unit: "cores",
		Note: fmt.Sprintf("of %d: every process (worker, Chromium, Postgres, this bench), from the worker's start to the last submission", runtime.NumCPU())})
	b.add(row{Name: fmt.Sprintf("browser applier: worker peak RSS, %d browser(s)", browsers), Value: rss, Unit: "MiB", Note: "the worker process alone (VmHWM), its browsers not included"})
	return nil
}

// browserFailures fails the run when a task ended anywhere but submitted
// (paused for its user, failed, cancelled), with why and the worker's log:
// a bench of the browser applier reports its failures, never a lower rate.
func (b *bench) browserFailures(ctx context.Context, runs []domain.ID, p *proc) error {
	rows, err := b.pool.Query(ctx, `SELECT id, state, state_reason, last_error FROM application_tasks
		WHERE run_id = ANY($1) AND state IN ('paused', 'failed', 'cancelled') ORDER BY id LIMIT 5`, runs)
	if err != nil {
		return err
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var id domain.ID
		var state, reason, lastErr string
		if err := rows.Scan(&id, &state, &reason, &lastErr); err != nil {
			return err
		}
		bad = append(bad, fmt.Sprintf("task %s %s (%s): %s", id, state, reason, lastErr))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("applications did not go through; %s\n%s\nworker log:\n%s", b.taskStates(ctx, runs), strings.Join(bad, "\n"), logTail(p))
}

// taskStates counts the run's tasks by state, for an error message.
func (b *bench) taskStates(ctx context.Context, runs []domain.ID) string {
	rows, err := b.pool.Query(ctx, `SELECT state::text || ': ' || count(*) FROM application_tasks WHERE run_id = ANY($1) GROUP BY state ORDER BY state`, runs)
	if err != nil {
		return "task states unknown: " + err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "task states unknown: " + err.Error()
		}
		out = append(out, s)
	}
	return "tasks by state: " + strings.Join(out, ", ")
}

// logTail is the end of a running process's log.
func logTail(p *proc) string {
	log, _ := os.ReadFile(p.out.Name())
	if len(log) > 4000 {
		log = log[len(log)-4000:]
	}
	return string(log)
}

// chromiumMeter samples the memory of the Chromium processes a worker
// started: every process whose parent chain leads to the worker and whose
// command name holds "chrom" (the browser, its zygotes, renderers, GPU and
// utility processes, the crash handler).
type chromiumMeter struct {
	worker int

	mu       sync.Mutex
	peak     float64 // MiB, the largest sum of one sample
	procs    int     // processes in that sample
	seen     map[int]string
	fallback bool // some process's smaps_rollup was unreadable: its VmRSS was used
	err      error
}

func newChromiumMeter(worker int) *chromiumMeter {
	return &chromiumMeter{worker: worker, seen: map[int]string{}}
}

// run samples every browserSample until ctx ends.
func (m *chromiumMeter) run(ctx context.Context) {
	t := time.NewTicker(browserSample)
	defer t.Stop()
	for {
		if err := m.sample(); err != nil {
			m.mu.Lock()
			m.err = err
			m.mu.Unlock()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sample reads every Chromium process of the worker once. Processes come
// and go between the walk and the reads (a renderer per application): one
// that is gone by then is left out of the sample.
func (m *chromiumMeter) sample() error {
	pids, err := m.chromiumPIDs()
	if err != nil {
		return err
	}
	var sum float64
	var n int
	fallback := false
	for pid, comm := range pids {
		kb, pss, err := processMemory(pid)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNoMemory) {
			continue // exited meanwhile
		}
		if err != nil {
			return err
		}
		sum += kb / 1024
		n++
		fallback = fallback || !pss
		m.mu.Lock()
		m.seen[pid] = comm
		m.mu.Unlock()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fallback = m.fallback || fallback
	if sum > m.peak {
		m.peak, m.procs = sum, n
	}
	return nil
}

// chromiumPIDs walks /proc for the worker's Chromium processes, by pid
// with their command names.
func (m *chromiumMeter) chromiumPIDs() (map[int]string, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	all := map[int]procStat{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil { // gone since ReadDir otherwise
			all[pid] = st
		}
	}
	out := map[int]string{}
	for pid, st := range all {
		if !strings.Contains(st.comm, "chrom") {
			continue
		}
		// Up the parent chain to the worker; the length bound guards against
		// a loop made of pids reused between two reads.
		for p, depth := st.ppid, 0; p > 1 && depth < 64; p, depth = all[p].ppid, depth+1 {
			if p == m.worker {
				out[pid] = st.comm
				break
			}
			if _, ok := all[p]; !ok {
				break
			}
		}
	}
	return out, nil
}

var errNoMemory = errors.New("no memory figure")

// processMemory reads a process's proportional set size (Pss, from
// /proc/<pid>/smaps_rollup: each shared page divided among the processes
// that share it) in kB, or, when that file is unreadable, its VmRSS from
// /proc/<pid>/status (pss false).
func processMemory(pid int) (kb float64, pss bool, err error) {
	if kb, err := memField(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss:"); err == nil {
		return kb, true, nil
	}
	kb, err = memField(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:")
	return kb, false, err
}

// memField reads the "<field> <n> kB" line of a /proc file.
func memField(path, field string) (float64, error) {
	f, err := os.Open(path) // #nosec G304 -- a /proc file of a pid this bench found
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			return strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: %w", path, errNoMemory) // a zombie's status has no VmRSS
}

// failed is the error that stopped sampling, if any.
func (m *chromiumMeter) failed() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return fmt.Errorf("reading the Chromium processes' memory: %w", m.err)
	}
	if len(m.seen) == 0 {
		return errors.New("no Chromium process of the worker was ever seen")
	}
	return nil
}

// peakMiB is the peak sum, the processes it counted, and what was summed.
func (m *chromiumMeter) peakMiB() (float64, int, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fallback {
		return m.peak, m.procs, "Pss (VmRSS where smaps_rollup was unreadable)"
	}
	return m.peak, m.procs, "Pss"
}

// gone waits until no Chromium process the meter saw is left after the
// worker stopped: its browsers die with it (the pool's Close, and
// Pdeathsig). It names the ones still there after wait.
func (m *chromiumMeter) gone(wait time.Duration) error {
	m.mu.Lock()
	seen := make(map[int]string, len(m.seen))
	for pid, comm := range m.seen {
		seen[pid] = comm
	}
	m.mu.Unlock()
	for end := time.Now().Add(wait); ; {
		var left []string
		for pid, comm := range seen {
			// A pid reused by another program since is not a leftover.
			if st, err := readStat(pid); err == nil && st.comm == comm {
				left = append(left, fmt.Sprintf("%d (%s)", pid, comm))
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(end) {
			sort.Strings(left)
			return fmt.Errorf("%d Chromium process(es) left after the worker stopped: %s", len(left), strings.Join(left, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cpuTimes is the first line of /proc/stat: the machine's CPU time, all
// cores, in clock ticks.
type cpuTimes struct{ busy, total int64 }

// machineCPU reads the machine's CPU time so far.
func machineCPU() (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var t cpuTimes
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("/proc/stat: %w", err)
		}
		t.total += n
		// Idle and iowait are idle; steal counts as busy (the core had
		// work, the hypervisor ran another guest); guest time is already
		// in user and nice, so it is not counted twice.
		switch i {
		case 3, 4:
		case 8, 9:
			t.total -= n
		default:
			t.busy += n
		}
	}
	return t, nil
}

// busyCores is the cores kept busy on average since before.
func (t cpuTimes) busyCores(before cpuTimes) float64 {
	total := t.total - before.total
	if total <= 0 {
		return 0
	}
	return float64(t.busy-before.busy) / float64(total) * float64(runtime.NumCPU())
}

// formReads are the durations of the worker's form reads, from its log
// lines ("read the hosted form", JSON, with "took").
func formReads(p *proc) []time.Duration {
	f, err := os.Open(p.out.Name())
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []time.Duration
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg  string          `json:"msg"`
			Took json.RawMessage `json:"took"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "read the hosted form" {
			continue
		}
		var secs float64
		var text string
		switch {
		case json.Unmarshal(line.Took, &secs) == nil:
			out = append(out, time.Duration(secs*float64(time.Second)))
		case json.Unmarshal(line.Took, &text) == nil:
			if d, err := time.ParseDuration(text); err == nil {
				out = append(out, d)
			}
		}
	}
	return out
}

// approveAndGiveCodes does what the code run's applicants do, one
// application at a time: approve the next one waiting for its user once
// none is on its way, and give each form that waits for its security code
// the code the replica mailed to that applicant.
func (b *bench) approveAndGiveCodes(ctx context.Context, runs []domain.ID, srv *replica.Server) error {
	rows, err := b.pool.Query(ctx, `SELECT t.id, t.user_id FROM application_tasks t WHERE t.run_id = ANY($1) AND t.state = 'awaiting_approval'`, runs)
	if err != nil {
		return err
	}
	type pair struct{ task, user domain.ID }
	var waiting []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.task, &p.user); err != nil {
			rows.Close()
			return err
		}
		waiting = append(waiting, p)
	}
	rows.Close()
	busy, err := b.count(ctx, `SELECT count(*) FROM application_tasks WHERE run_id = ANY($1) AND state IN ('approved', 'submitting')`, runs)
	if err != nil {
		return err
	}
	if busy == 0 && len(waiting) > 0 {
		p := waiting[0]
		if _, err := b.svc.DecideTask(ctx, p.user, p.task, domain.DecisionApprove, "bench"); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
			return fmt.Errorf("approving %s: %w", p.task, err)
		}
	}
	rows, err = b.pool.Query(ctx, `SELECT c.task_id, c.user_id, c.address FROM task_codes c JOIN application_tasks t ON t.id = c.task_id
		WHERE t.run_id = ANY($1) AND c.closed_at IS NULL AND c.code IS NULL AND c.given_at IS NULL`, runs)
	if err != nil {
		return err
	}
	type ask struct {
		pair
		address string
	}
	var asks []ask
	for rows.Next() {
		var a ask
		if err := rows.Scan(&a.task, &a.user, &a.address); err != nil {
			rows.Close()
			return err
		}
		asks = append(asks, a)
	}
	rows.Close()
	mailed := map[string]string{}
	for _, m := range srv.MailedCodes() {
		mailed[m.Address] = m.Code // the latest code each applicant got
	}
	for _, a := range asks {
		code, ok := mailed[a.address]
		if !ok {
			continue // not mailed yet (the form answers a moment later)
		}
		if err := b.svc.GiveCode(ctx, a.user, a.task, code); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
			return fmt.Errorf("giving the code of %s: %w", a.task, err)
		}
	}
	return nil
}

// codeRows checks the code run (each applicant accepted once, with the
// code mailed to them) and adds its rows: how soon after its approval each
// task asked for the mailed code.
func (b *bench) codeRows(ctx context.Context, runs []domain.ID, apps int, subs, accepted []replica.Submission) error {
	emails := map[string]bool{}
	for _, s := range accepted {
		if len(s.Fields["email"]) == 1 && len(s.Fields["security_code"]) == 1 {
			emails[s.Fields["email"][0]] = true
		}
	}
	if len(subs) != 2*apps || len(accepted) != apps || len(emails) != apps {
		return fmt.Errorf("%d tasks submitted, but the replica received %d POSTs (want %d: the form, then its code), accepted %d, from %d applicants with a code",
			apps, len(subs), 2*apps, len(accepted), len(emails))
	}
	rows, err := b.pool.Query(ctx, `SELECT c.asked_at - a.decided_at FROM task_codes c
		JOIN application_tasks t ON t.id = c.task_id JOIN approval_requests a ON a.task_id = t.id AND a.status = 'approved'
		WHERE t.run_id = ANY($1)`, runs)
	if err != nil {
		return err
	}
	defer rows.Close()
	var waits []time.Duration
	for rows.Next() {
		var d time.Duration
		if err := rows.Scan(&d); err != nil {
			return err
		}
		waits = append(waits, d)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(waits) != apps {
		return fmt.Errorf("%d of %d tasks asked for a code after their approval", len(waits), apps)
	}
	b.add(row{Name: "browser applier: approval → security code prompt p50", Value: percentile(waits, 0.5).Seconds(), Unit: "s",
		Note: fmt.Sprintf("p99 %.2f s over %d applications, 1 browser: approved one at a time, from the approval's commit to the task asking for the code Greenhouse's form said it mailed (the worker wakes on NOTIFY, opens and fills the live form, submits, reads the code step); each then given its code and accepted once",
			percentile(waits, 0.99).Seconds(), apps)})
	return nil
}
