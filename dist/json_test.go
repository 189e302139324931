package dist

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMixtureJSONRoundTrip(t *testing.T) {
	uneven := mustMixture(t, []Component{
		{Weight: 1, Mean: []float64{0.1, -2, 1e-7}, Std: []float64{0.3, 1.0 / 3, 2}},
		{Weight: 2, Mean: []float64{3, -2, 0}, Std: []float64{1, 0.5, 0.7}},
	})
	for _, tc := range []struct {
		name string
		m    *Mixture
	}{
		{"seed-mog", mustPreset(t, "seed-mog")},
		{"ring8", mustPreset(t, "ring8")},
		{"d=3/uneven weights", uneven},
		{"perturbed", uneven.Perturbed(0.1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.m.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			back, err := ReadMixture(&buf)
			if err != nil {
				t.Fatalf("reading back %q: %v", buf.String(), err)
			}
			if !reflect.DeepEqual(back.Components(), tc.m.Components()) {
				t.Errorf("WriteJSON round trip %v, want %v", back.Components(), tc.m.Components())
			}

			b, err := json.Marshal(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			var m Mixture
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("unmarshalling %s: %v", b, err)
			}
			if !reflect.DeepEqual(m.Components(), tc.m.Components()) {
				t.Errorf("MarshalJSON round trip %v, want %v", m.Components(), tc.m.Components())
			}
		})
	}
}

func TestMixtureJSONRoundTripRandom(t *testing.T) {
	// Normalised weights must read back as the same float64s, though
	// NewMixture normalises what it reads: weights 1, 3, 7 normalise to
	// 1/11 = 0.09090909090909091, which a second normalisation would turn
	// into 0.09090909090909093. Random mixtures of 1 to 40 components with
	// weights over 20 orders of magnitude, in 1 to 3 dimensions, and their
	// perturbed versions (Perturbed(0) is a copy).
	rng := rand.New(rand.NewPCG(7, 11))
	mixtures := []*Mixture{mustMixture(t, []Component{
		{Weight: 1, Mean: []float64{0}, Std: []float64{1}},
		{Weight: 3, Mean: []float64{1}, Std: []float64{1}},
		{Weight: 7, Mean: []float64{2}, Std: []float64{1}},
	})}
	for range 1000 {
		k, d := 1+rng.IntN(40), 1+rng.IntN(3)
		comps := make([]Component, k)
		for c := range comps {
			comps[c] = Component{Weight: math.Pow(10, 20*rng.Float64()-10), Mean: make([]float64, d), Std: make([]float64, d)}
			for j := range d {
				comps[c].Mean[j] = 10 * rng.NormFloat64()
				comps[c].Std[j] = math.Exp(rng.NormFloat64())
			}
		}
		mixtures = append(mixtures, mustMixture(t, comps))
	}
	for i, m := range mixtures {
		want := m.Components()
		if got := m.Perturbed(0).Components(); !reflect.DeepEqual(got, want) {
			t.Errorf("mixture %d: Perturbed(0) %v, want %v", i, got, want)
		}
		var buf bytes.Buffer
		if err := m.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ReadMixture(&buf)
		if err != nil {
			t.Fatalf("mixture %d: reading back: %v", i, err)
		}
		if got := back.Components(); !reflect.DeepEqual(got, want) {
			t.Errorf("mixture %d: WriteJSON round trip %v, want %v", i, got, want)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var u Mixture
		if err := json.Unmarshal(b, &u); err != nil {
			t.Fatalf("mixture %d: unmarshalling %s: %v", i, b, err)
		}
		if got := u.Components(); !reflect.DeepEqual(got, want) {
			t.Errorf("mixture %d: MarshalJSON round trip %v, want %v", i, got, want)
		}
	}
}

func TestReadMixture(t *testing.T) {
	m, err := ReadMixture(strings.NewReader(`{"components": [
		{"weight": 0.2, "mean": [-5, -5], "std": [1, 1]},
		{"weight": 0.8, "mean": [5, 5], "std": [1, 1]}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := mustPreset(t, "two-modes-unequal"); !reflect.DeepEqual(m.Components(), want.Components()) {
		t.Errorf("read %v, want %v", m.Components(), want.Components())
	}
}

// TestReadMixtureByteOrderMark checks that a spec saved with a byte order
// mark reads as without: it was refused, "invalid character 'ï'".
func TestReadMixtureByteOrderMark(t *testing.T) {
	m, err := ReadMixture(strings.NewReader("\ufeff" + `{"components": [{"weight": 1, "mean": [1, 2], "std": [3, 4]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Components(); len(c) != 1 || !reflect.DeepEqual(c[0].Mean, []float64{1, 2}) || !reflect.DeepEqual(c[0].Std, []float64{3, 4}) {
		t.Errorf("read %v, want one component of mean [1 2], std [3 4]", c)
	}
}

func TestReadMixtureErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", ``, "empty mixture spec"},
		{"syntax", "{\"components\": [\n{\"weight\": 1,}\n]}", "line 2: invalid character '}'"},
		{"truncated", "{\"components\": [\n{\"weight\": 1", "line 2: unexpected end"},
		{"trailing data", `{"components": [{"weight": 1, "mean": [0], "std": [1]}]} {}`, "unexpected data after the mixture"},
		{"not an object", `[1, 2]`, "the mixture spec must be an object, got array"},
		{"unknown field", "{\"components\": [\n{\"weight\": 1, \"mean\": [0], \"sd\": [1]}]}", `line 2: unknown field "sd"`},
		{"unknown top-level field", `{"components": [], "name": "x"}`, `unknown field "name"`},
		{"missing components", `{}`, `missing "components"`},
		{"no components", `{"components": []}`, "at least one component"},
		{"missing weight", `{"components": [{"mean": [0], "std": [1]}]}`, `component 0: missing "weight"`},
		{"missing mean", `{"components": [{"weight": 1, "mean": [0], "std": [1]}, {"weight": 1, "std": [1]}]}`, `component 1: missing "mean"`},
		{"missing std", `{"components": [{"weight": 1, "mean": [0]}]}`, `component 0: missing "std"`},
		{"mean not a list", "{\"components\": [\n\n{\"weight\": 1, \"mean\": 0, \"std\": [1]}]}", `line 3: "mean" must be a list of numbers, got number`},
		{"weight a string", `{"components": [{"weight": "1", "mean": [0], "std": [1]}]}`, `"weight" must be a number, got string`},
		{"negative std", `{"components": [{"weight": 1, "mean": [0, 0], "std": [1, 1]}, {"weight": 1, "mean": [0, 0], "std": [1, -1]}]}`, `component 1: "std"[1] must be positive, got -1`},
		{"std length", `{"components": [{"weight": 1, "mean": [0, 0], "std": [1]}]}`, `component 0: "std" has length 1, "mean" has length 2`},
		{"mean length", `{"components": [{"weight": 1, "mean": [0, 0], "std": [1, 1]}, {"weight": 1, "mean": [0], "std": [1]}]}`, `component 1: "mean" has length 1, component 0's has length 2`},
		{"zero weight", `{"components": [{"weight": 0, "mean": [0], "std": [1]}]}`, `component 0: "weight" must be positive and finite, got 0`},
		{"null weight", `{"components": [{"weight": null, "mean": [0], "std": [1]}]}`, `component 0: missing "weight"`},
		{"overflowing number", `{"components": [{"weight": 1, "mean": [1e999], "std": [1]}]}`, `"mean": 1e999 is out of range for a float64`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadMixture(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error, got mixture %v", m.Components())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadMixture(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	var buf bytes.Buffer
	if err := mustPreset(t, "ring8").WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMixture(good); err != nil {
		t.Errorf("LoadMixture(%s): %v", good, err)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"components": [{"weight": -1, "mean": [0], "std": [1]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadMixture(bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+": component 0: \"weight\"") {
		t.Errorf("LoadMixture(%s) error %v, want it to start with the path and name the weight", bad, err)
	}

	missing := filepath.Join(dir, "missing.json")
	_, err = LoadMixture(missing)
	if err == nil || !strings.HasPrefix(err.Error(), missing+": ") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadMixture(%s) error %v, want one starting with the path that is fs.ErrNotExist", missing, err)
	}
}

func TestPreset(t *testing.T) {
	names := PresetNames()
	for _, want := range []string{"ring8", "seed-mog", "two-modes-unequal"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("PresetNames() = %v, missing %q", names, want)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m, err := Preset(name)
			if err != nil {
				t.Fatal(err)
			}
			if m.Dim() != 2 {
				t.Errorf("Dim() = %d, want 2", m.Dim())
			}
		})
	}

	seed := mustPreset(t, "seed-mog").Components()
	want := []Component{
		{Weight: 0.5, Mean: []float64{0.5, 0.5}, Std: []float64{0.4, 0.4}},
		{Weight: 0.5, Mean: []float64{-0.5, -0.5}, Std: []float64{0.4, 0.4}},
	}
	if !reflect.DeepEqual(seed, want) {
		t.Errorf("seed-mog = %v, want %v", seed, want)
	}

	_, err := Preset("seed")
	if err == nil || !strings.Contains(err.Error(), `unknown preset "seed"`) || !strings.Contains(err.Error(), "seed-mog") {
		t.Errorf("Preset(\"seed\") error %v, want one listing the known names", err)
	}
}

func TestTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	if err := os.WriteFile(path, []byte(`{"components": [{"weight": 1, "mean": [1, 2, 3], "std": [1, 1, 1]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file named like a preset is read as a file.
	shadow := filepath.Join(dir, "seed-mog")
	if err := os.WriteFile(shadow, []byte(`{"components": [{"weight": 1, "mean": [7], "std": [1]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec    string
		wantDim int
		wantErr string
	}{
		{spec: "seed-mog", wantDim: 2},
		{spec: path, wantDim: 3},
		{spec: shadow, wantDim: 1},
		{spec: "no-such-preset", wantErr: `"no-such-preset" is neither a mixture file nor a preset (presets: `},
		{spec: dir, wantErr: "is neither a mixture file nor a preset"},
	} {
		t.Run(filepath.Base(tc.spec), func(t *testing.T) {
			m, err := Target(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Target(%q) error %v, want one containing %q", tc.spec, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Dim() != tc.wantDim {
				t.Errorf("Target(%q).Dim() = %d, want %d", tc.spec, m.Dim(), tc.wantDim)
			}
		})
	}
}
