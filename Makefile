# coredns-mailauth. `make run` serves the example policy on 127.0.0.1:1053; `make test` is what CI runs.
GO      ?= go
PORT    ?= 1053
BINARY  := coredns
CHECKER := mailauth-check
# git does not keep file modes: the example private keys are made private again before use.
EXAMPLE_KEYS := $(wildcard zones/keys/*/*.pem)

# Programs the tests run, and the Debian packages that provide them.
TOOLS            := named named-checkzone dig dnsperf
DEBIAN_PACKAGES  := bind9 bind9-utils bind9-dnsutils dnsperf
# FUZZTIME is a count of runs per target ("1000000x") rather than a duration: with a duration, Go
# before 1.27 can fail a clean run with "context deadline exceeded" at the deadline (golang/go#75804).
FUZZTIME ?= 1000000x
SOAK     ?= 3m

.PHONY: all build run check test deps fmt-check vet unit clean keys interop fuzz soak bench bench-go

all: build

build:
	$(GO) build -o $(BINARY) .
	$(GO) build -o $(CHECKER) ./cmd/mailauth-check

run: build keys
	./$(BINARY) -conf Corefile.example -dns.port $(PORT)

# check runs the policy checker over the example policy, as `named-checkzone` runs over a zone.
check: build keys
	./$(CHECKER) zones/mail.yaml

keys:
	@chmod 600 $(EXAMPLE_KEYS)

test: deps keys fmt-check vet unit

# deps installs the programs the tests use (a real BIND among them) when they are missing.
deps:
	@missing=""; for t in $(TOOLS); do command -v $$t >/dev/null 2>&1 || [ -x /usr/sbin/$$t ] || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		echo "missing:$$missing; installing $(DEBIAN_PACKAGES)"; \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEBIAN_PACKAGES); \
		else echo "run as root on Debian, or install: $(DEBIAN_PACKAGES)"; exit 1; fi; \
	fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

# interop checks the served records with the verifiers receivers run (spfquery, Mail::DKIM, dkimpy,
# opendkim-testkey) and named-checkzone; it installs their Debian packages when missing.
interop: build keys
	test/interop/run.sh

# fuzz runs each fuzz target FUZZTIME times (make test runs their seed corpora).
fuzz:
	$(GO) test -run '^FuzzParse$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./plugin/mailauth/policy
	$(GO) test -run '^FuzzParseTerm$$' -fuzz '^FuzzParseTerm$$' -fuzztime $(FUZZTIME) ./plugin/mailauth/spf
	$(GO) test -run '^FuzzParse$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./plugin/mailauth/dkimkey
	$(GO) test -run '^FuzzServeDNS$$' -fuzz '^FuzzServeDNS$$' -fuzztime $(FUZZTIME) ./plugin/mailauth

# soak runs dnsperf against a server whose policy is rewritten every 100ms for SOAK.
soak: deps keys
	MAILAUTH_SOAK=$(SOAK) $(GO) test -count=1 -timeout 30m -run '^TestSoak' -v ./test/

# bench measures mailauth against file and whoami with dnsperf, start-up and a reload under load
# (about 12 minutes; QUICK=1 for a two-minute run). bench-go runs the Go benchmarks.
bench: deps
	bench/run.sh

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./plugin/mailauth/ ./plugin/mailauth/policy/ ./plugin/mailauth/table/

clean:
	rm -f $(BINARY) $(CHECKER)
