// Package mail holds the implementations of domain.Mailer: the console mailer
// for development, SMTP for production, and a recorder for tests.
package mail

import (
	"context"
	"fmt"
	"net/smtp"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// Console logs each message instead of sending it.
type Console struct{ Log *zap.Logger }

// Send implements domain.Mailer.
func (c Console) Send(_ context.Context, m domain.Message) error {
	c.Log.Info("email (development: not sent)", zap.String("to", m.To), zap.String("subject", m.Subject), zap.String("body", m.Body))
	return nil
}

// SMTP sends through an SMTP server with STARTTLS when offered.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// Send implements domain.Mailer.
func (s SMTP) Send(_ context.Context, m domain.Message) error {
	var auth smtp.Auth
	if s.Username != "" {
		auth = smtp.PlainAuth("", s.Username, s.Password, strings.Split(s.Addr, ":")[0])
	}
	body := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		s.From, m.To, m.Subject, strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return smtp.SendMail(s.Addr, auth, s.From, []string{m.To}, []byte(body))
}

// Recorder keeps every message, for tests.
type Recorder struct {
	mu   sync.Mutex
	sent []domain.Message
}

// Send implements domain.Mailer.
func (r *Recorder) Send(_ context.Context, m domain.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// Sent returns a copy of the messages so far.
func (r *Recorder) Sent() []domain.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]domain.Message(nil), r.sent...)
}

// Links returns, in mailing order, every line of the messages sent to `to`
// (any recipient when empty) that contains path, such as "/auth/confirm?token=".
func (r *Recorder) Links(to, path string) []string {
	var out []string
	for _, m := range r.Sent() {
		if to != "" && m.To != to {
			continue
		}
		for _, line := range strings.Split(m.Body, "\n") {
			if strings.Contains(line, path) {
				out = append(out, strings.TrimSpace(line))
			}
		}
	}
	return out
}
