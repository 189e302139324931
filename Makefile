# GoMLX's pure-Go backend needs GOEXPERIMENT=simd for its vectorised kernels.
export GOEXPERIMENT := simd

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

vet:
	gofmt -l . && go vet ./...

bench:
	go test -run XXX -bench . -benchtime 2s ./...

# The XLA backend (CPU or CUDA), through cgo; see README for the GPU recipe.
xla:
	CGO_ENABLED=1 go build -tags xla -o sgm-xla ./cmd/sgm
