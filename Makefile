# GoMLX's pure-Go backend needs GOEXPERIMENT=simd for its vectorised kernels.
export GOEXPERIMENT := simd

# staticcheck from the Go module proxy (v0.8.2, release 2026.2.2, supports Go 1.26); the first
# run builds it. Dot imports are allowed in the graph-building files (see
# STYLE.md), and some error strings start with a field's name (Sigmas).
STATICCHECK ?= go run honnef.co/go/tools/cmd/staticcheck@v0.8.2
STATICCHECK_CHECKS := inherit,-ST1001,-ST1005

.PHONY: all build demo quick test vet bench xla
all: vet test

build:
	go build -o sgm ./cmd/sgm

demo:
	go run ./cmd/sgm demo --out sgm-demo

quick:
	go run ./cmd/sgm demo --quick --out sgm-demo-quick

test:
	go test -count=1 ./...

# gofmt -l lists the files it would change but exits 0: fail on any.
vet:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need gofmt -w:" >&2; echo "$$unformatted" >&2; exit 1; fi
	go vet ./...
	$(STATICCHECK) -checks $(STATICCHECK_CHECKS) ./...

bench:
	go test -run XXX -bench . -benchtime 2s ./...

# The XLA backend (CPU or CUDA), through cgo; see README for the GPU recipe.
xla:
	CGO_ENABLED=1 go build -tags xla -o sgm-xla ./cmd/sgm
