# Atrium. `make run` and `make test` are all a fresh machine needs (Go 1.26).
GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X github.com/atriumhq/atrium/core.Version=$(VERSION)
BIN         := bin/atrium
# Each plugins/<name>/ with a main.go is built to bin/plugins/<name>, but
# the example, which is a developer's (docs/plugins.md says how to try it):
# make run shows the product.
PLUGINS     := $(filter-out example,$(patsubst plugins/%/main.go,%,$(wildcard plugins/*/main.go)))
# The SDK is a Go module of its own (what vendors' plugins require): every
# go command that covers the tree runs in it too.
SDK         := plugins/sdk
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
HTMX        := 2.0.11
HTMX_SSE    := 2.2.4

.PHONY: build run sandbox s3server test fuzz bench lint vendor clean proto proto-baseline

build:
	@echo "build: atrium $(VERSION)"
	@$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/atrium
	@for p in $(PLUGINS); do echo "build: plugin $$p"; CGO_ENABLED=0 $(GO) build -o bin/plugins/$$p ./plugins/$$p || exit 1; done

# Builds, migrates and seeds the embedded SQLite database in data/, then serves
# on 127.0.0.1:8080. Set ATRIUM_DATABASE_URL=postgres://… to use PostgreSQL.
run: build sandbox
	@$(BIN) plugin allow --all >/dev/null
	@$(BIN) demo
	@echo
	@$(BIN) serve

# Plugins run in a sandbox made with bubblewrap (plugins.sandbox). Installs
# it from Debian's packages where it is missing and this is root; says what
# to do otherwise.
sandbox:
	@if [ "$$ATRIUM_PLUGINS_SANDBOX" != off ] && ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "sandbox: installing bubblewrap"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  fi; \
	  command -v bwrap >/dev/null 2>&1 || { echo "sandbox: plugins run in a bubblewrap sandbox: install it (apt-get install bubblewrap), or set ATRIUM_PLUGINS_SANDBOX=off to run them unsandboxed"; exit 1; }; \
	fi

# The files tests run against a real S3-compatible server: SeaweedFS
# (Apache-2.0), built from its source once per machine into the user's cache
# folder (about 8 minutes on 2 cores; 230 MB), never into the repository.
# Its go.mod has replace directives, so go install refuses it: the source
# comes from the module proxy and is built in place.
SEAWEEDFS := v0.0.0-20261109003541-7506e5f91cd6
WEED      ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/atrium/weed-$(SEAWEEDFS)
s3server:
	@if [ ! -x "$(WEED)" ]; then \
	  echo "s3server: building SeaweedFS $(SEAWEEDFS) once for the files tests, into $(WEED) (about 8 minutes on 2 cores)"; \
	  src=$$(cd / && $(GO) mod download -json github.com/seaweedfs/seaweedfs@$(SEAWEEDFS) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	  [ -n "$$src" ] || { echo "s3server: cannot fetch SeaweedFS's source from the Go module proxy; fix the proxy, or set WEED to a weed binary"; exit 1; }; \
	  mkdir -p "$$(dirname "$(WEED)")"; \
	  (cd "$$src" && GOFLAGS=-mod=mod $(GO) build -o "$(WEED).part" ./weed) || { echo "s3server: building SeaweedFS failed (see above)"; exit 1; }; \
	  mv "$(WEED).part" "$(WEED)"; \
	fi

# Unit, database (SQLite and PostgreSQL), S3 and browser tests. PostgreSQL
# and Chromium tests skip loudly when missing; REQUIRE_POSTGRES=1 and
# REQUIRE_BROWSER=1 (as CI sets them) make them fail instead. The S3 server
# is built here when missing, so its tests always run.
test: sandbox s3server
	$(GO) vet ./...
	$(GO) vet -C $(SDK) ./...
	REQUIRE_S3=1 TEST_WEED="$(WEED)" $(GO) test -race -count=1 ./...
	$(GO) test -C $(SDK) -race -count=1 ./...
	@$(MAKE) --no-print-directory fuzz

# A short run of every fuzz test (the corpus in testdata/fuzz runs with the
# tests above too), a few seconds each, counted in executions: a time budget
# can end a clean run in "context deadline exceeded" before Go 1.27 (Go issue
# 75804). FUZZTIME=10m for a longer one.
FUZZTIME ?=
FUZZ = $(GO) test -run '^$$' -fuzzminimizetime 2000x -fuzztime
fuzz:
	$(FUZZ) $(or $(FUZZTIME),150000x) -fuzz '^FuzzRequestBodies$$' ./plugins/agenda/internal/caldav/
	$(FUZZ) $(or $(FUZZTIME),300000x) -fuzz '^FuzzSyncToken$$' ./plugins/agenda/internal/caldav/
	$(FUZZ) $(or $(FUZZTIME),15000x) -fuzz '^FuzzParseEvent$$' ./plugins/agenda/internal/events/
	$(FUZZ) $(or $(FUZZTIME),30000x) -fuzz '^FuzzInstances$$' ./plugins/agenda/internal/instances/
	$(GO) test -C $(SDK) -run '^$$' -fuzzminimizetime 2000x -fuzztime $(or $(FUZZTIME),100000x) -fuzz '^FuzzUnpackRow$$' ./proto/v1/
	$(GO) test -C $(SDK) -run '^$$' -fuzzminimizetime 2000x -fuzztime $(or $(FUZZTIME),20000x) -fuzz '^FuzzRender$$' ./richtext/

# Figures for docs/benchmarks.md: pages and /healthz under load on loopback
# (SQLite and PostgreSQL), template rendering, and one password check.
bench: s3server
	$(GO) test -run '^$$' -bench . -benchtime 20000x -count 1 ./core/web/
	$(GO) test -run '^$$' -bench PasswordCheck -benchtime 20x -count 1 ./core/identity/
	$(GO) test -run '^$$' -bench 'PluginBoundary|Query' -benchtime 3000x -count 1 ./core/pluginhost/
	$(GO) test -run '^$$' -bench Dossiers100k -benchtime 100x -count 1 ./core/web/dossiers/
	$(GO) test -run '^$$' -bench CalDAV10k -benchtime 20x -count 1 ./plugins/agenda/
	$(GO) test -run '^$$' -bench Streams1000 -benchtime 200x -count 1 ./core/
	REQUIRE_S3=1 TEST_WEED="$(WEED)" $(GO) test -run '^$$' -bench 'Files100MB|EventDelivery' -benchtime 3x -count 1 ./core/pluginhost/

lint:
	@unformatted=$$(gofmt -l cmd core plugins); if [ -n "$$unformatted" ]; then echo "lint: not gofmt'ed (run gofmt -w on them):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -C $(SDK) ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run -C $(SDK) $(STATICCHECK) ./...
	$(GO) mod tidy -diff
	$(GO) mod tidy -C $(SDK) -diff
	$(GO) test -count=1 -run '^TestImportsKeepTheArchitecture$$' ./docs

# Fetch the vendored front-end files again from the npm registry.
vendor:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent htmx.org@$(HTMX) >/dev/null && tar xzf htmx.org-$(HTMX).tgz && \
	  cp package/dist/htmx.min.js $(CURDIR)/themes/default/static/vendor/htmx.min.js && rm -rf $$tmp
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent htmx-ext-sse@$(HTMX_SSE) >/dev/null && tar xzf htmx-ext-sse-$(HTMX_SSE).tgz && \
	  cp package/dist/sse.min.js $(CURDIR)/themes/default/static/vendor/sse.min.js && rm -rf $$tmp
	@sha256sum themes/default/static/vendor/htmx.min.js themes/default/static/vendor/sse.min.js
	@echo "vendor: htmx $(HTMX); compare the sum with themes/default/static/VENDOR.md"

clean:
	rm -rf bin tmp

# Regenerate the plugin contract's Go code (protoc from Debian's
# protobuf-compiler; the Go generators from the module proxy, into bin/tools).
proto:
	@command -v protoc >/dev/null || { echo "proto: install protoc first: apt-get install protobuf-compiler"; exit 1; }
	GOBIN=$(CURDIR)/bin/tools $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	GOBIN=$(CURDIR)/bin/tools $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.0
	PATH=$(CURDIR)/bin/tools:$$PATH protoc -I plugins/sdk/proto/v1 --go_out=plugins/sdk/proto/v1 --go_opt=paths=source_relative \
	  --go-grpc_out=plugins/sdk/proto/v1 --go-grpc_opt=paths=source_relative plugins/sdk/proto/v1/plugin.proto

# Record the released contract (only when releasing a new v1.x).
proto-baseline:
	protoc -I plugins/sdk/proto/v1 --include_imports -o plugins/sdk/proto/v1/v1.baseline.binpb plugins/sdk/proto/v1/plugin.proto
