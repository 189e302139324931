package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/scorenet"
)

// oneLineError checks that a run failed with one line on stderr that names
// every culprit, and no Go panic.
func oneLineError(t *testing.T, code int, stderr string, culprits ...string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit 0, want an error naming %q", culprits)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Fatalf("a panic, not an error:\n%s", stderr)
	}
	if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 {
		t.Errorf("%d lines on stderr, want 1:\n%s", lines, stderr)
	}
	for _, c := range culprits {
		if !strings.Contains(stderr, c) {
			t.Errorf("stderr %q does not name %q", stderr, c)
		}
	}
}

// TestTrainDataRefusesBadData checks that train --data refuses bad point
// files with the file, the line where there is one, and the reason.
func TestTrainDataRefusesBadData(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file, content string
		culprits            []string
	}{
		{"ragged", "ragged.csv", "1,2,3\n4,5,6\n7,8\n", []string{"ragged.csv", "line 3", "2 fields, want 3"}},
		{"NaN", "nan.csv", "a,b\n1,2\nNaN,3\n", []string{"nan.csv", "line 3", "not finite"}},
		{"empty", "empty.csv", "", []string{"empty.csv", "no points"}},
		{"one row", "one.csv", "x,y\n1,2\n", []string{"one.csv", "1 point(s)"}},
		{"text", "text.csv", "1,2\n3,four\n", []string{"text.csv", "line 2", "not a number"}},
		{"constant column", "const.csv", "1,5\n2,5\n3,5\n", []string{"const.csv", "coordinate 2 is constant"}},
		{"unknown toy", "", "", []string{"toy:blob"}},
		{"unknown kind", "notes.txt", "1,2\n3,4\n", []string{"notes.txt", "want PATH.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := "toy:blob"
			if tc.file != "" {
				spec = writeFile(t, dir, tc.file, tc.content)
			}
			out := filepath.Join(dir, "run-"+strings.ReplaceAll(tc.name, " ", "-"))
			code, _, stderr := runSGM(t, append([]string{"train", "--data", spec, "--steps", "2", "--out", out}, tinyRun...)...)
			oneLineError(t, code, stderr, append([]string{"--data"}, tc.culprits...)...)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a refused run left %s behind", out)
			}
		})
	}
	code, _, stderr := runSGM(t, "train", "--data", "toy:moons", "--image", "x.png", "--out", filepath.Join(dir, "both"))
	oneLineError(t, code, stderr, "--data", "--image")
}

// cloud3 is a 3-D CSV cloud far from the origin and of unequal scales, so
// that outputs in standard units and in the data's units differ plainly.
func cloud3() string {
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := range 200 {
		u := float64(i%20)/19 - 0.5
		v := float64(i/20)/9 - 0.5
		b.WriteString(strings.Join([]string{ftoa(100 + 10*u), ftoa(-50 + 2*v), ftoa(u * v)}, ",") + "\n")
	}
	return b.String()
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestTrainDataStandardises trains briefly on a 3-D CSV file and checks the
// run: the network models 3 dimensions, the checkpoint records the
// standardisation (the data's means and standard deviations), σ_max is the
// data's largest pairwise distance in standard units, a resumed run
// refuses data of another dimension, and sample with no sampler flags runs
// annealed Langevin with the denoising step and writes samples in the
// data's units.
func TestTrainDataStandardises(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, dir, "cloud.csv", cloud3())
	run := filepath.Join(dir, "run")
	trainOK(t, "--data", csv, "--steps", "4", "--out", run)

	net, err := scorenet.Load(gobackend.GetBackend(), run)
	if err != nil {
		t.Fatal(err)
	}
	if d := net.Config().Dim; d != 3 {
		t.Fatalf("network of dimension %d, want 3", d)
	}
	std, ok, err := netStandardizer(net)
	if err != nil || !ok {
		t.Fatalf("checkpoint standardizer: ok=%v, %v", ok, err)
	}
	pts, err := data.ReadPointsFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := data.FitStandardizer(pts)
	for j := range 3 {
		// The label is JSON of float64s: exact round trip.
		if std.Mean[j] != want.Mean[j] || std.Std[j] != want.Std[j] {
			t.Errorf("coordinate %d: stored mean %v std %v, want %v %v", j, std.Mean[j], std.Std[j], want.Mean[j], want.Std[j])
		}
	}
	// σ_max by brute force over all pairs (200 points, below spreadPoints).
	z := append([]float64(nil), pts.Data...)
	want.Apply(z)
	var far float64
	for i := 0; i < len(z); i += 3 {
		for k := i + 3; k < len(z); k += 3 {
			far = max(far, math.Hypot(math.Hypot(z[i]-z[k], z[i+1]-z[k+1]), z[i+2]-z[k+2]))
		}
	}
	sig := net.Config().Sigmas
	if got := sig[len(sig)-1]; math.Abs(got-far) > 1e-9*far {
		t.Errorf("σ_max %v, want the largest pairwise distance %v", got, far)
	}
	if sig[0] != 0.01 {
		t.Errorf("σ_min %v, want 0.01", sig[0])
	}

	two := writeFile(t, dir, "two.csv", "1,2\n3,5\n4,4\n")
	code, _, stderr := runSGM(t, "train", "--resume", "--data", two, "--steps", "6", "--out", run)
	oneLineError(t, code, stderr, "two.csv", "trains on", "cloud.csv") // other data, refused by its name
	code, _, stderr = runSGM(t, "train", "--resume", "--data", "toy:moons", "--steps", "6", "--out", run)
	oneLineError(t, code, stderr, "toy:moons", "trains on", "cloud.csv")
	trainOK(t, "--resume", "--steps", "6", "--out", run) // the recorded data

	out := filepath.Join(dir, "s.csv")
	code, stdout, stderr := runSGM(t, "sample", "--model", run, "--n", "50", "--steps-per-level", "5", "--out", out)
	if code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	if !strings.Contains(stdout, "annealed Langevin, 5 levels") {
		t.Errorf("default sampler of a point model: %s", stdout)
	}
	// Neither --steps-per-level nor --eps: sample.PointStepsPerLevel and
	// PointEps; --steps-per-level alone keeps --eps's own default.
	if _, stdout, _ = runSGM(t, "sample", "--model", run, "--n", "5", "--out", out); !strings.Contains(stdout, "5 steps each, ε=0.0001") {
		t.Errorf("point model's default annealed steps: %s", stdout)
	}
	if _, stdout, _ = runSGM(t, "sample", "--model", run, "--n", "5", "--steps-per-level", "2", "--out", out); !strings.Contains(stdout, "2 steps each, ε=2e-05") {
		t.Errorf("--steps-per-level 2 alone: %s", stdout)
	}
	if code, _, stderr = runSGM(t, "sample", "--model", run, "--n", "50", "--steps-per-level", "5", "--out", out); code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	header, s, err := data.ReadCSVFile(out)
	if err != nil || len(header) != 3 {
		t.Fatalf("samples: %d columns, %v", len(header), err)
	}
	var mean0 float64
	for i := 0; i < len(s); i += 3 {
		mean0 += s[i] / float64(len(s)/3)
	}
	// In standard units the samples start from N(0, σ_max²), σ_max ≈ 3.9,
	// and barely move in 25 small steps: their first coordinate's mean is
	// within a few units of 0, and in the data's units (×2.9, +100) within
	// 100 ± 40 (5 standard errors of 50 draws of sd 3.9·2.9 is 8; the
	// rest is slack for the untrained drift).
	if math.Abs(mean0-100) > 40 {
		t.Errorf("mean of the samples' first coordinate %v, want about 100, the data's", mean0)
	}
}

// TestEvalPoints checks eval against a toy: exact draws of the target
// score about their floor; the same draws shifted by 3 in x have W₂ of
// at least the distance of the means (W₂² = W₂²(centred) + |δ|², see
// metric.Wasserstein2).
func TestEvalPoints(t *testing.T) {
	dir := t.TempDir()
	var b, s strings.Builder
	b.WriteString("x,y\n")
	s.WriteString("x,y\n")
	pts := data.Toy8Gaussians.Sample(nil, 400, rand.New(rand.NewPCG(7, 7)))
	for i := 0; i < len(pts); i += 2 {
		b.WriteString(ftoa(pts[i]) + "," + ftoa(pts[i+1]) + "\n")
		s.WriteString(ftoa(pts[i]+3) + "," + ftoa(pts[i+1]) + "\n")
	}
	good, shifted := writeFile(t, dir, "good.csv", b.String()), writeFile(t, dir, "shifted.csv", s.String())
	report := func(file string) map[string]any {
		code, stdout, stderr := runSGM(t, "eval", "--samples", file, "--target", "toy:8gaussians", "--json")
		if code != 0 {
			t.Fatalf("eval: %s", stderr)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	g, sh := report(good), report(shifted)
	if g["w_n"].(float64) != 400 {
		t.Errorf("w_n %v, want 400", g["w_n"])
	}
	// Exact draws: W₂ is a draw of what the floor measures; at n = 400
	// both were about 0.5 (seeds 0..4), well apart from a shift of 3.
	if w, fl := g["w2"].(float64), g["w2_floor"].(float64); w > 1.5*fl+0.1 {
		t.Errorf("exact draws: w2 %v, floor %v", w, fl)
	}
	// The two sets' means differ by 3 less the difference of the means of
	// 400 and 400 draws, of standard error 2·sqrt(2/400) ≈ 0.14 per
	// coordinate: above 2.5 by more than 3 standard errors.
	if w := sh["w2"].(float64); w < 2.5 {
		t.Errorf("shifted by 3: w2 %v < 2.5", w)
	}
	for _, k := range []string{"w1", "w1_floor", "energy", "energy_floor", "rbf_mmd", "rbf_mmd_floor", "rbf_mmd_cfm"} {
		if _, ok := g[k]; !ok {
			t.Errorf("no %s in the report", k)
		}
	}
	if e := sh["energy"].(float64); e < 10*math.Abs(g["energy"].(float64)) {
		t.Errorf("energy distance: shifted %v, exact %v", e, g["energy"])
	}
	// A data file as the target: floors from two disjoint halves.
	code, stdout, stderr := runSGM(t, "eval", "--samples", shifted, "--target", good)
	if code != 0 || !strings.Contains(stdout, "w_n                         200") {
		t.Errorf("file target: %d %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "rbf_bandwidths              [0.01 0.1 1 10 100]") {
		t.Errorf("bandwidths in the text report: %s", stdout)
	}
	three := writeFile(t, dir, "three.csv", cloud3())
	code, _, stderr = runSGM(t, "eval", "--samples", three, "--target", "toy:moons")
	oneLineError(t, code, stderr, "3 columns", "toy:moons", "2-dimensional")
	code, _, stderr = runSGM(t, "eval", "--samples", good, "--target", "toy:moons", "--w-points", "6000")
	oneLineError(t, code, stderr, "--w-points", "6000")
}

// TestTrainDataImage checks that --data takes an image spec as --image
// does: the run trains on the image and records no standardisation.
func TestTrainDataImage(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "dot.png")
	writePNG(t, png)
	run := filepath.Join(dir, "run")
	trainOK(t, "--data", png, "--steps", "2", "--out", run)
	net, err := scorenet.Load(gobackend.GetBackend(), run)
	if err != nil {
		t.Fatal(err)
	}
	if im, _ := net.Label(imageLabel); im != png {
		t.Errorf("image label %q, want %q", im, png)
	}
	if _, ok := net.Label(standardizerLabel); ok {
		t.Errorf("an image run records a standardisation")
	}
}

// npyFloat64 returns a numpy .npy file (format 1.0) holding x as an array
// of shape (len(x)/d, d), float64 little-endian, C order.
func npyFloat64(x []float64, d int) []byte {
	header := "{'descr': '<f8', 'fortran_order': False, 'shape': (" + strconv.Itoa(len(x)/d) + ", " + strconv.Itoa(d) + "), }"
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	b = append(b, header...)
	for _, v := range x {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// TestTrainDataNPY trains on a .npy file of 4-D points: the network models
// 4 dimensions and sample writes 4 columns.
func TestTrainDataNPY(t *testing.T) {
	dir := t.TempDir()
	x := make([]float64, 4*50)
	for i := range x {
		x[i] = float64(i%7) + float64(i%4)*10
	}
	path := filepath.Join(dir, "pts.npy")
	if err := os.WriteFile(path, npyFloat64(x, 4), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	trainOK(t, "--data", path, "--steps", "2", "--out", run)
	out := filepath.Join(dir, "s.csv")
	if code, _, stderr := runSGM(t, "sample", "--model", run, "--n", "10", "--steps-per-level", "2", "--out", out); code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	if header, _, err := data.ReadCSVFile(out); err != nil || len(header) != 4 {
		t.Errorf("samples of a 4-D model: %d columns, %v", len(header), err)
	}
}

// TestTrainDataDefaults checks the defaults of a new run on points: one
// level per point and moving averages of the weights (pointDefaults),
// that flags given win over them, and that a run on an image keeps the
// blog post's (every level, no averages).
func TestTrainDataDefaults(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name      string
		args      []string
		objective string
		ema       string // "" for no averages
	}{
		{"points", []string{"--data", "toy:moons"}, "one-level", "0.999"},
		{"mixture", []string{"--data", "seed-mog"}, "one-level", "0.999"},
		{"points, flags given", []string{"--data", "toy:moons", "--objective", "all-levels", "--ema", "0"}, "all-levels", ""},
		{"image", []string{"--image", "mnist:train:0"}, "all-levels", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			trainOK(t, append(c.args, "--steps", "2", "--out", run)...)
			net, err := scorenet.Load(gobackend.GetBackend(), run)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := net.Label("objective"); got != c.objective {
				t.Errorf("objective %q, want %q", got, c.objective)
			}
			got, ok := net.Label("ema")
			if ok && got == "0" {
				got = ""
			}
			if got != c.ema {
				t.Errorf("ema %q (recorded %v), want %q", got, ok, c.ema)
			}
		})
	}
}
