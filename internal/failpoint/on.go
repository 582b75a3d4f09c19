//go:build failpoint

package failpoint

import (
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
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
