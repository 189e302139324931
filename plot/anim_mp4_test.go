//go:build unix

package plot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeFFmpeg puts on the PATH an ffmpeg that copies its first input frame
// to its output (its last argument), or fails when fail is set; it
// returns the temporary directory that the frames go to.
func fakeFFmpeg(t *testing.T, fail bool) (tmpdir string) {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\n"
	if fail {
		script += "echo 'Unknown encoder' >&2\nexit 1\n"
	} else {
		script += "prev=; for a; do [ \"$prev\" = -i ] && in=$a; prev=$a; out=$a; done\n" +
			"cp \"$(dirname \"$in\")/00000.png\" \"$out\"\n"
	}
	if err := os.WriteFile(filepath.Join(bin, "ffmpeg"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	tmpdir = t.TempDir()
	t.Setenv("TMPDIR", tmpdir)
	return tmpdir
}

// The MP4 path leaves neither its frames nor its temporary file behind,
// whether ffmpeg succeeds or fails, and sweeps frames a killed sgm left.
func TestAnimatePathMP4Temporaries(t *testing.T) {
	for _, fail := range []bool{false, true} {
		tmpdir := fakeFFmpeg(t, fail)
		stale := filepath.Join(tmpdir, "sgm-frames-1234567")
		if err := os.Mkdir(stale, 0o700); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour) // before this process started
		if err := os.Chtimes(stale, old, old); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		out := filepath.Join(dir, "path.mp4")
		err := AnimatePathFile(out, mixGrid(-1.5, 1.5, 20, true), langevin(20), AnimOptions{Frames: 3})
		switch {
		case fail && (err == nil || !strings.Contains(err.Error(), "Unknown encoder")):
			t.Errorf("failing ffmpeg: error %v, want its message", err)
		case !fail && err != nil:
			t.Errorf("AnimatePathFile: %v", err)
		}
		if _, err := os.Stat(out); fail == (err == nil) {
			t.Errorf("ffmpeg failing %v: %s exists: %v", fail, out, err == nil)
		}
		for _, d := range []string{tmpdir, dir} {
			entries, _ := os.ReadDir(d)
			for _, e := range entries {
				if e.Name() != "path.mp4" {
					t.Errorf("ffmpeg failing %v: %s left in %s", fail, e.Name(), d)
				}
			}
		}
	}
}
