package main

import (
	"encoding/json"
	"testing"
)

// TestBenchPoints checks that sgm bench reports train_steps_per_s_8d, a
// positive rate, in its JSON and text output.
func TestBenchPoints(t *testing.T) {
	args := []string{"bench", "--train-steps", "1", "--batch", "8", "--chain-steps", "20", "--particles", "4", "--particle-steps", "1"}
	code, stdout, stderr := runSGM(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("bench: %s", stderr)
	}
	var r struct {
		Rate float64 `json:"train_steps_per_s_8d"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || !(r.Rate > 0) {
		t.Fatalf("train_steps_per_s_8d %v (%v) in %s", r.Rate, err, stdout)
	}
}
