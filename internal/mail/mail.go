// Package mail holds the implementations of domain.Mailer: the console mailer
// for development, SMTP for production, and a recorder for tests.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// Console prints each message, readably, instead of sending it
// (development): a block with its recipient, subject and body as written,
// so a sign-in link stands on a line of its own in the terminal.
type Console struct {
	Log *zap.Logger
	// Out is where the messages are printed (os.Stderr when nil).
	Out io.Writer
}

// consoleMu keeps two messages printed at once from interleaving.
var consoleMu sync.Mutex

// Send implements domain.Mailer.
func (c Console) Send(_ context.Context, m domain.Message) error {
	out := c.Out
	if out == nil {
		out = os.Stderr
	}
	rule := strings.Repeat("─", 60)
	block := fmt.Sprintf("\n──── email (development: not sent) %s\nTo:      %s\nSubject: %s\n\n%s\n%s\n",
		strings.Repeat("─", 25), m.To, m.Subject, strings.TrimRight(m.Body, "\n"), rule)
	consoleMu.Lock()
	_, err := io.WriteString(out, block)
	consoleMu.Unlock()
	if c.Log != nil {
		c.Log.Info("email printed, not sent (development)", zap.String("to", m.To), zap.String("subject", m.Subject))
	}
	return err
}

// DefaultSMTPTimeout bounds one SMTP send when its context ends later (or
// never): a server that accepts the connection and then says nothing
// must not hold the caller (the digest's transaction) for ever.
const DefaultSMTPTimeout = time.Minute

// SMTP sends through an SMTP server with STARTTLS when offered. Every step
// — dialling, the greeting, TLS, each command, the message — ends when the
// context does, or after Timeout.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
	// Timeout bounds one send (DefaultSMTPTimeout when zero).
	Timeout time.Duration
}

// Send implements domain.Mailer.
func (s SMTP) Send(ctx context.Context, m domain.Message) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := s.send(ctx, m)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return fmt.Errorf("smtp: sending to %s: %w (%v)", s.Addr, ctx.Err(), err)
	case errors.Is(err, os.ErrDeadlineExceeded): // the connection's deadline, the context's, came first
		return fmt.Errorf("smtp: sending to %s: %w (%v)", s.Addr, context.DeadlineExceeded, err)
	}
	return err
}

func (s SMTP) send(ctx context.Context, m domain.Message) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: address %q: %w", s.Addr, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The deadline bounds every read and write; the context's end moves
	// it to the past, which unblocks whatever waits on the connection.
	if deadline, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(deadline); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("smtp: server doesn't support AUTH")
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.From); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	body := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		s.From, m.To, m.Subject, strings.ReplaceAll(m.Body, "\n", "\r\n"))
	if _, err := w.Write([]byte(body)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
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
