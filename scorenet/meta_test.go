package scorenet

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/tensors"
)

// savedRun saves a small network with a step count into a new directory
// and returns the directory and the path of its checkpoint without suffix.
func savedRun(t testing.TB, width int, seed uint64, step int64) (dir, base string) {
	t.Helper()
	dir = t.TempDir()
	n, err := New(gobackend.GetBackend(), Config{Features: 2, Width: width, Depth: 1, Sigmas: []float64{0.1, 1}}, rand.New(rand.NewPCG(seed, 7)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.store.CreateVariable(StepPath, tensors.FromScalar(step)); err != nil {
		t.Fatal(err)
	}
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	names, err := listCheckpoints(dir)
	if err != nil || len(names) != 1 {
		t.Fatalf("listCheckpoints(%s) = %v, %v; want one", dir, names, err)
	}
	return dir, filepath.Join(dir, names[0])
}

// editMetadata rewrites the metadata of the checkpoint base with edit.
func editMetadata(t testing.TB, base string, edit func(m *metadata)) {
	t.Helper()
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m metadata
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(&m)
	if b, err = json.Marshal(&m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".json", b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// editConfig changes the configuration a metadata records.
func editConfig(edit func(c map[string]any)) func(m *metadata) {
	return func(m *metadata) {
		raw, _ := m.param(configParam)
		var c map[string]any
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			panic(err)
		}
		edit(c)
		b, _ := json.Marshal(c)
		m.setParam(configParam, string(b))
	}
}

// editVar changes the metadata of the variable at path.
func editVar(path string, edit func(v *metaVar)) func(m *metadata) {
	return func(m *metadata) {
		for i := range m.Variables {
			if m.Variables[i].ParameterName == "var:"+path {
				edit(&m.Variables[i])
			}
		}
	}
}

// badMetadata are edits of a checkpoint's metadata that Load must refuse
// with an error naming the cause (they used to load silently or panic).
var badMetadata = []struct {
	name, want string
	edit       func(m *metadata)
}{
	{"width", "want", editConfig(func(c map[string]any) { c["width"] = 64 })},
	{"depth", "want", editConfig(func(c map[string]any) { c["depth"] = 2 })},
	{"dim", "want", editConfig(func(c map[string]any) { c["dim"] = 3 })},
	{"features", "want", editConfig(func(c map[string]any) { c["features"] = 5 })},
	{"huge width", "more than", editConfig(func(c map[string]any) { c["width"] = 1 << 40 })},
	{"unknown config field", "unknown field", editConfig(func(c map[string]any) { c["widht"] = 3 })},
	{"levels out of order", "out of order", editConfig(func(c map[string]any) {
		s := c["sigmas"].([]any)
		s[0], s[1] = s[1], s[0]
	})},
	{"huge dimensions", "want", editVar("/scorenet/rf/B_cos", func(v *metaVar) { v.Dimensions = []int{1 << 40, 1 << 20} })},
	{"negative dimension", "want", editVar("/scorenet/rf/B_cos", func(v *metaVar) { v.Dimensions = []int{-2, 2} })},
	{"wrong length", "bytes", editVar("/scorenet/rf/alpha", func(v *metaVar) { v.Length = 1 << 40 })},
	{"unknown variable", "unknown variable", editVar("/scorenet/rf/beta", func(v *metaVar) { v.ParameterName = "var:/x" })},
	{"optimiser parameter", "unknown parameter", func(m *metadata) {
		m.Params = append(m.Params, metaParam{Scope: "/", Key: "adam_epsilon", Value: json.RawMessage("1"), ValueType: "float64"})
	}},
	{"no checksum", "no checksum", func(m *metadata) {
		m.Params = m.Params[:0:0]
		m.setParam(configParam, `{"dim":2,"features":2,"width":4,"depth":1,"sigmas":[0.1,1]}`)
	}},
}

func TestLoadRefusesBadMetadata(t *testing.T) {
	for _, c := range badMetadata {
		t.Run(c.name, func(t *testing.T) {
			dir, base := savedRun(t, 4, 1, 3)
			editMetadata(t, base, c.edit)
			if c.name != "no checksum" {
				if err := recordChecksum(base); err != nil { // edited consistently
					t.Fatal(err)
				}
			}
			_, err := Load(gobackend.GetBackend(), dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load of a checkpoint with edited %s: %v, want an error with %q", c.name, err, c.want)
			}
		})
	}
}

// TestLoadChecksData checks that a data file must be the one its metadata
// was written with: another run's of the same shape, or of another width.
func TestLoadChecksData(t *testing.T) {
	for _, c := range []struct {
		name  string
		width int
	}{{"same shape", 4}, {"width 64", 64}} {
		t.Run(c.name, func(t *testing.T) {
			dir, base := savedRun(t, 4, 1, 3)
			_, other := savedRun(t, c.width, 2, 3)
			b, err := os.ReadFile(other + ".bin")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".bin", b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(gobackend.GetBackend(), dir); err == nil || !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("Load with another run's data file: %v, want a checksum error", err)
			}
			// With the checksum recorded anew, the sizes still decide.
			if err := recordChecksum(base); err != nil {
				t.Fatal(err)
			}
			_, err = Load(gobackend.GetBackend(), dir)
			if c.width == 4 && err != nil {
				t.Fatalf("Load with a consistent checksum: %v", err)
			}
			if c.width != 4 && (err == nil || !strings.Contains(err.Error(), "bytes of variables")) {
				t.Fatalf("Load of a width-64 data file under width-4 metadata: %v, want a size error", err)
			}
		})
	}
}

func TestLoadRefusesNegativeStep(t *testing.T) {
	dir, _ := savedRun(t, 4, 1, -5)
	if _, err := Load(gobackend.GetBackend(), dir); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("Load of a checkpoint at step -5: %v, want an error", err)
	}
}

// FuzzDecodeMetadata checks that no metadata makes the reader panic or
// allocate beyond its limit: what decodeMetadata accepts is loaded with
// zero data. The seeds are a good checkpoint's metadata and the edits of
// badMetadata, which once crashed sgm or loaded silently.
func FuzzDecodeMetadata(f *testing.F) {
	_, base := savedRun(f, 4, 1, 3)
	good, err := os.ReadFile(base + ".json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, c := range badMetadata {
		editMetadata(f, base, c.edit)
		b, err := os.ReadFile(base + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if err := os.WriteFile(base+".json", good, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Add([]byte(`{"Params":[],"Variables":[{"ParameterName":"var:/global_step","Dimensions":[-1],"DType":"Int64","Pos":0,"Length":-8}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, cfg, n, err := decodeMetadata(b)
		if err != nil {
			return
		}
		if n < 0 || n > maxDataBytes {
			t.Fatalf("decodeMetadata accepted %d bytes of variables", n)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("decodeMetadata accepted an invalid config: %v", err)
		}
		if _, err := loadStore(b, make([]byte, n)); err != nil {
			t.Fatalf("metadata accepted by decodeMetadata does not load: %v", err)
		}
	})
}

func TestValidateBoundsSize(t *testing.T) {
	for _, c := range []Config{{Width: 1 << 20}, {Features: 1 << 30}, {Width: 1 << 40, Depth: 1 << 40}, {Depth: 1 << 62}} {
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MiB") {
			t.Errorf("Validate(%+v) = %v, want an error on the weights' size", c, err)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("the default config: %v", err)
	}
}

// TestLoadOffersOlder checks that the refusal of a damaged newest
// checkpoint names the older ones that load, newest first, and that the
// advice works: with the damaged one's files moved out, Load resumes from
// the first one named. (The refusal said nothing of them.)
func TestLoadOffersOlder(t *testing.T) {
	dir := t.TempDir()
	n, err := New(gobackend.GetBackend(), Config{Features: 2, Width: 4, Depth: 1, Sigmas: []float64{0.1, 1}}, rand.New(rand.NewPCG(1, 7)))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := n.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	names, err := listCheckpoints(dir)
	if err != nil || len(names) != 3 {
		t.Fatalf("listCheckpoints = %v, %v; want 3", names, err)
	}
	damage := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name+".bin"), []byte("damaged"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	damage(names[2])
	_, err = Load(gobackend.GetBackend(), dir)
	want := fmt.Sprintf("; older checkpoints that load: %s, %s (move %s.* out of %s to resume from %s)", names[1], names[0], names[2], dir, names[1])
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("newest damaged: %v, want an error ending %q", err, want)
	}
	// The advice works: with the damaged one's files out, Load resumes.
	for _, ext := range []string{".bin", ".json"} {
		if err := os.Remove(filepath.Join(dir, names[2]+ext)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(gobackend.GetBackend(), dir); err != nil {
		t.Errorf("with the damaged newest moved out: %v", err)
	}
	damage(names[1])
	_, err = Load(gobackend.GetBackend(), dir)
	if want := fmt.Sprintf("; older checkpoints that load: %s (move", names[0]); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("newest damaged, one older: %v, want one offering %s", err, names[0])
	}
	damage(names[0])
	if _, err = Load(gobackend.GetBackend(), dir); err == nil || strings.Contains(err.Error(), "older") {
		t.Errorf("all damaged: %v, want an error offering none", err)
	}
}
