package browser

import (
	"errors"
	"os"
	"os/exec"
)

// FindChromium finds a Chromium (or Chrome) binary: $APPLYQ_CHROMIUM, else
// chromium, chromium-browser or google-chrome in PATH.
func FindChromium() (string, error) {
	for _, name := range []string{os.Getenv("APPLYQ_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found: install it (Debian/Ubuntu: apt-get install chromium), or set APPLYQ_CHROMIUM")
}
