package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/httpapi"
)

// TestOpenAPI_MatchesRoutes fails when a registered route is missing from
// openapi.json, or the document lists a route that does not exist.
func TestOpenAPI_MatchesRoutes(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	cfg.HTTP.DevEndpoints = true // document every route, including dev-only ones
	srv, err := httpapi.New(apiOptions(t, cfg, nil, zap.NewNop()))
	require.NoError(t, err)

	param := regexp.MustCompile(`:([a-z_]+)`)
	registered := map[string]bool{}
	for _, r := range srv.Routes() {
		if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		registered[strings.ToLower(r.Method)+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}

	b := setupAPI(t, apiOpts{})
	res := b.do(t, req{Method: "GET", Path: "/api/v1/openapi.json"})
	require.Equal(t, http.StatusOK, res.Status)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete", "head", "options":
				documented[method+" "+path] = true
			}
		}
	}
	require.Equal(t, sortedKeys(registered), sortedKeys(documented))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
