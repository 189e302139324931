# GoMLX's pure-Go backend needs GOEXPERIMENT=simd for its vectorised kernels.
export GOEXPERIMENT := simd

# staticcheck from the Go module proxy (v0.8.2, release 2026.2.2, supports Go 1.26); the first
# run builds it. Dot imports are allowed in the graph-building files (see
# STYLE.md), and some error strings start with a field's name (Sigmas).
STATICCHECK ?= go run honnef.co/go/tools/cmd/staticcheck@v0.8.2
STATICCHECK_CHECKS := inherit,-ST1001,-ST1005

.PHONY: all build demo quick same-demo test vet bench xla
all: vet test

build:
	go build -o sgm ./cmd/sgm

demo:
	go run ./cmd/sgm demo --out sgm-demo

quick:
	go run ./cmd/sgm demo --quick --out sgm-demo-quick

# make same-demo [REF=main]: a pure restructuring keeps the demo's output byte-identical. Builds
# sgm at REF (git archive) and from the working tree, runs sgm demo --quick with each, and
# compares every file written: figures, CSVs, checkpoints (their names carry the time and are
# compared without it) and summary.json without its "seconds".
REF ?= main
same-demo:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; mkdir "$$tmp/src"; \
	git archive $(REF) | tar -x -C "$$tmp/src"; \
	(cd "$$tmp/src" && go build -o "$$tmp/sgm-ref" ./cmd/sgm); go build -o "$$tmp/sgm-new" ./cmd/sgm; \
	for v in ref new; do \
		"$$tmp/sgm-$$v" demo --quick --out "$$tmp/out-$$v" >"$$tmp/log-$$v" 2>&1 || { cat "$$tmp/log-$$v"; exit 1; }; \
		(cd "$$tmp/out-$$v" && find . -type f ! -name '*.lock' | sort | while read -r f; do \
			case "$$f" in */summary.json) h=$$(sed '/"seconds": {/,/}/d' "$$f" | md5sum);; *) h=$$(md5sum <"$$f");; esac; \
			echo "$$(echo "$$f" | sed -E 's/checkpoint-n[0-9]+-[0-9]+-[0-9]+-/checkpoint-/') $$h"; \
		done) >"$$tmp/sums-$$v"; \
	done; \
	if diff "$$tmp/sums-ref" "$$tmp/sums-new"; then \
		echo "same-demo: sgm demo --quick writes $$(wc -l <"$$tmp/sums-new") identical files at $(REF) and here"; \
	else echo "same-demo: the files above differ from $(REF)'s"; exit 1; fi

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
