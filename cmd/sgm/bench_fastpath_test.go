package main

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm/bench"
	"github.com/sgm-dev/sgm/scorenet"
)

// TestBenchFastPathAsksTheNet checks that bench --json reports fast_path
// as the network says it evaluates (scorenet.Net.FastPath: the pure-Go
// backend, the vectorised kernels, SGM_FASTNET), not from the backend's
// name: on a machine without AVX-512 the Go backend has no fast path.
func TestBenchFastPathAsksTheNet(t *testing.T) {
	for _, env := range []string{"", "0"} {
		t.Setenv("SGM_FASTNET", env)
		net, err := scorenet.New(gobackend.GetBackend(), scorenet.Config{Features: 2, Width: 2, Depth: 1}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runSGM(t, "bench", "--json", "--train-steps", "1", "--batch", "2", "--chain-steps", "10", "--particles", "4", "--particle-steps", "1")
		if code != 0 {
			t.Fatalf("SGM_FASTNET=%q: bench exited %d: %s", env, code, stderr)
		}
		var r bench.Result
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		if r.Config.FastPath != net.FastPath() {
			t.Errorf("SGM_FASTNET=%q: fast_path %v, the network says %v", env, r.Config.FastPath, net.FastPath())
		}
	}
}
