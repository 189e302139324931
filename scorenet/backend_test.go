package scorenet

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCheckSecondOrder checks that the pure-Go backend's op mode is read
// right from its configuration: only "ops_sequential" passes.
func TestCheckSecondOrder(t *testing.T) {
	for _, c := range []struct {
		config string
		ok     bool
	}{{"go", false}, {"go:ops_parallel", false}, {"go:ops_sequential", true}} {
		b, err := StartBackend(c.config)
		if err != nil {
			t.Fatal(err)
		}
		n, err := New(b, Config{Features: 2, Width: 2, Depth: 1}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		err = n.CheckSecondOrder()
		if (err == nil) != c.ok || err != nil && !strings.Contains(err.Error(), "SequentialGoBackend") {
			t.Errorf("%s: CheckSecondOrder() = %v, want ok=%v", c.config, err, c.ok)
		}
	}
	b, err := SequentialGoBackend()
	if err != nil || !opsSequential(b) {
		t.Errorf("SequentialGoBackend() = %v, %v: not sequential", b, err)
	}
}

// TestStartBackendErrors checks that a bad configuration is an error that
// names it (GoMLX's pure-Go backend refuses unknown options).
func TestStartBackendErrors(t *testing.T) {
	_, err := StartBackend("go:no_such_option")
	if err == nil || !strings.HasPrefix(err.Error(), `backend "go:no_such_option": `) {
		t.Errorf("StartBackend(go:no_such_option) = %v, want an error naming it", err)
	}
}
