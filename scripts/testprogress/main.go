// Command testprogress reads `go test -json` on its standard input and
// shows `make test`'s progress: a line when each package starts and ends,
// what still runs every 30 seconds, the whole output of a package that
// failed, and a summary. It exits 1 when a package failed or did not
// build, so the recipe fails with it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type progress struct {
	out   io.Writer
	start time.Time

	mu      sync.Mutex
	running map[string]time.Time // package → when it started
	output  map[string]*strings.Builder
	passed  int
	failed  []string
	skipped int
}

func newProgress(out io.Writer, now time.Time) *progress {
	return &progress{out: out, start: now, running: map[string]time.Time{}, output: map[string]*strings.Builder{}}
}

func (p *progress) stamp(now time.Time) string {
	d := now.Sub(p.start).Round(time.Second)
	return fmt.Sprintf("[%02d:%02d]", int(d.Minutes()), int(d.Seconds())%60)
}

// line handles one input line at now.
func (p *progress) line(raw []byte, now time.Time) {
	var e event
	if json.Unmarshal(raw, &e) != nil || e.Action == "" {
		p.mu.Lock()
		fmt.Fprintf(p.out, "%s\n", raw) // not test2json: a message of go itself
		p.mu.Unlock()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pkg := e.Package
	switch {
	case e.Action == "start":
		p.running[pkg] = now
	case e.Action == "output" || e.Action == "build-output":
		b := p.output[pkg]
		if b == nil {
			b = &strings.Builder{}
			p.output[pkg] = b
		}
		b.WriteString(e.Output)
	case e.Action == "build-fail":
		p.failed = append(p.failed, pkg+" (build)")
		fmt.Fprintf(p.out, "%s FAIL  %s does not build:\n%s", p.stamp(now), pkg, p.take(pkg))
	case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		delete(p.running, pkg)
		took := time.Duration(e.Elapsed * float64(time.Second)).Round(100 * time.Millisecond)
		switch e.Action {
		case "pass":
			p.passed++
			fmt.Fprintf(p.out, "%s ok    %s (%s)\n", p.stamp(now), pkg, took)
			p.take(pkg)
		case "skip":
			p.skipped++
			p.take(pkg) // no test files
		default:
			p.failed = append(p.failed, pkg)
			fmt.Fprintf(p.out, "%s FAIL  %s (%s):\n%s", p.stamp(now), pkg, took, p.take(pkg))
		}
	}
}

// take returns a package's output so far and forgets it.
func (p *progress) take(pkg string) string {
	b := p.output[pkg]
	delete(p.output, pkg)
	if b == nil {
		return ""
	}
	return b.String()
}

// still says what runs, and for how long.
func (p *progress) still(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.running) == 0 {
		return
	}
	var names []string
	for pkg := range p.running {
		names = append(names, pkg)
	}
	sort.Slice(names, func(i, j int) bool { return p.running[names[i]].Before(p.running[names[j]]) })
	var parts []string
	for _, pkg := range names {
		parts = append(parts, fmt.Sprintf("%s (%s)", short(pkg), now.Sub(p.running[pkg]).Round(time.Second)))
	}
	fmt.Fprintf(p.out, "%s still running: %s\n", p.stamp(now), strings.Join(parts, ", "))
}

// summary prints the totals and reports whether everything passed.
func (p *progress) summary(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	took := now.Sub(p.start).Round(time.Second)
	if len(p.failed) > 0 {
		fmt.Fprintf(p.out, "make test: FAILED in %s: %s (%d passed)\n", took, strings.Join(p.failed, ", "), p.passed)
		return false
	}
	fmt.Fprintf(p.out, "make test: %d packages passed in %s\n", p.passed, took)
	return true
}

func short(pkg string) string {
	if i := strings.Index(pkg, "/internal/"); i >= 0 {
		return pkg[i+1:]
	}
	if i := strings.Index(pkg, "/cmd/"); i >= 0 {
		return pkg[i+1:]
	}
	return pkg
}

func main() {
	p := newProgress(os.Stdout, time.Now())
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				p.still(now)
			case <-done:
				return
			}
		}
	}()
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		p.line(sc.Bytes(), time.Now())
	}
	close(done)
	if !p.summary(time.Now()) {
		os.Exit(1)
	}
}
