# Sealchain. `make run` starts a single-node network under ./data;
# `make test` runs every test (unit, integration on 127.0.0.1, short fuzz runs).
GO        ?= go
BIN       := bin/sealchain
HOME_DIR  ?= ./data
FUZZTIME  ?= 10s
PKGS      := ./...
# --version names the commit (the toolchain's own VCS stamp is missing in git
# worktrees and under GOFLAGS=-buildvcs=false).
COMMIT    := $(shell git describe --always --dirty --abbrev=12 2>/dev/null)
# Symbols and DWARF are stripped (-s -w): about a tenth less build time on a
# cold cache, and panics still print function names and lines; `make binary
# LDSTRIP=` keeps them for a debugger.
LDSTRIP   ?= -s -w
LDFLAGS   := $(LDSTRIP) $(if $(COMMIT),-X main.buildCommit=$(COMMIT))

.PHONY: all build binary run test test-unit test-race fuzz lint fmt bench clean quickstart localnet localnet-stop localnet-status wasm-background

all: build

# The node and CLI, and the browser verifier.
build: binary wasm

# The node and CLI alone (what `make run` waits for). The page assets embed
# this toolchain's wasm_exec.js, refreshed first so binary and verifier match.
binary:
	@mkdir -p bin
	@cmp -s "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" node/web/wasm_exec.js || \
		cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" node/web/wasm_exec.js
	@echo "==> building $(BIN), the node and CLI (about 2 minutes on 2 cores with an empty Go cache, seconds after)"
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/sealchain

# Builds the binary, initialises ./data on first use, starts the browser
# verifier's build in the background (the page says so until it is ready)
# and runs the node in the foreground.
run: binary
	@if [ ! -f $(HOME_DIR)/config/sealchain.toml ]; then echo "==> initialising $(HOME_DIR)"; $(BIN) init --home $(HOME_DIR); fi
	@GO=$(GO) scripts/build-wasm.sh --background bin
	@echo "==> starting the node on $(HOME_DIR) (Ctrl-C stops it)"
	exec $(BIN) start --home $(HOME_DIR)

test: lint test-unit test-race fuzz

test-unit:
	$(GO) test -count=1 -timeout 15m $(PKGS)

# Packages with concurrency run again under the race detector.
# The browser tests drive pages (test-unit runs them); under the race
# detector they mostly wait for Chromium, so test-race leaves them out.
RACE_SKIP := ^(TestSignPageOFD|TestSignPageStates|TestWebInbox.*|TestWebVerifyInBrowser|TestWebVerifyIssuedDocument|TestWebVerifyOFD|TestWorkflowSignInBrowser)$$

test-race:
	$(GO) test -count=1 -race -timeout 15m -skip '$(RACE_SKIP)' ./app ./node/... ./signer ./chain/... ./workflow/notify ./workflow/filestore ./workflow/identity

# Short fuzz runs of the decoders and the submit handler; the corpora under
# testdata/fuzz run in test-unit as regression tests. scripts/fuzz.sh
# tells Go 1.26's end-of-run coordinator race (golang/go#75804) from a
# real failure.
fuzz:
	GO=$(GO) sh scripts/fuzz.sh ./chain FuzzDecodeTx $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./chain FuzzDecodeEntry $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./chain FuzzDecodeBatch $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./node/chainapi FuzzSubmit $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./evidence FuzzVerifyBundle $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./signer/ofd/render FuzzParsePath $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./evidence/witness FuzzOpen $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./evidence/casepkg FuzzReadPackage $(FUZZTIME)
	GO=$(GO) sh scripts/fuzz.sh ./signer/pdf FuzzParseSESContents $(FUZZTIME)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

# Micro benchmarks (each prints its ratio to a baseline measured in the same
# run), then a short rate sweep of both networks (cmd/sealbench).
BENCH_OUT ?= bench-out
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./app
	$(GO) test -run '^$$' -bench 'SM2|SM3|RecordCodec|MerkleProofVerify' -benchtime 2000x ./chain
	$(GO) test -run '^$$' -bench . ./chain/merklelog/...
	$(GO) test -run '^$$' -bench . -benchtime 200x ./evidence
	$(GO) test -run '^$$' -bench . -benchtime 3000x ./node ./node/chainapi
	@mkdir -p $(BENCH_OUT)
	$(GO) run ./cmd/sealbench -sweep 300,1000 -duration 3s -concurrency 32 -out $(BENCH_OUT)/sweep-short.json

# A local network of four institutions (court, notary, arbitration, platform)
# on 127.0.0.1, created under ./localnet on first use; logs and pid files in
# ./localnet/<org>/. The platform's API is http://127.0.0.1:26632.
LOCALNET ?= ./localnet
localnet: build
	@if [ ! -d $(LOCALNET)/platform ]; then $(BIN) testnet --out $(LOCALNET); fi
	SEALCHAIN=$(BIN) scripts/localnet.sh start $(LOCALNET)

localnet-stop:
	SEALCHAIN=$(BIN) scripts/localnet.sh stop $(LOCALNET)

localnet-status:
	SEALCHAIN=$(BIN) scripts/localnet.sh status $(LOCALNET)

# The outside probe (issue #12): a fresh node with signed API auth on free
# 127.0.0.1 ports, hostile requests, the home searched for secrets; prints
# one "PROBE | check | observed" line each (scripts/probe/probe.sh).
.PHONY: probe
probe: binary
	SEALCHAIN=$(abspath $(BIN)) scripts/probe/probe.sh

# Runs the quickstart against a node you started with `make run`.
quickstart: build
	PATH=$(CURDIR)/bin:$$PATH examples/quickstart.sh http://127.0.0.1:8080 ./out/quickstart

clean:
	rm -rf bin out

# OFD and seal interop with other implementations (docs/ofd.md, "Interop in
# CI"). Files made by other software (the committed corpus of ofdrw's test
# resources: GOMAIN, antchain, dms360, tongz, ofdrw) must verify in Sealchain.
# The other direction, Sealchain-signed OFDs in ofdrw's OFDValidator, needs an
# ofdrw checkout that CI cannot fetch (GitHub and Maven Central are out of its
# reach, and Debian and the Go proxy package no OFD signature verifier): it
# runs when OFDRW_SRC names one, and is reported as skipped otherwise.
# Sealchain-signed OFDs are also verified by DLTech21's ofd.js (npm, pinned by
# signer/ofd/interop/ofdjs/package-lock.json) in headless Chromium; that runs
# wherever npm and chromium are, and is required when CI=1.
.PHONY: test-interop
test-interop:
	$(GO) test -count=1 -timeout 5m -run '^(TestInteropCorpus|TestInteropAt|TestInteropTampered|TestOwnSealsAsSESeal|TestPrivateCriticalExtensions)$$' -v ./signer/seal/ ./signer/ofd/
	@if [ -n "$${OFDRW_SRC:-}" ]; then \
		signer/ofd/interop/ofdrw-verify.sh; \
	else \
		echo "test-interop: SKIPPED Sealchain -> ofdrw (OFDValidator on Sealchain-signed OFDs): set OFDRW_SRC to an ofdrw checkout (commit 7459e350) and install the Debian packages listed in signer/ofd/interop/ofdrw-verify.sh"; \
	fi
	@if command -v npm >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then \
		(cd signer/ofd/interop/ofdjs && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) && \
		SEALCHAIN_OFDJS=1 $(GO) test -count=1 -timeout 20m -run '^TestOfdJS' -v ./signer/ofd/interop/ofdjs/; \
	elif [ "$${CI:-}" = 1 ]; then \
		echo "test-interop: CI=1 needs npm and /usr/bin/chromium (Sealchain -> ofd.js)" >&2; exit 1; \
	else \
		echo "test-interop: SKIPPED Sealchain -> ofd.js (signer/ofd/interop/ofdjs): needs npm and /usr/bin/chromium"; \
	fi

# A TypeScript client generated from node/openapi/openapi.yaml
# (openapi-typescript, openapi-fetch; pinned in test/openapi-client's
# package-lock.json) and type-checked by tsc, run against the sealchain
# binary started as `make run` starts it (a fresh home in a temporary
# directory, free 127.0.0.1 ports). Needs node >= 20 and npm.
.PHONY: test-client
test-client: binary
	cd test/openapi-client && npm ci --no-audit --no-fund && SEALCHAIN_BIN=$(CURDIR)/$(BIN) npm test

# Fault-injection tests: four real validator processes on 127.0.0.1 killed,
# paused, restarted and fed hostile input (test/faults, build tag faults).
.PHONY: test-faults
test-faults: build test-workflow-kill
	$(GO) test -tags faults -count=1 -timeout 40m -v ./test/faults/
	SEALCHAIN_STATESYNC_RECORDS=100000 $(GO) test -count=1 -timeout 20m -run '^TestStateSyncJoin$$' -v ./node
	SEALCHAIN_CASEPKG_CASES=200 $(GO) test -count=1 -timeout 20m -run '^TestBuildVerifyBatch$$' -v ./evidence/casepkg

# The signing workflow's kill -9 test against the built binary: the node
# SIGKILLs itself at each step of a signing and is restarted on its home.
.PHONY: test-workflow-kill
test-workflow-kill: build
	SEALCHAIN_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 10m -run '^TestWorkflowKill$$' -v ./node

# Signing-workflow chain latency with 500 ms blocks: one contract and a
# burst of 20 (node/workflow_latency_test.go).
.PHONY: bench-workflow
bench-workflow:
	SEALCHAIN_WF_BURST=20 $(GO) test -count=1 -timeout 10m -run '^TestWorkflowChainLatency$$' -v ./node

# Builds the browser verifier (the offline verifier for GOOS=js, ~40 MB raw)
# as bin/sealchain.wasm.gz, beside the binary where the node looks for it,
# and copies this toolchain's wasm_exec.js into the embedded page assets.
# `make wasm-background` does the same without waiting (what `make run` does).
.PHONY: wasm
wasm:
	@cmp -s "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" node/web/wasm_exec.js || \
		cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" node/web/wasm_exec.js
	@echo "==> building the browser verifier bin/sealchain.wasm.gz (GOOS=js; about 2 minutes on 2 cores with an empty Go cache)"
	GO=$(GO) scripts/build-wasm.sh bin

wasm-background:
	@cmp -s "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" node/web/wasm_exec.js || \
		cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" node/web/wasm_exec.js
	@GO=$(GO) scripts/build-wasm.sh --background bin

# Network benchmark (cmd/sealbench): a 4-validator Sealchain network and
# CometBFT's kvstore on the same settings in one process, each run with its
# SM2 verify rate measured on this machine; see docs/benchmarks.md. About 6
# minutes on 2 cores: standalone then batched bursts (ratios to kvstore and
# to the SM2 limit), a batched rate sweep (the highest rate meeting the
# goal, plots), one validator with batches.
.PHONY: bench-network
bench-network:
	@mkdir -p $(BENCH_OUT)
	$(GO) build -o $(BENCH_OUT)/sealbench ./cmd/sealbench
	$(BENCH_OUT)/sealbench -n 3000 -batch 100 -batch-n 20000 -concurrency 32 -out $(BENCH_OUT)/burst.json
	$(BENCH_OUT)/sealbench -batch 100 -sweep 2000,4000,6000,8000 -duration 3s -kv-n 3000 -concurrency 32 \
		-out $(BENCH_OUT)/sweep.json -plots $(BENCH_OUT)
	$(BENCH_OUT)/sealbench -validators 1 -n 0 -batch 100 -batch-n 30000 -concurrency 32 -out $(BENCH_OUT)/single.json

# Fabric beside Sealchain (issue #14): the same contract_signed evidence
# record, SM2-verified by an evidence chaincode (test/fabric/evidencecc), on
# test-fabric's network (one etcdraft orderer, one peer, as plain processes
# on free 127.0.0.1 ports), N records from C concurrent Gateway clients
# (endorse, submit, commit status), then a short rate sweep; the network is
# stopped and removed after. Not part of `make test`; see docs/benchmarks.md.
.PHONY: bench-fabric
bench-fabric:
	sh test/fabric/build.sh
	cd test/fabric/evidencecc && $(GO) vet ./... && $(GO) test -count=1 ./...
	@mkdir -p $(BENCH_OUT)
	$(GO) run ./cmd/sealbench fabric -n 3000 -concurrency 32 -sweep 250,500,1000 -duration 4s -out $(BENCH_OUT)/fabric.json

# Query and storage benchmark: bulk-fills one store to 1M then 10M records
# (chain.BulkLoader; about 25 min and 20 GB on the standard machine).
.PHONY: bench-store
bench-store:
	@mkdir -p $(BENCH_OUT)
	$(GO) run ./cmd/sealbench store -sizes 1000000,10000000 -out $(BENCH_OUT)/store.json -plots $(BENCH_OUT)

# Anchoring to a real Hyperledger Fabric network (docs/anchoring.md): builds
# peer, orderer, configtxgen, cryptogen and osnadmin from source at the version
# pinned in test/fabric/tools/go.mod (cached under ~/.cache/sealchain-fabric),
# starts one orderer and one peer as plain processes on 127.0.0.1, deploys the
# anchor chaincode as a service and runs a node anchoring through both clients.
.PHONY: test-fabric
test-fabric:
	sh test/fabric/build.sh
	cd anchor/chaincode && $(GO) vet ./... && $(GO) test -count=1 ./...
	cd anchor/fabricsdk && $(GO) vet ./... && $(GO) test -count=1 ./...
	$(GO) test -tags fabric -count=1 -timeout 15m -v ./test/fabric/

# Contract files in a real S3-compatible server (docs/operations.md "Object
# storage"): builds SeaweedFS's weed from source at the version pinned in
# test/s3/tools/go.mod (cached under ~/.cache/sealchain-s3), starts it on
# 127.0.0.1 free ports and checks ciphertext-only objects, a down and a slow
# server, and corrupt objects; and a platform node with [workflow.s3] on.
.PHONY: test-s3
test-s3:
	weed=$$(sh test/s3/build.sh) && \
	SEALCHAIN_WEED=$$weed $(GO) test -tags s3 -count=1 -timeout 10m -v ./test/s3/ && \
	SEALCHAIN_WEED=$$weed $(GO) test -tags s3 -count=1 -timeout 10m -v -run 'TestWorkflowS3$$' ./node/
