// Package deploy holds the deployment files (Dockerfile, Compose,
// Kubernetes, systemd); this test checks them without a network.
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/applyq/applyq/internal/config"
)

// docs parses every YAML document of a file.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, path)
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

func TestKubernetesManifests(t *testing.T) {
	kinds := map[string]int{}
	files, err := filepath.Glob("kubernetes/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		for _, d := range docs(t, f) {
			require.NotEmpty(t, d["apiVersion"], f)
			kind, _ := d["kind"].(string)
			require.NotEmpty(t, kind, f)
			meta, _ := d["metadata"].(map[string]any)
			require.NotEmpty(t, meta["name"], "%s: %s has a name", f, kind)
			kinds[kind]++
		}
	}
	for kind, n := range map[string]int{"Deployment": 3, "Service": 1, "HorizontalPodAutoscaler": 1, "CronJob": 1, "Job": 1, "ConfigMap": 1, "Secret": 1} {
		require.Equal(t, n, kinds[kind], kind)
	}
}

func TestComposeServices(t *testing.T) {
	d := docs(t, "compose.yaml")
	require.Len(t, d, 1)
	services, _ := d[0]["services"].(map[string]any)
	for _, s := range []string{"postgres", "migrate", "api", "worker", "sweeper"} {
		require.Contains(t, services, s)
	}
}

// TestBinariesExist: every binary the deploy files run is built from a
// cmd/ folder.
func TestBinariesExist(t *testing.T) {
	re := regexp.MustCompile(`/usr/local/bin/applyq-([a-z]+)`)
	files := []string{"Dockerfile", "compose.yaml"}
	more, _ := filepath.Glob("kubernetes/*.yaml")
	units, _ := filepath.Glob("systemd/*")
	files = append(append(files, more...), units...)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			_, err := os.Stat(filepath.Join("..", "cmd", m[1], "main.go"))
			require.NoError(t, err, "%s runs applyq-%s", f, m[1])
			seen++
		}
	}
	require.Greater(t, seen, 10)
	dockerfile, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	for _, b := range []string{"api", "worker", "sweeper", "migrate"} {
		require.Contains(t, string(dockerfile), "bin/applyq-"+b)
	}
	require.Contains(t, string(dockerfile), "USER nonroot")
}

// TestSettingsAreKnownAndDocumented: every APPLYQ_ variable the deploy files
// set is a real setting, and docs/configuration.md documents every setting.
func TestSettingsAreKnownAndDocumented(t *testing.T) {
	known := map[string]bool{"APPLYQ_CONFIG": true}
	for _, k := range config.Keys() {
		known[config.EnvName(k)] = true
	}
	re := regexp.MustCompile(`APPLYQ_[A-Z_]+`)
	files, _ := filepath.Glob("kubernetes/*.yaml")
	units, _ := filepath.Glob("systemd/*")
	files = append(append(files, "compose.yaml"), units...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, name := range re.FindAllString(string(b), -1) {
			require.True(t, known[name], "%s sets %s, which is not a setting", f, name)
		}
	}
	ref, err := os.ReadFile(filepath.Join("..", "docs", "configuration.md"))
	require.NoError(t, err)
	for _, k := range config.Keys() {
		require.True(t, strings.Contains(string(ref), "`"+k+"`") || strings.Contains(string(ref), k+"`"), "docs/configuration.md documents %s", k)
	}
}
