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
	cmd *exec.Cmd
	out *os.File
}

// start runs bin/applyq-<name> against the bench database with env.
func (b *bench) start(name string, env ...string) (*proc, error) {
	logf, err := os.CreateTemp("", "applyq-bench-"+name+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(b.bin, "applyq-"+name)) // #nosec G204 -- runs one of this module's built binaries
	cmd.Env = append(os.Environ(), append([]string{"APPLYQ_DATABASE_URL=" + b.dbURL, "APPLYQ_LOG_LEVEL=warn",
		"APPLYQ_WORKER_ADMIN_ADDR=" + envOr("APPLYQ_BENCH_WORKER_ADMIN", "127.0.0.1:0"), "APPLYQ_SWEEPER_ADMIN_ADDR=127.0.0.1:0",
		"APPLYQ_HTTP_ADMIN_ADDR=127.0.0.1:0"}, env...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (run `make build` first): %w", name, err)
	}
	return &proc{cmd: cmd, out: logf}, nil
}

// stop sends SIGTERM and waits.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
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

// workerEnv are the worker settings of the throughput runs.
func workerEnv(extra ...string) []string {
	return append([]string{"APPLYQ_WORKER_CONCURRENCY=" + strconv.Itoa(benchConcurrency),
		"APPLYQ_WORKER_FETCH_COOLDOWN=" + benchFetchCooldown.String(), "APPLYQ_WORKER_FETCH_POLL_INTERVAL=" + benchPoll.String(),
		"APPLYQ_DATABASE_MAX_CONNS=40"}, extra...)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
