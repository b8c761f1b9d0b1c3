# Sealchain. `make run` starts a single-node network under ./data;
# `make test` runs every test (unit, integration on 127.0.0.1, short fuzz runs).
GO        ?= go
BIN       := bin/sealchain
HOME_DIR  ?= ./data
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: all build run test test-unit test-race fuzz lint fmt bench clean quickstart localnet localnet-stop localnet-status

all: build

build:
	$(GO) build -o $(BIN) ./cmd/sealchain
	@$(MAKE) --no-print-directory wasm

# Initialise ./data on first use, then run the node in the foreground.
run: build
	@if [ ! -f $(HOME_DIR)/config/sealchain.toml ]; then $(BIN) init --home $(HOME_DIR); fi
	exec $(BIN) start --home $(HOME_DIR)

test: lint test-unit test-race fuzz

test-unit:
	$(GO) test -count=1 -timeout 15m $(PKGS)

# Packages with concurrency run again under the race detector.
test-race:
	$(GO) test -count=1 -race -timeout 15m ./app ./node ./signer ./chain/...

# Short fuzz runs of the decoders and the submit handler; the corpora under
# testdata/fuzz run in test-unit as regression tests.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeTx$$' -fuzztime $(FUZZTIME) ./chain
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEntry$$' -fuzztime $(FUZZTIME) ./chain
	$(GO) test -run '^$$' -fuzz '^FuzzSubmit$$' -fuzztime $(FUZZTIME) ./node
	$(GO) test -run '^$$' -fuzz '^FuzzVerifyBundle$$' -fuzztime $(FUZZTIME) ./evidence

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./app
	$(GO) test -run '^$$' -bench . -benchtime 3000x ./node

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

# Runs the quickstart against a node you started with `make run`.
quickstart: build
	PATH=$(CURDIR)/bin:$$PATH examples/quickstart.sh http://127.0.0.1:8080 ./out

clean:
	rm -rf bin out

# Fault-injection tests: four real validator processes on 127.0.0.1 killed,
# paused, restarted and fed hostile input (test/faults, build tag faults).
.PHONY: test-faults
test-faults: build
	$(GO) test -tags faults -count=1 -timeout 40m -v ./test/faults/
	SEALCHAIN_STATESYNC_RECORDS=100000 $(GO) test -count=1 -timeout 20m -run '^TestStateSyncJoin$$' -v ./node

# Builds the browser verifier (the offline verifier for GOOS=js, ~40 MB raw)
# as bin/sealchain.wasm.gz, beside the binary where the node looks for it,
# and copies this toolchain's wasm_exec.js into the embedded page assets.
.PHONY: wasm
wasm:
	@mkdir -p bin
	GO=$(GO) cmd/sealchain-wasm/build.sh bin/sealchain.wasm
	gzip -9 -n -f bin/sealchain.wasm
	@cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" node/web/wasm_exec.js

# Network benchmark (cmd/sealbench): a 4-validator Sealchain network and
# CometBFT's kvstore on the same settings in one process; see docs/benchmarks.md.
.PHONY: bench-network
bench-network:
	$(GO) run ./cmd/sealbench -n 3000 -concurrency 32 -out bench-network.json
