package mail_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/mail"
)

// fakeSMTP is an SMTP server on loopback that speaks until its script
// says to hang: then it keeps the connection open and says nothing, as a
// hung server does. accepted is told of each connection.
type fakeSMTP struct {
	ln       net.Listener
	hangAt   string // "" (never), "greeting", or the command it stops answering ("DATA-END" for the message's final dot)
	accepted chan struct{}

	mu       sync.Mutex
	received []string // message bodies
}

func newFakeSMTP(t *testing.T, hangAt string) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeSMTP{ln: ln, hangAt: hangAt, accepted: make(chan struct{}, 10)}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); close(done) })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.accepted <- struct{}{}
			go f.serve(conn, done)
		}
	}()
	return f
}

func (f *fakeSMTP) serve(conn net.Conn, done chan struct{}) {
	defer conn.Close()
	hang := func() { <-done } // says nothing until the test ends
	if f.hangAt == "greeting" {
		hang()
		return
	}
	r := bufio.NewReader(conn)
	say := func(s string) { _, _ = conn.Write([]byte(s + "\r\n")) }
	say("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.Fields(line + " x")[0])
		if cmd == f.hangAt {
			hang()
			return
		}
		switch cmd {
		case "EHLO", "HELO":
			say("250 fake")
		case "MAIL", "RCPT", "RSET", "NOOP":
			say("250 ok")
		case "DATA":
			say("354 go on")
			var body strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(l)
			}
			if f.hangAt == "DATA-END" {
				hang()
				return
			}
			f.mu.Lock()
			f.received = append(f.received, body.String())
			f.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 no")
		}
	}
}

var msg = domain.Message{To: "ada@example.com", Subject: "applyq: 1 approval waiting", Body: "Hello Ada,\nOne approval waits."}

// TestSMTP_Sends: a message reaches the server whole, its lines in CRLF.
func TestSMTP_Sends(t *testing.T) {
	t.Parallel()
	f := newFakeSMTP(t, "")
	require.NoError(t, mail.SMTP{Addr: f.ln.Addr().String(), From: "applyq@example.com"}.Send(context.Background(), msg))
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.received, 1)
	require.Contains(t, f.received[0], "Subject: applyq: 1 approval waiting\r\n")
	require.Contains(t, f.received[0], "Hello Ada,\r\nOne approval waits.")
}

// TestSMTP_AHungServerReleasesTheCaller: a server that accepts and then
// says nothing — before its greeting, after a command, after the message
// — holds Send only until the caller's context ends (cancelled once the
// server holds the connection: no timing guess), and then Send says so.
// With no deadline of its own, the context's end is all Send waits for:
// Timeout bounds that too.
func TestSMTP_AHungServerReleasesTheCaller(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"greeting", "EHLO", "MAIL", "DATA-END"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			f := newFakeSMTP(t, at)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- mail.SMTP{Addr: f.ln.Addr().String(), From: "applyq@example.com"}.Send(ctx, msg) }()
			<-f.accepted
			cancel()
			select {
			case err := <-done:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(time.Minute):
				t.Fatal("Send ignored its context: a hung SMTP server holds its caller")
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		f := newFakeSMTP(t, "greeting")
		err := mail.SMTP{Addr: f.ln.Addr().String(), From: "applyq@example.com", Timeout: 50 * time.Millisecond}.Send(context.Background(), msg)
		require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	})
}
