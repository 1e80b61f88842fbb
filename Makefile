# coredns-mailauth. `make run` serves the example policy on 127.0.0.1:1053; `make test` is what CI runs.
GO      ?= go
PORT    ?= 1053
BINARY  := coredns

.PHONY: all build run test fmt-check vet unit clean

all: build

build:
	$(GO) build -o $(BINARY) .

run: build
	./$(BINARY) -conf Corefile.example -dns.port $(PORT)

test: fmt-check vet unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

clean:
	rm -f $(BINARY)
