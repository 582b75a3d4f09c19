package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type proc struct {
	name string
	cmd  *exec.Cmd
	out  *os.File
	done chan struct{} // closed when the process has exited
}

// start runs bin/applyq-<name> against the bench database with env.
func (b *bench) start(name string, env ...string) (*proc, error) {
	cmd := exec.Command(filepath.Join(b.bin, "applyq-"+name)) // #nosec G204 -- runs one of this module's built binaries
	return b.run(name, cmd, env)
}

// startNaive runs a worker of the naive pipeline (naive.go) in a process of
// its own, as the applyq worker runs in one: this binary again, with
// naiveWorkerFlag.
func (b *bench) startNaive(env ...string) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, naiveWorkerFlag) // #nosec G204 -- re-runs this very binary
	return b.run("naive-worker", cmd, env)
}

func (b *bench) run(name string, cmd *exec.Cmd, env []string) (*proc, error) {
	logf, err := os.CreateTemp("", "applyq-bench-"+name+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), append([]string{"APPLYQ_DATABASE_URL=" + b.dbURL, "APPLYQ_LOG_LEVEL=warn",
		"APPLYQ_WORKER_ADMIN_ADDR=" + envOr("APPLYQ_BENCH_WORKER_ADMIN", "127.0.0.1:0"), "APPLYQ_SWEEPER_ADMIN_ADDR=127.0.0.1:0",
		"APPLYQ_HTTP_ADMIN_ADDR=127.0.0.1:0"}, env...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		_ = os.Remove(logf.Name())
		return nil, fmt.Errorf("starting %s (run `make build` first): %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: logf, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// pid is the process's id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited says, when the process has ended, how, with the end of its log.
func (p *proc) exited() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	log, _ := os.ReadFile(p.out.Name())
	if len(log) > 2000 {
		log = log[len(log)-2000:]
	}
	return fmt.Errorf("%s exited early (%s):\n%s", p.name, p.cmd.ProcessState, log)
}

// stop sends SIGTERM and waits.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	_ = p.out.Close()
	_ = os.Remove(p.out.Name()) // a leftover temp log is harmless
}

// peakRSS reads the process's high-water resident set (VmHWM) in MiB.
func (p *proc) peakRSS() (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM")
}

// workerEnv are the worker settings of the throughput runs, with a pool of
// benchMaxConns connections.
func workerEnv(extra ...string) []string {
	return workerEnvConns(benchMaxConns, extra...)
}

// workerEnvConns is workerEnv with a pool of conns connections.
func workerEnvConns(conns int, extra ...string) []string {
	return append([]string{"APPLYQ_WORKER_CONCURRENCY=" + strconv.Itoa(benchConcurrency),
		"APPLYQ_WORKER_FETCH_COOLDOWN=" + benchFetchCooldown.String(), "APPLYQ_WORKER_FETCH_POLL_INTERVAL=" + benchPoll.String(),
		"APPLYQ_DATABASE_MAX_CONNS=" + strconv.Itoa(conns)}, extra...)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
