package pgtest

import "runtime/debug"

// riverVersion returns the River module version in this binary; River's
// migrations change with it.
func riverVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/riverqueue/river" {
				return m.Version
			}
		}
	}
	return "unknown"
}
