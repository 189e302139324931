package dist

import (
	"math"
	"strings"
	"testing"
)

// panics reports whether f panics.
func panics(f func()) (p bool) {
	defer func() { p = recover() != nil }()
	f()
	return false
}

// TestCheckNoise checks that CheckNoise and CheckPerturbed refuse exactly
// the noise levels on which Smoothed and Perturbed panic, including those
// of the reliability issue (1e200, Inf, 1e-300), so that a command can
// refuse them with an error instead.
func TestCheckNoise(t *testing.T) {
	im, err := NewImage(2, 2, []float64{0, 1, 1, 0})
	if err != nil {
		t.Fatal(err)
	}
	seed := mustPreset(t, "seed-mog")
	// A mixture whose std is near the largest NewMixture takes: a small σ
	// already overflows its perturbed variance.
	wide, err := NewMixture([]Component{{Weight: 1, Mean: []float64{0}, Std: []float64{1.3407807929942596e154}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sigma            float64
		smoothOK, pertOK bool
		wantMsg          string // in CheckNoise's error
	}{
		{1, true, true, ""},
		{0, false, true, "positive"},
		{-1, false, false, "positive"},
		{math.NaN(), false, false, "positive"},
		{math.Inf(1), false, false, "finite"},
		{1e200, false, false, "too large"},
		{1.3e154, true, true, ""},
		{1.35e154, false, false, "too large"},
		{1e-300, false, true, "too small"},
		{7.4e-155, false, true, "too small"},
		{7.5e-155, true, true, ""},
	} {
		err := CheckNoise(tc.sigma)
		if (err == nil) != tc.smoothOK || panics(func() { im.Smoothed(tc.sigma) }) == tc.smoothOK {
			t.Errorf("σ=%v: CheckNoise error %v, Smoothed panics %v; want OK=%v", tc.sigma, err, !tc.smoothOK, tc.smoothOK)
		}
		if err != nil && !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("σ=%v: CheckNoise error %q does not say %q", tc.sigma, err, tc.wantMsg)
		}
		err = seed.CheckPerturbed(tc.sigma)
		if (err == nil) != tc.pertOK || panics(func() { seed.Perturbed(tc.sigma) }) == tc.pertOK {
			t.Errorf("σ=%v: CheckPerturbed error %v; want OK=%v", tc.sigma, err, tc.pertOK)
		}
	}
	if err := wide.CheckPerturbed(1e150); err == nil || !panics(func() { wide.Perturbed(1e150) }) {
		t.Errorf("std 1.34e154 perturbed by 1e150: error %v, want an overflow refused", err)
	}
	if err := wide.CheckPerturbed(1e140); err != nil || panics(func() { wide.Perturbed(1e140) }) {
		t.Errorf("std 1.34e154 perturbed by 1e140: error %v, want none", err)
	}
}
