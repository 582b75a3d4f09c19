package mail_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/mail"
)

// TestConsole_PrintsTheMailReadably: in development the mail is printed
// whole, its sign-in link on a line of its own, not folded into a log
// line's JSON.
func TestConsole_PrintsTheMailReadably(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	link := "http://127.0.0.1:8080/auth/confirm?token=aqm_abc"
	err := mail.Console{Log: zap.NewNop(), Out: &out}.Send(context.Background(), domain.Message{To: "ada@example.com",
		Subject: "Your applyq sign-in link", Body: "Open this link to sign in to applyq:\n\n" + link + "\n\nIf you did not ask, ignore it.\n"})
	require.NoError(t, err)
	text := out.String()
	require.Contains(t, text, "email (development: not sent)")
	require.Contains(t, text, "\nTo:      ada@example.com\n")
	require.Contains(t, text, "\nSubject: Your applyq sign-in link\n")
	require.Contains(t, strings.Split(text, "\n"), link, "the link stands on a line of its own")
}
