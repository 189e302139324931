package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/bench"
	"github.com/sgm-dev/sgm/demo"
	"github.com/sgm-dev/sgm/metric"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from what the command prints")

// Golden output, as benchstat's tests keep it: the help of the command and
// of each subcommand, and the field names of every JSON object it prints
// (--json and the demo's summary.json), in testdata/*.golden. A change to
// them is a change users see; go test ./cmd/sgm -run Golden -update
// rewrites the files, and the diff shows it for review.

// checkGoldenText compares got with testdata/name, or writes it there with
// -update.
func checkGoldenText(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: write it with go test ./cmd/sgm -run %s -update, and review it", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/sgm -run %s -update rewrites it):\n--- got\n%s--- want\n%s", path, t.Name(), got, want)
	}
}

// TestGoldenHelp checks sgm help and sgm help COMMAND for every command.
func TestGoldenHelp(t *testing.T) {
	code, stdout, stderr := runSGM(t, "help")
	if code != 0 {
		t.Fatalf("sgm help: exit %d: %s", code, stderr)
	}
	checkGoldenText(t, "help.golden", stdout)
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		code, stdout, stderr := runSGM(t, append([]string{"help"}, strings.Fields(name)...)...)
		if code != 0 {
			t.Errorf("sgm help %s: exit %d: %s", name, code, stderr)
			continue
		}
		checkGoldenText(t, "help-"+strings.ReplaceAll(name, " ", "-")+".golden", stdout)
	}
}

// jsonFields returns the paths of the fields of the JSON object b, one a
// line, sorted: "a", "a.b" for an object's field, "a[]" for an array's
// elements.
func jsonFields(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				seen[p] = true
				walk(p, e)
			}
		case []any:
			for _, e := range v {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	out := slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	})
	return strings.Join(out, "\n") + "\n"
}

// TestGoldenJSONFields checks the field names of eval --json (samples of a
// mixture, of an image, of points against a toy, a model's score error,
// the negative log-likelihood of --nll), bench --json and the
// demo's summary.json. The ones that take minutes to produce (bench, demo)
// are the structs the command encodes, filled so that no field is empty.
func TestGoldenJSONFields(t *testing.T) {
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	for _, args := range [][]string{
		{"sample", "--target", "seed-mog", "--n", "200", "--steps", "20", "--out", in("mog.csv")},
		{"sample", "--target", "mnist:train:0", "--n", "200", "--steps", "20", "--out", in("mnist.csv")},
		{"train", "--steps", "2", "--width", "4", "--depth", "1", "--features", "2", "--levels", "3", "--batch", "8", "--out", in("model")},
	} {
		if code, _, stderr := runSGM(t, args...); code != 0 {
			t.Fatalf("sgm %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"eval-samples-mixture", []string{"eval", "--json", "--samples", in("mog.csv"), "--target", "seed-mog"}},
		{"eval-samples-image", []string{"eval", "--json", "--samples", in("mnist.csv"), "--target", "mnist:train:0", "--sigma", "0.02"}},
		{"eval-model", []string{"eval", "--json", "--model", in("model"), "--n", "50"}},
		{"eval-samples-points", []string{"eval", "--json", "--samples", in("mog.csv"), "--target", "toy:moons"}},
		{"eval-nll", []string{"eval", "--json", "--nll", "--sde", "vp", "--target", "seed-mog", "--data", "target", "--n", "20"}},
	} {
		code, stdout, stderr := runSGM(t, c.args...)
		if code != 0 {
			t.Fatalf("sgm %s: exit %d: %s", strings.Join(c.args, " "), code, stderr)
		}
		checkGoldenText(t, "json-"+c.name+".golden", jsonFields(t, []byte(stdout)))
	}
	for _, c := range []struct {
		name string
		v    any
	}{
		{"bench", bench.Result{}},
		{"demo-summary", demo.Summary{Seconds: map[string]float64{"total": 1}, Figures: []string{"f.png"}, ScoreError: []levelError{{}},
			Conditional: &demo.CondResult{Guidance: []float64{0}}, Given: &demo.GivenResult{X0: []float64{0}}}},
	} {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		checkGoldenText(t, "json-"+c.name+".golden", jsonFields(t, b))
	}
	var _ metric.LevelError = levelError{} // score_error's elements are the library's
}
