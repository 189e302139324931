package scorenet

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/gobackend"
)

// TestSavedFile checks SavedFile on what Save writes and on what it does
// not.
func TestSavedFile(t *testing.T) {
	dir := t.TempDir()
	n, err := New(gobackend.GetBackend(), Config{Features: 2, Width: 2, Depth: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{stagingPrefix + "123", "other", "checkpoint-dir.json"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"loss.csv", "checkpoint-notes.txt", LockName} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	saved := 0
	for _, e := range entries {
		want := e.Name() == stagingPrefix+"123" || !e.IsDir() && checkpointNumber(e.Name()[:len(e.Name())-len(filepath.Ext(e.Name()))]) >= 0
		if got := SavedFile(e); got != want {
			t.Errorf("SavedFile(%s) = %v, want %v", e.Name(), got, want)
		}
		if want {
			saved++
		}
	}
	if saved != 3 { // the metadata, the data and the staging directory
		t.Errorf("%d entries saved, want 3", saved)
	}
}
