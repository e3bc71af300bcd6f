# Journey Workbench — development targets. `make help` lists them.
GO      ?= go
BIN     := bin/workbench
PKGS    := ./...
MODULE  := github.com/journeyworkbench/workbench
# Every package's tests run under the race detector except these, whose
# tests are heavy numerics or generate whole sample worlds (the ground-truth
# coverage runs over 20 generated worlds): the race detector slows them
# 5-20x for no extra coverage of concurrent code, which their own
# determinism tests across worker counts already check. They run without it.
NORACE_PKGS ?= $(MODULE)/sim/compare $(MODULE)/sim/decisionlog \
	$(MODULE)/analysis/segment $(MODULE)/analysis/chart
BENCHTIME ?= 1x
# The comparison benchmarks work on a generated sample of this size, cached
# under BENCH_DIR (about 16 GB of exports and 8 GB of database at 1,000,000).
BENCH_CUSTOMERS ?= 1000000
BENCH_DIR ?= /tmp/workbench-bench

.PHONY: help run build test vet fmt-check unit tui-e2e bench bench-go bench-compare bench-ope bench-deps clean dmn-deps

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

run: ## open the workbench on the built-in sample (builds it on first run)
	$(GO) run ./cmd/workbench

build: ## build bin/workbench
	$(GO) build -o $(BIN) ./cmd/workbench

test: dmn-deps vet fmt-check unit tui-e2e ## run every test: vet, gofmt, unit and integration tests

dmn-deps: ## install the pinned DMN check tooling (dmn-moddle, feelin) into sim/model/dmncheck/node_modules
	npm ci --prefix sim/model/dmncheck --no-audit --no-fund

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 20m $$($(GO) list $(PKGS) | grep -v -x -F $(foreach p,$(NORACE_PKGS),-e $(p)))
	$(if $(NORACE_PKGS),$(GO) test -count=1 -timeout 20m $(NORACE_PKGS))
	$(GO) test -count=1 -timeout 20m -run 'TestLoadSurvivesSIGKILL' ./cmd/workbench

tui-e2e: build ## drive the real binary in tmux through every screen on a first-run sample
	@command -v tmux >/dev/null || (apt-get update && apt-get install -y tmux)
	tui/e2e/tmux_test.sh $(BIN)

bench: bench-go bench-compare bench-ope ## run the Go benchmarks and comparison scripts, printing ratios

bench-go: ## the Go benchmarks of every package
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 60m $(PKGS)

bench-compare: bench-deps ## load vs sqlite3 .import, and journey scan vs SQL LAG() and pandas, at BENCH_CUSTOMERS
	analysis/load/bench/compare.sh $(BENCH_CUSTOMERS) $(BENCH_DIR)
	BENCH_DB=$(BENCH_DIR)/wb.db BENCH_DIR=$(BENCH_DIR) analysis/workspace/bench/run.sh

bench-ope: ## workbench ope end to end on 1,000,000 logged decisions: one policy (target < 5 s wall), then all 11 sample policies
	sim/decisionlog/bench/ope.sh $(BENCH_DIR)

bench-deps: ## install the baselines the comparisons run: Debian's sqlite3, python3-pandas and GNU time
	@command -v sqlite3 >/dev/null && /usr/bin/python3 -c 'import pandas' 2>/dev/null && [ -x /usr/bin/time ] || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y sqlite3 python3-pandas time)

clean: ## remove build output
	rm -rf bin
