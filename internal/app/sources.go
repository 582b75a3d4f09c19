package app

import (
	"context"
	"net/http"
	"time"

	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/sources"
)

// BoardClients are a worker process's job-board clients, one per platform,
// from sources.*: each platform's address, the request timeout, and its
// requests per second, shared by every worker process through a counter in
// Postgres (store).
func BoardClients(c config.SourcesConfig, store *postgres.Store) (map[domain.Platform]domain.BoardClient, error) {
	opts := map[domain.Platform]sources.Options{}
	for p, pc := range c.Platforms() {
		opts[p] = sources.Options{BaseURL: pc.BaseURL, EUBaseURL: pc.EUBaseURL, Timeout: c.RequestTimeout,
			HTTPClient: &http.Client{}, WaitFunc: BoardRateLimit(store, p, pc.RequestsPerSecond)}
	}
	return sources.NewAll(opts)
}

// BoardRateLimit returns a wait for platform p's next request: at most
// perSecond requests in each second, counted in Postgres so that the limit
// holds across every worker process. A request over the limit waits for
// the next second (and counts against nothing there).
func BoardRateLimit(store *postgres.Store, p domain.Platform, perSecond int) func(context.Context) error {
	limit := []domain.RateLimit{{Key: "board:" + string(p), Limit: perSecond, Window: time.Second}}
	return func(ctx context.Context) error {
		for {
			wait, err := store.RateLimitHit(ctx, limit)
			if err != nil || wait <= 0 {
				return err
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
}
