package scorenet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(dir)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second Lock of a locked directory: %v, want ErrInUse naming pid %d", err, os.Getpid())
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := Lock(dir)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	again()
}

// TestRemoveEmptyRun checks that a directory holding only its lock goes,
// and one holding anything else stays.
func TestRemoveEmptyRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	RemoveEmptyRun(dir)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("a run directory with a file was removed: %v", err)
	}
	os.Remove(filepath.Join(dir, "keep"))
	RemoveEmptyRun(dir)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a run directory with only its lock is still there: %v", err)
	}
}
