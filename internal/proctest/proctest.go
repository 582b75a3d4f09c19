// Package proctest builds applyq's binaries once per test process and runs
// them as real processes, so tests can send signals (SIGTERM, SIGKILL) and
// read their logs.
package proctest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FailpointTag is the build tag that compiles failpoints in (see package
// failpoint).
const FailpointTag = "failpoint"

// build is one go build, done once per test process.
type build struct {
	once sync.Once
	dir  string
	err  error
}

func (b *build) run(tb testing.TB, args ...string) string {
	tb.Helper()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "applyq-bin-")
		if b.err != nil {
			return
		}
		cmd := exec.Command("go", append([]string{"build", "-o", b.dir + string(os.PathSeparator)}, args...)...) // #nosec G204 -- builds this module's own binaries into a temp dir
		cmd.Dir = moduleRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if b.err != nil {
		tb.Fatalf("proctest: %v", b.err)
	}
	return b.dir
}

var (
	testBuild     build
	releaseMu     sync.Mutex
	releaseBuilds = map[string]*build{}
)

// moduleRoot finds the directory holding go.mod.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// MustBuild builds every daemon, with failpoints compiled in, into a
// temporary directory and returns it.
func MustBuild(tb testing.TB) string {
	tb.Helper()
	return testBuild.run(tb, "-tags", FailpointTag, "./cmd/...")
}

// MustBuildRelease builds daemon name ("worker", …) as make build does,
// without failpoints, into a directory of its own and returns the binary's
// path. Only tests that check what a release binary does need it.
func MustBuildRelease(tb testing.TB, name string) string {
	tb.Helper()
	releaseMu.Lock()
	b, ok := releaseBuilds[name]
	if !ok {
		b = &build{}
		releaseBuilds[name] = b
	}
	releaseMu.Unlock()
	return filepath.Join(b.run(tb, "./cmd/"+name), name)
}

// Proc is a running daemon.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

// Start runs binary name ("api", "worker", "sweeper", "migrate"), built by
// MustBuild, with env (KEY=VALUE entries added to the test's environment)
// and args. The process is killed when the test ends if it is still running.
func Start(tb testing.TB, name string, env []string, args ...string) *Proc {
	tb.Helper()
	return StartBinary(tb, filepath.Join(MustBuild(tb), name), env, args...)
}

// StartBinary is Start for the binary at path (from MustBuildRelease).
func StartBinary(tb testing.TB, path string, env []string, args ...string) *Proc {
	tb.Helper()
	name := filepath.Base(path)
	cmd := exec.Command(path, args...) // #nosec G204 -- runs one of this module's binaries with test-chosen arguments
	cmd.Env = append(os.Environ(), env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("proctest: starting %s: %v", name, err)
	}
	p := &Proc{Name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	tb.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if tb.Failed() {
			tb.Logf("--- %s output ---\n%s", name, p.Output())
		}
	})
	return p
}

// PID is the process's id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Proc) Signal(tb testing.TB, sig syscall.Signal) {
	tb.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		tb.Fatalf("proctest: signalling %s: %v", p.Name, err)
	}
}

// Wait waits up to d for the process to exit and returns its exit code.
func (p *Proc) Wait(tb testing.TB, d time.Duration) int {
	tb.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		tb.Fatalf("proctest: %s did not exit within %s\n%s", p.Name, d, p.Output())
	}
	if p.err == nil {
		return 0
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	tb.Fatalf("proctest: %s: %v", p.Name, p.err)
	return -1
}

// Output returns everything the process wrote so far.
func (p *Proc) Output() string { return p.out.String() }

// WaitForOutput waits up to d for substr to appear in the output.
func (p *Proc) WaitForOutput(tb testing.TB, substr string, d time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(p.Output(), substr) {
		if time.Now().After(deadline) {
			tb.Fatalf("proctest: %s did not print %q within %s\n%s", p.Name, substr, d, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FreeAddr returns a free loopback address for a server to listen on.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("proctest: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Gone reports whether no process has pid, not even a zombie.
func Gone(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return os.IsNotExist(err)
}
