package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRun runs the program on a CSV of a correlated 2-D Gaussian, a short
// run, and checks what it prints: 2,000 samples, and a held-out NLL near
// the Gaussian's own entropy, a program a new user copies from README has
// to run, not only compile.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	// x = 2 z1 + 1, y = 0.5 (z1 + z2): covariance [[4, 1], [1, 0.5]].
	write := func(name string, n int) string {
		var b strings.Builder
		b.WriteString("x,y\n")
		for range n {
			z1, z2 := rng.NormFloat64(), rng.NormFloat64()
			b.WriteString(strconv.FormatFloat(2*z1+1, 'g', 8, 64) + "," + strconv.FormatFloat(0.5*(z1+z2), 'g', 8, 64) + "\n")
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	trainCSV, held := write("train.csv", 2000), write("held.csv", 100)
	var out bytes.Buffer
	if err := run(trainCSV, held, filepath.Join(dir, "run"), 1000, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^2000 samples by ddim in 100 evaluations\nNLL of 100 held-out points: (\S+) ± (\S+) nats\n$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("printed %q", out.String())
	}
	nll, _ := strconv.ParseFloat(m[1], 64)
	// The Gaussian's entropy: log(2πe) + ½ log det Σ, det Σ = 4·0.5 - 1 = 1.
	// 1,000 steps gave 2.935 against 2.838 (400: 3.62; the default
	// network of width 256 after 1,000 steps: 4.43).
	want := math.Log(2 * math.Pi * math.E)
	t.Logf("NLL %.3f, the Gaussian's entropy %.3f", nll, want)
	if math.Abs(nll-want) > 0.5 {
		t.Errorf("NLL %.3f, want within half a nat of the entropy %.3f", nll, want)
	}
}
