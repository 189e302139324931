package scorenet

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
)

// TestHistoryUnit: a checkpoint's history is saved with it (checksum in
// the metadata), comes back with Load, is kept by a Load and Save, and a
// history file damaged or taken from another checkpoint is refused.
func TestHistoryUnit(t *testing.T) {
	b := gobackend.GetBackend()
	net, err := New(b, Config{Features: 4, Width: 8, Depth: 1, Sigmas: []float64{0.1, 1}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := net.Save(dir); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(b, dir); err != nil || got.loadedHistory != nil {
		t.Fatalf("a checkpoint without history: %v, %q", err, got.loadedHistory)
	}
	net.SetHistory(func() []byte { return []byte("one") })
	if err := net.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := got.History(); !ok || string(h) != "one" {
		t.Fatalf("history %q, %v; want \"one\"", h, ok)
	}
	got.SetLabel("note", "again") // Load and Save: the history goes along
	if err := got.Save(dir); err != nil {
		t.Fatal(err)
	}
	again, err := Load(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := again.History(); string(h) != "one" {
		t.Fatalf("history after Load and Save %q, want \"one\"", h)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"+HistorySuffix))
	slices.Sort(files)
	if len(files) != 2 {
		t.Fatalf("history files %v, want one for each of the two newest checkpoints", files)
	}
	if err := os.WriteFile(files[1], []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(b, dir); err == nil || !strings.Contains(err.Error(), "history is damaged") {
		t.Errorf("a damaged history: %v", err)
	}
}
