# BookStore. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO           ?= go
SQLC_VERSION := v1.31.1
# sqlc's parser is cgo and takes minutes to build, so it is built once per
# machine into a cache outside the clone; a clone without it still catches
# stale generated code through sqlc.sum (TestGeneratedCode_MatchesSQLCSum).
SQLC_CACHE   ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/bookstore
SQLC         := $(SQLC_CACHE)/sqlc-$(SQLC_VERSION)
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS      := -s -w -X main.version=$(VERSION)
GOFLAGS_TEST ?= -count=1 -timeout 20m

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_\/-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The API viewer served at /api/docs: swagger-ui-dist from npm, exactly as
# locked, copied into the folder the binary embeds (git-ignored). go build
# works without it; the page then says how to get it.
VIEWER       := platform/apidoc/viewer/swagger-ui-bundle.js
VIEWER_FILES := swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE

.PHONY: viewer
viewer: $(VIEWER) ## Install the API viewer (npm ci) into platform/apidoc/viewer

$(VIEWER): platform/apidoc/package-lock.json
	cd platform/apidoc && npm ci --ignore-scripts --no-audit --no-fund
	cd platform/apidoc && cp $(addprefix node_modules/swagger-ui-dist/,$(VIEWER_FILES)) viewer/

.PHONY: build
build: $(VIEWER) ## Build bin/bookstore
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/bookstore ./cmd/bookstore

.PHONY: run
run: build ## Run the shop on http://localhost:8080 (embedded Postgres unless DATABASE_URL is set)
	./bin/bookstore serve

.PHONY: run-split
run-split: build ## Run the shop split: a gateway on :8080 and a process per module, a database each (embedded Postgres unless DATABASE_URL is set)
	./bin/bookstore serve --split

.PHONY: run-cluster
run-cluster: build ## Run Postgres, 3 replicas and nginx on http://localhost:8080 and https://localhost:8443; Ctrl-C stops all
	$(GO) run ./cmd/run-cluster --bin bin/bookstore

.PHONY: seed
seed: build ## Fill an empty shop with demo sellers and listings (works beside a running make run)
	./bin/bookstore seed

.PHONY: test
# FUZZ_HTTP are the packages whose FuzzHTTP target fuzzes a module's HTTP
# handlers; make test fuzzes each for FUZZTIME with one worker (go test
# alone runs only their seeds and testdata/fuzz). FUZZTIME counts inputs
# (about 3 s each here) rather than time: a time budget trips a race in Go
# 1.26's fuzz coordinator (golang/go#75804, fixed in 1.27) that fails a
# target with a bare "context deadline exceeded" at the deadline.
FUZZ_HTTP = ./modules/auth/internal/api ./modules/catalog/internal/api ./modules/orders/internal/pages
FUZZTIME ?= 1000x
# SLOW_FIRST are the longest test packages, longest first: go test starts
# packages in the order it is given them (-p of them at once), so these
# start at once rather than behind the short ones, and the short ones fill
# the other slot beside them.
SLOW_FIRST = ./e2e ./cmd/bookstore ./deploy/nginx ./modules/orders/internal/systemtest

test: verify $(VIEWER) ## Check formatting, vet and generated code, run every test on one shared Postgres, then fuzz each module's HTTP handlers briefly
	$(GO) run ./platform/pgtest/withcluster $(GO) test $(GOFLAGS_TEST) $(SLOW_FIRST) ./...
	$(GO) run ./platform/pgtest/withcluster sh -c 'for p in $(FUZZ_HTTP); do $(GO) test -count=1 -run "^$$" -fuzz "^FuzzHTTP$$" -fuzztime $(FUZZTIME) -parallel 1 $$p || exit 1; done'

.PHONY: e2e
e2e: e2e/node_modules/.package-lock.json ## Run the browser journeys in chromium; screenshots go to screenshots/
	$(GO) test -count=1 -v ./e2e/ -args -screenshots

e2e/node_modules/.package-lock.json: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund

.PHONY: test/race
test/race: $(VIEWER) ## Run every test with the race detector
	$(GO) run ./platform/pgtest/withcluster $(GO) test $(GOFLAGS_TEST) -race ./...

BENCHFLAGS ?=

.PHONY: bench
bench: build ## Print the performance report: each figure beside its target (about 10 minutes; BENCHFLAGS=-quick, -only NAME), then the Go benchmarks not yet in it
	$(GO) run ./cmd/bench $(BENCHFLAGS)
	$(GO) run ./platform/pgtest/withcluster $(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 30m ./deploy/... ./modules/auth/...

.PHONY: lint
lint: ## gofmt and go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

.PHONY: verify
verify: lint ## lint, then fail when go.mod, the templ or the sqlc code is stale (sqlc diff and vet where sqlc is built)
	$(GO) mod tidy -diff
	$(GO) test -count=1 -run '^TestGeneratedCode_(MatchesSQLCSum|TemplIsCurrent)$$' .
	@if [ -x $(SQLC) ]; then set -x; $(SQLC) diff && $(SQLC) vet; \
	else echo "verify: no $(SQLC) (make generate builds it): generated code checked against sqlc.sum only"; fi

.PHONY: generate
generate: $(SQLC) ## Regenerate the templ pages' Go code and the sqlc code from sql/, vet it, and record sqlc.sum
	$(GO) tool templ generate
	$(SQLC) generate
	$(SQLC) vet
	$(GO) test -count=1 -run '^TestGeneratedCode_MatchesSQLCSum$$' . -args -update

$(SQLC):
	@mkdir -p $(SQLC_CACHE)
	GOBIN=$(SQLC_CACHE)/.build $(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)
	mv $(SQLC_CACHE)/.build/sqlc $@ && rmdir $(SQLC_CACHE)/.build

.PHONY: db/reset
db/reset: ## Delete the embedded cluster's data (uploads are kept)
	rm -rf data/postgres data/postgres.lock

IMAGE ?= bookstore/bookstore

.PHONY: image
image: ## Build the container image $(IMAGE):$(VERSION) (needs a Docker engine)
	docker build -f deploy/docker/Dockerfile --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) .
