package applier

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

// Webhook headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderSignature      = "X-Applyq-Signature"
)

// Webhook POSTs the packet as JSON to a URL, with the task id as
// Idempotency-Key and an HMAC-SHA256 signature over "timestamp.body":
//
//	X-Applyq-Signature: t=<unix seconds>,v1=<hex hmac>
//
// Outcomes: 2xx submitted; 4xx other than 408/409/425/429 a permanent
// rejection (ErrRejected); 429 and connection failures before the request
// was written provably not sent (ErrNotSent); anything else, including a
// timeout after the request went out, 3xx and 5xx, an unknown outcome.
//
// The request is sent at most once per call: the transport never replays it
// and redirects are never followed (the signed packet goes to URL only).
type Webhook struct {
	URL     string
	Secret  []byte
	Timeout time.Duration
	// Idempotent declares that the receiver deduplicates by Idempotency-Key,
	// which makes retrying an unknown outcome safe.
	Idempotent bool
	Client     *http.Client
	Now        func() time.Time
}

// Name implements domain.Applier.
func (w *Webhook) Name() string { return "webhook" }

// IdempotentRetries implements domain.Applier.
func (w *Webhook) IdempotentRetries() bool { return w.Idempotent }

// Sign returns the signature header value for body at t.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Apply implements domain.Applier.
func (w *Webhook) Apply(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return domain.ApplyResult{}, fmt.Errorf("encoding packet: %w: %w", err, domain.ErrNotSent)
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return domain.ApplyResult{}, fmt.Errorf("webhook request: %w: %w", err, domain.ErrNotSent)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotencyKey, p.TaskID.String())
	req.Header.Set(HeaderSignature, Sign(w.Secret, body, now()))
	// A submission goes out at most once per call (sendOnce): never
	// replayed by the transport, never re-POSTed to a redirect target.
	resp, written, err := sendOnce(w.Client, req)
	if err != nil {
		if !written {
			return domain.ApplyResult{}, fmt.Errorf("webhook: %w: %w", err, domain.ErrNotSent)
		}
		return domain.ApplyResult{}, fmt.Errorf("webhook: outcome unknown: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return domain.ApplyResult{Reference: resp.Header.Get("X-Reference")}, nil
	case s >= 300 && s < 400:
		// Never followed: the signed packet goes to webhook.url only. The
		// receiver read the request, so nothing proves it did not act on it.
		return domain.ApplyResult{}, fmt.Errorf("webhook: outcome unknown: receiver answered %d redirecting to %q; redirects are not followed, point webhook.url at the final address", s, resp.Header.Get("Location"))
	case s == http.StatusTooManyRequests:
		return domain.ApplyResult{}, fmt.Errorf("webhook: receiver is rate limiting (429): %w", domain.ErrNotSent)
	case s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusConflict && s != http.StatusTooEarly:
		return domain.ApplyResult{}, fmt.Errorf("webhook: receiver refused the application (%d %s): %w", s, bytes.TrimSpace(msg), domain.ErrRejected)
	default:
		return domain.ApplyResult{}, fmt.Errorf("webhook: outcome unknown: receiver answered %d %s", s, bytes.TrimSpace(msg))
	}
}
