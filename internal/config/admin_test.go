package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/config"
)

// TestLoad_APIAdminAddr: the API's metrics listener defaults to loopback,
// and an address that is not host:port (an empty one would listen on every
// interface) stops start-up naming the setting.
func TestLoad_APIAdminAddr(t *testing.T) {
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8081", cfg.HTTP.AdminAddr)

	for _, bad := range []string{"8081", "localhost"} {
		t.Setenv("APPLYQ_HTTP_ADMIN_ADDR", bad)
		_, err = config.Load("api", config.Flags("api"), nil)
		require.ErrorContains(t, err, "http.admin_addr (APPLYQ_HTTP_ADMIN_ADDR): must be a host:port")
	}
}
