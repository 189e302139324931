package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
)

// TestLabelledTrainSample trains a tiny labelled model through sgm train
// --label-column, on a CSV file's string column and on a toy's components,
// samples a label with and without guidance through sgm sample, and checks
// the one-line refusals.
func TestLabelledTrainSample(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "pts.csv")
	var b strings.Builder
	b.WriteString("x,kind,y\n")
	for i := range 200 {
		if i%2 == 0 {
			b.WriteString("-1,left,0\n-1.1,left,0.1\n")
		} else {
			b.WriteString("1,right,0\n1.1,right,-0.1\n")
		}
	}
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tiny := []string{"--steps", "30", "--width", "16", "--depth", "1", "--features", "8"}
	run := filepath.Join(dir, "run")
	if code, out, errs := runSGM(t, append([]string{"train", "--data", csv, "--label-column", "kind", "--out", run}, tiny...)...); code != 0 || !strings.Contains(out, "with labels [left right]") {
		t.Fatalf("train: exit %d, %s%s", code, out, errs)
	}
	// Resumed without restating the label column.
	if code, out, errs := runSGM(t, "train", "--resume", "--out", run, "--steps", "40"); code != 0 || !strings.Contains(out, "trained 10 steps (to step 40)") {
		t.Fatalf("resume: exit %d, %s%s", code, out, errs)
	}
	samples := filepath.Join(dir, "s.csv")
	for _, w := range []string{"0", "3"} {
		code, out, errs := runSGM(t, "sample", "--model", run, "--label", "right", "--guidance", w, "--n", "20", "--steps-per-level", "2", "--out", samples)
		if code != 0 || !strings.Contains(out, "label right, guidance "+w) {
			t.Fatalf("sample W=%s: exit %d, %s%s", w, code, out, errs)
		}
	}
	l, err := data.ReadLabelledFile(samples, "label")
	if err != nil || l.N != 20 || len(l.Names) != 1 || l.Names[0] != "right" {
		t.Fatalf("samples: %+v, %v", l, err)
	}
	// eval measures labelled samples per label against a labelled CSV
	// target; plot samples colours them by label.
	if code, out, errs := runSGM(t, "eval", "--samples", samples, "--target", csvWithLabel(t, dir, b.String()), "--json"); code != 0 || !strings.Contains(out, `"label":"right","n":20`) {
		t.Fatalf("eval: exit %d, %s%s", code, out, errs)
	}
	if code, out, errs := runSGM(t, "eval", "--samples", samples, "--target", "toy:moons"); code == 0 || !strings.Contains(errs, `label "right" is not one of the target's ([0 1])`) {
		t.Errorf("eval against other labels: exit %d, %s%s", code, out, errs)
	}
	fig := filepath.Join(dir, "s.png")
	if code, _, errs := runSGM(t, "plot", "samples", "--samples", samples, "--out", fig); code != 0 {
		t.Fatalf("plot samples: %s", errs)
	}
	if _, err := os.Stat(fig); err != nil {
		t.Fatal(err)
	}
	// The CSV's header names the coordinates (x, y; kind is the label):
	// --given takes them, and the samples are written under them.
	if code, out, errs := runSGM(t, "sample", "--model", run, "--label", "left", "--given", "y=0.05", "--n", "5", "--steps-per-level", "2", "--out", samples); code != 0 {
		t.Fatalf("sample --given y=0.05: exit %d, %s%s", code, out, errs)
	}
	if head, _ := os.ReadFile(samples); !strings.HasPrefix(string(head), "x,y,label\n") || !strings.Contains(string(head), ",0.05,left\n") {
		t.Errorf("samples given y:\n%s", head)
	}
	if code, _, errs := runSGM(t, "sample", "--model", run, "--given", "z=1", "--out", samples); code == 0 || !strings.Contains(errs, `coordinate "z": want an index 0..1 or a column name (x, y)`) {
		t.Errorf("--given z=1: %s", errs)
	}
	toy := filepath.Join(dir, "toy")
	if code, out, errs := runSGM(t, append([]string{"train", "--data", "toy:moons", "--label-column", "component", "--out", toy}, tiny...)...); code != 0 || !strings.Contains(out, "with labels [0 1]") {
		t.Fatalf("train toy: exit %d, %s%s", code, out, errs)
	}
	plain := filepath.Join(dir, "plain")
	if code, _, errs := runSGM(t, append([]string{"train", "--data", "toy:moons", "--out", plain}, tiny...)...); code != 0 {
		t.Fatalf("train plain: %s", errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sample", "--model", plain, "--label", "0"}, "--label: the model has no labels"},
		{[]string{"sample", "--model", run, "--label", "up"}, `--label: unknown label "up" (the model's labels: left, right)`},
		{[]string{"sample", "--model", run, "--label", "left", "--guidance", "NaN"}, "--guidance: guidance must be in [0, 100], got NaN"},
		{[]string{"sample", "--model", run, "--label", "left", "--guidance", "-2"}, "got -2"},
		{[]string{"sample", "--model", run, "--label", "left", "--guidance", "1e300"}, "got 1e+300"},
		{[]string{"sample", "--model", run, "--guidance", "1"}, "--guidance 1 needs --label"},
		{[]string{"sample", "--target", "seed-mog", "--label", "a"}, "--label needs --model"},
		{[]string{"train", "--data", "toy:swissroll", "--label-column", "component", "--out", filepath.Join(dir, "r2")}, "toy:swissroll has no components to label"},
		{[]string{"train", "--data", csv, "--label-column", "colour", "--out", filepath.Join(dir, "r3")}, `no column "colour" in the header row`},
		{[]string{"train", "--resume", "--out", run, "--label-column", "x"}, `trains with label column "kind", not "x"`},
	} {
		code, _, errs := runSGM(t, c.args...)
		errs = withoutWarnings(errs)
		if code == 0 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", c.args, code, errs, c.want)
		}
	}
}

// TestSampleGiven checks --given and --given-file with a model and with a
// mixture target: given coordinates are written exactly, and bad values
// are refused on one line.
func TestSampleGivenFlags(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if code, _, errs := runSGM(t, "train", "--data", "toy:moons", "--steps", "20", "--width", "16", "--depth", "1", "--features", "8", "--out", run); code != 0 {
		t.Fatal(errs)
	}
	out := filepath.Join(dir, "g.csv")
	gf := filepath.Join(dir, "given.csv")
	if err := os.WriteFile(gf, []byte("x0,x1\n0.5,\n,-0.25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range [][]string{{"--model", run, "--steps-per-level", "2"}, {"--target", "seed-mog"}} {
		for _, g := range [][]string{{"--given", "x1=0.75", "--n", "4"}, {"--given-file", gf}} {
			args := append(append([]string{"sample", "--out", out}, src...), g...)
			if code, _, errs := runSGM(t, args...); code != 0 {
				t.Fatalf("%v: %s", args, errs)
			}
			_, pts, err := data.ReadCSVFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if g[0] == "--given" && (len(pts) != 8 || pts[1] != 0.75 || pts[7] != 0.75) {
				t.Errorf("%v: %v", args, pts)
			}
			if g[0] == "--given-file" && (len(pts) != 4 || pts[0] != 0.5 || pts[3] != -0.25) {
				t.Errorf("%v: %v", args, pts)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--given", "0=1,1=2"}, "leave at least one to sample"},
		{[]string{"--given", "x3=1"}, `coordinate "x3": want an index 0..1`},
		{[]string{"--given", "0=inf"}, "want a finite number"},
		{[]string{"--given", "0=1,0=2"}, "given twice"},
		{[]string{"--given", "0"}, "want I=V"},
		{[]string{"--given", "0=1", "--given-file", gf}, "one of --given and --given-file"},
		{[]string{"--given-file", gf, "--n", "3"}, "has 2 rows"},
	} {
		args := append([]string{"sample", "--model", run, "--out", out}, c.args...)
		code, _, errs := runSGM(t, args...)
		errs = withoutWarnings(errs)
		if code == 0 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", c.args, code, errs, c.want)
		}
	}
}

// withoutWarnings drops the warning lines of stderr (a short run's moving
// averages), leaving the error.
func withoutWarnings(stderr string) string {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.Contains(l, "warning:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// csvWithLabel writes the points of a CSV text with a "kind" column as a
// file whose label column is named "label", as eval's target needs.
func csvWithLabel(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "target.csv")
	if err := os.WriteFile(path, []byte(strings.Replace(text, "x,kind,y", "x0,label,x1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLabelledTimedTrainSample trains tiny labelled VP and OT-CFM models
// through sgm train --label-column component (once refused for networks
// conditioned on time), and samples a label with and without guidance.
func TestLabelledTimedTrainSample(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range [][]string{{"--sde", "vp"}, {"--objective", "otcfm"}} {
		run := filepath.Join(dir, kind[1])
		args := append([]string{"train", "--data", "toy:8gaussians", "--label-column", "component", "--out", run, "--steps", "20", "--width", "16", "--depth", "1", "--features", "8"}, kind...)
		if code, out, errs := runSGM(t, args...); code != 0 || !strings.Contains(out, "with labels [0 1 2 3 4 5 6 7]") {
			t.Fatalf("train %v: exit %d, %s%s", kind, code, out, errs)
		}
		for _, w := range []string{"0", "2"} {
			samples := filepath.Join(dir, kind[1]+w+".csv")
			code, out, errs := runSGM(t, "sample", "--model", run, "--label", "3", "--guidance", w, "--n", "10", "--out", samples)
			if code != 0 || !strings.Contains(out, "label 3, guidance "+w) {
				t.Fatalf("sample %v W=%s: exit %d, %s%s", kind, w, code, out, errs)
			}
		}
		if code, out, errs := runSGM(t, "sample", "--model", run, "--label", "9", "--n", "10", "--out", filepath.Join(dir, "x.csv")); code == 0 || !strings.Contains(errs, `unknown label "9"`) {
			t.Errorf("sample %v with label 9: exit %d, %s%s", kind, code, out, errs)
		}
		// The conditioned path checks --n against memory before it
		// allocates, as the plain one does (it panicked in makeslice).
		for _, cond := range [][]string{{"--label", "3"}, {"--given", "0=1"}} {
			huge := filepath.Join(dir, "huge.csv")
			args := append([]string{"sample", "--model", run, "--n", "9223372036854775807", "--out", huge}, cond...)
			if code, out, errs := runSGM(t, args...); code == 0 || !strings.Contains(errs, "--n 9223372036854775807: 2-dimensional particles would take") || strings.Contains(errs, "panic") {
				t.Errorf("sample %v %v with --n MaxInt64: exit %d, %s%s", kind, cond, code, out, errs)
			}
			if _, err := os.Stat(huge); !os.IsNotExist(err) {
				t.Errorf("sample %v %v with --n MaxInt64 left %s (%v)", kind, cond, huge, err)
			}
		}
	}
}
