package main

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeNPY writes n points of dimension 2 as a version 1.0 .npy file of
// little-endian float64, the layout of np.save.
func writeNPY(t *testing.T, path string, pts []float64) {
	t.Helper()
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': (" + strconv.Itoa(len(pts)/2) + ", 2), }"
	pad := 64 - (10+len(dict)+1)%64
	header := dict + strings.Repeat(" ", pad) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	b = append(b, header...)
	for _, v := range pts {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEvalSamplesNPY checks that eval --samples (and plot hist --samples)
// reads a .npy file as the points it holds: the same samples as CSV and
// as .npy give the same report, where a .npy used to be read as CSV and
// refused with its binary header quoted in the error.
func TestEvalSamplesNPY(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]float64, 2*200)
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range pts {
		pts[i] = rng.NormFloat64()
		b.WriteString(strconv.FormatFloat(pts[i], 'g', -1, 64))
		b.WriteString([]string{",", "\n"}[i%2])
	}
	csv, npy := filepath.Join(dir, "s.csv"), filepath.Join(dir, "s.NPY")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	writeNPY(t, npy, pts)
	var got [2]string
	for i, path := range []string{csv, npy} {
		code, stdout, stderr := runSGM(t, "eval", "--samples", path, "--target", "toy:moons", "--w-points", "50", "--json")
		if code != 0 {
			t.Fatalf("eval --samples %s: exit %d: %s", path, code, stderr)
		}
		got[i] = stdout
	}
	if got[0] != got[1] {
		t.Errorf("CSV and .npy of the same samples differ:\n%s\n%s", got[0], got[1])
	}
	// plot hist reads it too.
	png := filepath.Join(dir, "h.png")
	if code, _, stderr := runSGM(t, "plot", "hist", "--samples", npy, "--bins", "10", "--out", png); code != 0 {
		t.Errorf("plot hist --samples %s: exit %d: %s", npy, code, stderr)
	}
	writeNPY(t, npy, []float64{1, math.NaN(), 3, 4})
	refusal(t, "", "s.NPY: row 0, column 1: not finite", "eval", "--samples", npy, "--target", "toy:moons")
}

// TestEvalPointsFar checks that eval of samples beyond ±1e100 against a
// point target, where every metric it has would overflow, is refused in
// one line; it printed {"n":2} and exited 0.
func TestEvalPointsFar(t *testing.T) {
	path := filepath.Join(t.TempDir(), "far.csv")
	if err := os.WriteFile(path, []byte("x,y\n1e30,1\n1e150,2\n0,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refusal(t, "", "far.csv: sample 2 has coordinate 1e+150, beyond ±1e+100", "eval", "--samples", path, "--target", "toy:moons", "--json")
}
