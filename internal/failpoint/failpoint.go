// Package failpoint lets crash tests stop a real process at a named point:
// APPLYQ_FAILPOINT_<NAME>=sleep:<duration> blocks there (so a test can
// SIGKILL the process exactly there), =kill kills the process with SIGKILL.
// Without the environment variable a failpoint costs one map lookup.
package failpoint

import (
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The failpoints around a submission.
const (
	AfterClaim       = "AFTER_CLAIM"       // in_progress committed, before preparation
	BeforeSubmitting = "BEFORE_SUBMITTING" // packet prepared, before the submitting commit
	BeforeApply      = "BEFORE_APPLY"      // submitting committed, before the applier call
	AfterApply       = "AFTER_APPLY"       // the applier returned, before the result commit
)

var (
	once    sync.Once
	actions map[string]string
)

func load() {
	actions = map[string]string{}
	for _, kv := range os.Environ() {
		if rest, ok := strings.CutPrefix(kv, "APPLYQ_FAILPOINT_"); ok {
			if name, action, ok := strings.Cut(rest, "="); ok {
				actions[name] = action
			}
		}
	}
}

// Hit runs the action configured for name, if any.
func Hit(name string) {
	once.Do(load)
	action, ok := actions[name]
	if !ok {
		return
	}
	switch {
	case action == "kill":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour)
	case strings.HasPrefix(action, "sleep:"):
		if d, err := time.ParseDuration(strings.TrimPrefix(action, "sleep:")); err == nil {
			time.Sleep(d)
		}
	}
}
