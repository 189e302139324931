//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A new file gets 0666 less the umask; an existing one keeps its mode,
// even bits the umask would take.
func TestWriteMode(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	for _, c := range []struct {
		name     string
		existing fs.FileMode // 0: no file before
		want     fs.FileMode
	}{
		{"new file, umask 027", 0, 0o640},
		{"existing 0600", 0o600, 0o600},
		{"existing 0666, wider than the umask allows", 0o666, 0o666},
		{"existing 0755", 0o755, 0o755},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, filepath.Base(t.Name())+".csv")
			if c.existing != 0 {
				if err := os.WriteFile(path, []byte("old"), 0); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, c.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteBytes(path, []byte("new")); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != c.want {
				t.Errorf("mode %v, want %v", got, c.want)
			}
		})
	}
}
