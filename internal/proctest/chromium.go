package proctest

import (
	"os"
	"testing"

	"github.com/applyq/applyq/internal/applier/browser"
)

// Chromium is the browser the browser tests drive (browser.FindChromium).
// Without one a test is skipped, saying how to install it — unless
// APPLYQ_REQUIRE_CHROMIUM is set, as .ci/run sets it (after installing
// Chromium): there it fails, so CI never passes without its browser tests.
func Chromium(tb testing.TB) string {
	tb.Helper()
	path, err := browser.FindChromium()
	if err == nil {
		return path
	}
	if os.Getenv("APPLYQ_REQUIRE_CHROMIUM") != "" {
		tb.Fatalf("APPLYQ_REQUIRE_CHROMIUM is set: %v", err)
	}
	tb.Skipf("BROWSER TESTS DID NOT RUN: %v", err)
	return ""
}
