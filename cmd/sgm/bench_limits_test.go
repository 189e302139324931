package main

import (
	"strings"
	"testing"
)

// TestBenchLimits checks bench's size flags: --train-steps MaxInt64
// overflowed into "steps must be positive, got -9223372036854775807"; now
// each size is refused with its limit.
func TestBenchLimits(t *testing.T) {
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--train-steps 9223372036854775807: the loss history would take", []string{"--train-steps", "9223372036854775807"}},
		{"--batch 4611686018427387904: a training step on 30 levels would take", []string{"--batch", "4611686018427387904"}},
		{"--particles 4611686018427387904: the particles would take", []string{"--particles", "4611686018427387904", "--particle-steps", "1"}},
		{"--particles 100000 × --particle-steps 100000000 = 1e+13 particle-steps; a run takes at most 1099511627776", []string{"--particles", "100000", "--particle-steps", "100000000"}},
		{"--chain-steps 9223372036854775807 is too large: at most 1099511627776", []string{"--chain-steps", "9223372036854775807"}},
	} {
		refusal(t, "", tc.want, append([]string{"bench"}, tc.args...)...)
		if _, _, stderr := runSGM(t, append([]string{"bench"}, tc.args...)...); strings.Contains(stderr, "-9223372036854775807") {
			t.Errorf("%v: %q shows an overflow", tc.args, stderr)
		}
	}
}
