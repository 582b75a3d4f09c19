// Package health answers /healthz and /readyz the same way on every listener
// of every daemon: each daemon's admin listener and the API's public port
// (for load balancers).
package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/applyq/applyq/internal/postgres"
)

// Timeout bounds the checks of one /readyz.
const Timeout = 2 * time.Second

// Check is one readiness condition: nil when ready, else why not. The
// error's text is the answer's reason; a *NotReady adds its details.
type Check func(ctx context.Context) error

// NotReady is a readiness failure with machine-readable details, which
// /readyz answers next to the reason.
type NotReady struct {
	Reason  string
	Details map[string]any
}

// Error returns the reason.
func (e *NotReady) Error() string { return e.Reason }

// Checker answers /healthz and /readyz.
type Checker struct {
	checks []Check
}

// New returns a checker that is ready when every check passes, in order.
func New(checks ...Check) *Checker { return &Checker{checks: checks} }

// Register serves GET /healthz and GET /readyz on mux.
func (c *Checker) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", c.Healthz)
	mux.HandleFunc("GET /readyz", c.Readyz)
}

// Healthz answers GET /healthz: 200 {"status":"ok"} whenever the process is
// up. It touches nothing, so a slow database never gets a live process
// restarted.
func (c *Checker) Healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// Readyz answers GET /readyz: 200 {"status":"ready"} when every check
// passes within Timeout, else 503 {"status":"unavailable","reason":…} with
// the first failing check's reason and details.
func (c *Checker) Readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), Timeout)
	defer cancel()
	for _, check := range c.checks {
		if err := check(ctx); err != nil {
			body := map[string]any{}
			var nr *NotReady
			if errors.As(err, &nr) {
				for k, v := range nr.Details {
					body[k] = v
				}
			}
			body["status"], body["reason"] = "unavailable", err.Error()
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
}

// Schema is the check every daemon has: the database answers and both its
// schemas (applyq's and River's) are at the versions this binary expects.
func Schema(pool *pgxpool.Pool) Check {
	return func(ctx context.Context) error {
		st, err := postgres.Status(ctx, pool)
		if err != nil {
			return &NotReady{Reason: "database unreachable"}
		}
		if !st.UpToDate() {
			return &NotReady{Reason: "schema not at expected version", Details: map[string]any{
				"app_version": st.AppVersion, "app_expected": st.AppLatest, "river_version": st.RiverVersion, "river_expected": st.RiverLatest}}
		}
		return nil
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
