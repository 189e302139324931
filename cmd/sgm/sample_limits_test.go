package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/scorenet"
)

// refusal runs sgm and checks that it refuses args: a non-zero exit
// status, one line on stderr saying want, no panic, and no file out
// written.
func refusal(t *testing.T, out string, want string, args ...string) {
	t.Helper()
	code, _, stderr := runSGM(t, args...)
	switch {
	case code == 0:
		t.Errorf("%v: exit 0, want an error", args)
	case strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 || strings.Contains(stderr, "panic"):
		t.Errorf("%v: stderr %q, want one line", args, stderr)
	case !strings.Contains(stderr, want):
		t.Errorf("%v: stderr %q does not say %q", args, stderr, want)
	}
	if out != "" {
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v wrote %s", args, out)
			os.Remove(out)
		}
	}
}

// TestSampleBadNoise checks the noise levels of the reliability issue,
// which reached the user as panics of dist.Perturbed and dist.Smoothed.
func TestSampleBadNoise(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.csv")
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--sigma: noise level 1e+200 is too large", []string{"--target", "seed-mog", "--sigma", "1e200"}},
		{"--sigma: noise level must be non-negative and finite, got +Inf", []string{"--target", "seed-mog", "--sigma", "Inf"}},
		{"--sigma: noise level 1e-300 is too small", []string{"--target", "mnist:train:0", "--sigma", "1e-300"}},
		{"--sigmas: noise level 1e-300 is too small", []string{"--target", "mnist:train:0", "--sampler", "annealed", "--sigmas", "1,1e-300,3"}},
		{"--sigmas: noise level 1e+300 is too large", []string{"--target", "seed-mog", "--sampler", "annealed", "--sigmas", "1e300,1,3"}},
		{"step size ε σ_1²/σ_L² = 2e-05 × (1e+150/1e-150)² overflows", []string{"--target", "seed-mog", "--sampler", "annealed", "--sigmas", "1e150,1e-150,3"}},
		{"whole L >= 1", []string{"--target", "seed-mog", "--sampler", "annealed", "--sigmas", "1,0.1,2.5"}},
	} {
		refusal(t, out, tc.want, append(append([]string{"sample"}, tc.args...), "--n", "4", "--out", out)...)
	}
}

// TestSampleInitEmpty checks --init with nothing after the colon, which
// indexed out of range (normal:, uniform:) or wrote no samples (point:),
// and starting points beyond MaxFloat64.
func TestSampleInitEmpty(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.csv")
	for _, init := range []string{"normal:", "uniform:", "point:", "normal", "point:1", "normal:1e308", "uniform:-1e308,1e308"} {
		refusal(t, out, "--init", "sample", "--target", "seed-mog", "--init", init, "--n", "4", "--steps", "2", "--out", out)
	}
	if code, _, stderr := runSGM(t, "sample", "--target", "seed-mog", "--init", "point:0.5,-0.5", "--n", "4", "--steps", "2", "--out", out); code != 0 {
		t.Errorf("--init point:0.5,-0.5: exit %d: %s", code, stderr)
	}
}

// TestSampleSizeLimits checks that sizes beyond memory or beyond maxCount
// are refused with the limit in the message, before anything is allocated:
// makeslice panicked, or the kernel killed the process.
func TestSampleSizeLimits(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.csv")
	path := filepath.Join(t.TempDir(), "p.csv")
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--n 4611686018427387904: the particles would take", []string{"--n", "4611686018427387904"}},
		{"--n 9223372036854775807: the particles would take", []string{"--n", "9223372036854775807"}},
		{"--steps 100000000000000 is too large: at most 1099511627776", []string{"--steps", "100000000000000"}},
		{"--leapfrog 9223372036854775807 is too large", []string{"--sampler", "hmc", "--leapfrog", "9223372036854775807"}},
		{"--sigmas 1000000000000: the levels' smoothed targets", []string{"--sampler", "annealed", "--sigmas", "1,0.1,1000000000000"}},
		{"--steps-per-level 1000000000000 at 3 levels is 3e+12 steps; a run takes at most 1099511627776", []string{"--sampler", "annealed", "--sigmas", "1,0.1,3", "--steps-per-level", "1000000000000"}},
		{"pooling 99999990 states of every particle", []string{"--burn-in", "10", "--steps", "100000000", "--n", "1000000"}},
		{"--steps 100000000000: the path of particle 0 (--path)", []string{"--steps", "100000000000", "--path", path}},
	} {
		args := append([]string{"sample", "--target", "seed-mog", "--out", out}, tc.args...)
		refusal(t, out, tc.want, args...)
		if _, _, stderr := runSGM(t, args...); !strings.Contains(stderr, "at most ") {
			t.Errorf("%v: %q does not give the limit", tc.args, stderr)
		}
	}
}

// saveNet saves an untrained network with the noise levels sigmas, trained
// on mnist:train:0 as far as its label says, and returns its directory.
func saveNet(t *testing.T, sigmas sgm.Schedule) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	net, err := scorenet.New(gobackend.GetBackend(), scorenet.Config{Dim: 2, Features: 4, Width: 8, Depth: 1, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	net.SetLabel(imageLabel, "mnist:train:0")
	if err := net.Save(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestModelAbsurdNoise checks that a network with a noise level out of
// range (train --sigma-min 1e-300 made one) is refused by sample and eval,
// where eval --model and sample --level auto panicked in dist.Smoothed.
func TestModelAbsurdNoise(t *testing.T) {
	sigmas, err := sgm.Geometric(1e-300, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	model := saveNet(t, sigmas)
	out := filepath.Join(t.TempDir(), "s.csv")
	want := "level 0: noise level 1e-300 is too small"
	refusal(t, out, want, "sample", "--model", model, "--level", "auto", "--n", "4", "--steps", "2", "--out", out)
	refusal(t, out, want, "sample", "--model", model, "--level", "1", "--n", "4", "--steps", "2", "--out", out)
	code, _, stderr := runSGM(t, "eval", "--model", model, "--n", "10")
	if code == 0 || !strings.Contains(stderr, want) || strings.Contains(stderr, "panic") {
		t.Errorf("eval --model: exit %d, %q; want an error saying %q", code, stderr, want)
	}
	refusal(t, "", "--n 9223372036854775807: the draws at one level", "eval", "--model", saveNet(t, sgm.SeedSchedule()), "--n", "9223372036854775807")
}
