package scorenet

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// setAlpha changes the network's first per-level scale, so that checkpoints
// saved before and after can be told apart.
func setAlpha(t *testing.T, n *Net, a float32) {
	t.Helper()
	v := n.store.GetVariable(model.JoinPath("/", ScopeName, "rf", varAlpha))
	if v == nil {
		t.Fatal("no rf/alpha variable")
	}
	vals, err := tensors.CopyFlatData[float32](v.MustValue())
	if err != nil {
		t.Fatal(err)
	}
	vals[0] = a
	if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)); err != nil {
		t.Fatal(err)
	}
}

// loadedAlpha loads dir and returns its first per-level scale.
func loadedAlpha(t *testing.T, dir string) float32 {
	t.Helper()
	n, err := Load(gobackend.GetBackend(), dir)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	a, err := n.VariableValues("rf/alpha")
	if err != nil {
		t.Fatal(err)
	}
	return a[0]
}

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func TestSaveIsAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	n, err := New(gobackend.GetBackend(), Config{Features: 2, Width: 4, Depth: 1}, rand.New(rand.NewPCG(1, 3)))
	if err != nil {
		t.Fatal(err)
	}
	setAlpha(t, n, 2)
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	saved := dirNames(t, dir)
	if len(saved) != 2 {
		t.Fatalf("after one Save, %s holds %v, want a .bin and a .json", dir, saved)
	}

	// While the next checkpoint is complete only in its staging directory,
	// dir shows just the first, and a failure there leaves it so.
	setAlpha(t, n, 3)
	crash := errors.New("killed while saving")
	defer func() { afterStaging = nil }()
	afterStaging = func(staging string) error {
		if got := dirNames(t, dir); len(got) != 3 || !slices.Equal(got[1:], saved) || !strings.HasPrefix(got[0], stagingPrefix) {
			t.Errorf("while saving, %s holds %v, want the staging directory and %v", dir, got, saved)
		}
		if a := loadedAlpha(t, dir); a != 2 {
			t.Errorf("while saving, Load gives alpha %v, want the previous checkpoint's 2", a)
		}
		return crash
	}
	if err := n.Save(dir); !errors.Is(err, crash) {
		t.Fatalf("Save = %v, want the error from the staging step", err)
	}
	afterStaging = nil
	if got := dirNames(t, dir); !slices.Equal(got, saved) {
		t.Errorf("after a failed Save, %s holds %v, want %v", dir, got, saved)
	}

	// A staging directory left by a killed process is ignored by Load and
	// cleared by the next Save.
	stale := filepath.Join(dir, stagingPrefix+"123")
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "checkpoint-n0000009-x.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if a := loadedAlpha(t, dir); a != 2 {
		t.Errorf("with a stale staging directory, Load gives alpha %v, want 2", a)
	}
	// So is the data file of a checkpoint whose publication or deletion
	// was cut between its two files; the next Save deletes it.
	orphan := filepath.Join(dir, "checkpoint-n0000000-20261127-101500-step-00000001.bin")
	if err := os.WriteFile(orphan, []byte("torn"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("orphaned data file %s not deleted by Save (Stat: %v)", orphan, err)
	}
	if a := loadedAlpha(t, dir); a != 3 {
		t.Errorf("after the second Save, Load gives alpha %v, want 3", a)
	}
	for _, name := range dirNames(t, dir) {
		if strings.HasPrefix(name, stagingPrefix) {
			t.Errorf("%s left in %s", name, dir)
		}
	}
}

func TestSaveKeepsNewest(t *testing.T) {
	dir := t.TempDir()
	n, err := New(gobackend.GetBackend(), Config{Features: 2, Width: 4, Depth: 1}, rand.New(rand.NewPCG(1, 4)))
	if err != nil {
		t.Fatal(err)
	}
	const saves = KeepCheckpoints + 2
	for i := range saves {
		setAlpha(t, n, float32(i))
		if err := n.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	names, err := listCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != KeepCheckpoints || checkpointNumber(names[0]) != saves-KeepCheckpoints || checkpointNumber(names[len(names)-1]) != saves-1 {
		t.Fatalf("after %d saves, checkpoints %v, want the newest %d numbered up to %d", saves, names, KeepCheckpoints, saves-1)
	}
	if got := len(dirNames(t, dir)); got != 2*KeepCheckpoints {
		t.Errorf("%s holds %d files, want a .bin and a .json for each of %d checkpoints", dir, got, KeepCheckpoints)
	}
	if a := loadedAlpha(t, dir); a != saves-1 {
		t.Errorf("Load gives alpha %v, want the last save's %v", a, saves-1)
	}

	// A loaded network numbers its checkpoints after those it found.
	loaded, err := Load(gobackend.GetBackend(), dir)
	if err != nil {
		t.Fatal(err)
	}
	setAlpha(t, loaded, 42)
	if err := loaded.Save(dir); err != nil {
		t.Fatal(err)
	}
	if names, _ = listCheckpoints(dir); checkpointNumber(names[len(names)-1]) != saves {
		t.Errorf("checkpoints after resuming %v, want the newest numbered %d", names, saves)
	}
	if a := loadedAlpha(t, dir); a != 42 {
		t.Errorf("Load after resuming gives alpha %v, want 42", a)
	}
}

// TestCheckpointsListed checks what counts as a checkpoint: a data file
// alone (a first Save killed between its renames) does not, and older
// checkpoints named otherwise are pruned like numbered ones, oldest first.
func TestCheckpointsListed(t *testing.T) {
	dir := t.TempDir()
	lone := filepath.Join(dir, "checkpoint-n0000000-20261127-101500-initial.bin")
	if err := os.WriteFile(lone, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if has, err := HasCheckpoints(dir); has || err != nil {
		t.Errorf("a lone data file: HasCheckpoints = %v, %v; want false", has, err)
	}
	n, err := New(gobackend.GetBackend(), Config{Features: 2, Width: 4, Depth: 1}, rand.New(rand.NewPCG(1, 5)))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Save(dir); err != nil {
		t.Fatalf("Save over a lone data file: %v", err)
	}
	// Two checkpoints under a name without a number sort before the
	// numbered ones, as GoMLX sorts them.
	for _, name := range []string{"checkpoint-20261127-105705-step-00000005", "checkpoint-20261127-105705-step-00000010"} {
		for _, ext := range []string{".json", ".bin"} {
			if err := os.WriteFile(filepath.Join(dir, name+ext), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range KeepCheckpoints {
		if err := n.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	names, err := listCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != KeepCheckpoints || checkpointNumber(names[0]) != 1 || len(dirNames(t, dir)) != 2*KeepCheckpoints {
		t.Errorf("after %d more saves: checkpoints %v and files %v, want numbers 1 to %d only", KeepCheckpoints, names, dirNames(t, dir), KeepCheckpoints)
	}
}

func TestCheckpointNumber(t *testing.T) {
	for name, want := range map[string]int{
		"checkpoint-n0000012-20261127-101500-step-00000100": 12,
		"checkpoint-n0000000-20261127-101500-initial":       0,
		"checkpoint-nxyz-1":  -1,
		"checkpoint-0000012": -1,
		"other":              -1,
	} {
		if got := checkpointNumber(name); got != want {
			t.Errorf("checkpointNumber(%q) = %d, want %d", name, got, want)
		}
	}
}
