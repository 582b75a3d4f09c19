package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/config"
)

// TestAPIOptions_RequestLinesQuietOnlyInDevelopment: a developer's terminal
// shows request lines only at debug; production logs every request.
func TestAPIOptions_RequestLinesQuietOnlyInDevelopment(t *testing.T) {
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	require.True(t, app.APIOptions(cfg, nil).QuietRequests)
	cfg.Env = config.Production
	require.False(t, app.APIOptions(cfg, nil).QuietRequests)
}

// TestDashboardOptions_MailHintOnlyWithoutSMTP: the "check your email" page
// points at the terminal only when mail is printed, not sent.
func TestDashboardOptions_MailHintOnlyWithoutSMTP(t *testing.T) {
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	require.Equal(t, app.ConsoleMailHint, app.DashboardOptions(cfg, nil).MailHint)
	cfg.Mail.SMTPAddr = "smtp.example.com:587"
	require.Empty(t, app.DashboardOptions(cfg, nil).MailHint)
}
