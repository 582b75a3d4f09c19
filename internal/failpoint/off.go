//go:build !failpoint

package failpoint

// Hit does nothing: this binary was built without the failpoint tag.
func Hit(string) {}
