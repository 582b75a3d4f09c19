# applyq — the project's front door. `make help` lists every target.
SHELL := /usr/bin/env bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X github.com/applyq/applyq/internal/app.Version=$(VERSION) \
	-X github.com/applyq/applyq/internal/app.Commit=$(COMMIT) \
	-X github.com/applyq/applyq/internal/app.BuildTime=$(BUILD_TIME)
WITH_PG := ./scripts/with-postgres.sh
BINARIES := api worker sweeper migrate

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the binaries into bin/
	@mkdir -p bin
	@echo "building bin/applyq-{$$(echo $(BINARIES) | tr ' ' ,)} (the first build downloads modules and compiles: a minute or two)"
	@for b in $(BINARIES); do CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/applyq-$$b ./cmd/$$b || exit 1; done

.PHONY: run
run: build ## Start Postgres if needed, migrate, and run api + worker + sweeper until Ctrl-C
	@$(WITH_PG) ./scripts/with-app-db.sh ./scripts/run-all.sh

.PHONY: test
test: ## Run every test with -race against real Postgres (started if needed): about 13 minutes on 2 cores, progress as it goes
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || [ -n "$$APPLYQ_CHROMIUM" ] || \
		echo "NOTE: Chromium is not installed: the browser tests will be SKIPPED (Debian/Ubuntu: apt-get install chromium)"
	@echo "make test: every package with -race, about 13 minutes on 2 cores (most in the browser and end-to-end packages);"
	@echo "           compiling first (a minute or two), then a line as each package ends, and what still runs every 30 s"
	@$(GO) build -o bin/testprogress ./scripts/testprogress
	@set -o pipefail; $(WITH_PG) $(GO) test -race -count=1 -timeout 30m -json ./... | bin/testprogress

.PHONY: bench
bench: build ## Measure throughput (beside a naive River pipeline), latency, CPU, cost and memory against this machine's limits, and the browser applier in Chromium against a local replica (~4 min on a quiet machine); writes docs/benchmarks.json
	@$(WITH_PG) $(GO) run ./cmd/bench --out docs/benchmarks.json

.PHONY: bench-go
bench-go: ## Go micro-benchmarks of the hot paths (transition, canonical URL, packet rendering)
	@$(WITH_PG) $(GO) test -run '^$$' -bench . -benchmem ./internal/domain/ ./internal/postgres/

.PHONY: bench-approvals
bench-approvals: ## Approve → submission latency through LISTEN/NOTIFY (p50, p99 over 200 approvals)
	@$(WITH_PG) $(GO) test -run '^$$' -bench ApproveToSubmission -benchtime=200x ./internal/e2e/

.PHONY: chaos
chaos: ## Crash test: 5,000 tasks, 50 users, workers SIGKILLed for 5 minutes (loopback only); prints the counts
	@$(WITH_PG) env APPLYQ_CHAOS_TASKS=5000 APPLYQ_CHAOS_USERS=50 APPLYQ_CHAOS_SECONDS=300 \
		$(GO) test -count=1 -timeout 20m -run '^TestChaos$$' -v ./internal/e2e/ | grep -E '^(chaos:|--- |ok|FAIL|PASS)'

.PHONY: generate
generate: ## Regenerate the store's typed SQL code (sqlc) after editing internal/postgres/queries or migrations
	$(GO) tool sqlc generate -f internal/postgres/sqlc.yaml

.PHONY: lint
lint: ## go vet + staticcheck + gosec + gofmt check + generated code up to date + no tracked file over 1 MiB
	@./scripts/check-large-files.sh
	@$(GO) tool sqlc diff -f internal/postgres/sqlc.yaml || { echo "generated SQL code is out of date: run make generate"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags failpoint ./internal/failpoint/ ./internal/queue/
	$(GO) tool staticcheck ./...
	$(GO) tool gosec -quiet -exclude-generated ./...
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: migrate
migrate: build ## Apply pending migrations (ARGS=down|down-all|status for the others)
	@$(WITH_PG) ./scripts/with-app-db.sh ./bin/applyq-migrate $(or $(ARGS),up)

.PHONY: db
db: ## Make sure a Postgres server is reachable (starts the project-local one if needed)
	@$(WITH_PG) bash -c 'echo "Postgres: $$(scripts/redact-db-url.sh "$$APPLYQ_PG_SERVER_URL")"'

.PHONY: db-stop
db-stop: ## Stop the project-local Postgres cluster in .pgdata/
	@if [ -f .pgdata/data/PG_VERSION ]; then \
		if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- pg_ctl -D .pgdata/data stop; else pg_ctl -D .pgdata/data stop; fi; \
	else echo "no project-local cluster"; fi

.PHONY: tidy-check
tidy-check: ## Fail when go.mod/go.sum are not tidy
	$(GO) mod tidy -diff

.PHONY: clean
clean: ## Remove build output
	rm -rf bin
