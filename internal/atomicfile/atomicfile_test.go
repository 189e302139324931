package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// leftovers returns the names in dir that look like temporaries.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), framesPrefix) {
			names = append(names, e.Name())
		}
	}
	return names
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := WriteBytes(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write error = %v, want %v", err, boom)
	}
	if got := readString(t, path); got != "first" {
		t.Fatalf("after a failed write the file holds %q, want the old content", got)
	}
	if left := leftovers(t, dir); len(left) != 0 {
		t.Fatalf("temporary file left behind: %v", left)
	}
}

func TestWritePanicRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	func() {
		defer func() { recover() }()
		Write(filepath.Join(dir, "out.txt"), func(w io.Writer) error { panic("writer bug") })
	}()
	if left := leftovers(t, dir); len(left) != 0 {
		t.Fatalf("a panicking writer left %v", left)
	}
}

func TestWriteNamed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "anim.mp4")
	err := WriteNamed(path, func(tmp string) error {
		if filepath.Ext(tmp) != ".mp4" || filepath.Dir(tmp) != dir {
			t.Errorf("temporary %q: want a .mp4 beside %s", tmp, path)
		}
		return os.WriteFile(tmp, []byte("movie"), 0o666)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "movie" {
		t.Errorf("%s holds %q", path, got)
	}
	boom := errors.New("ffmpeg failed")
	if err := WriteNamed(path, func(string) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("WriteNamed error = %v, want %v", err, boom)
	}
	if left := leftovers(t, dir); len(left) != 0 {
		t.Errorf("temporary file left behind: %v", left)
	}
}

// An output given as a symbolic link is written through to the link's
// target; the link stays a link.
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "real")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(other, "data.csv")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	// link2 -> link1 -> real/data.csv, relative links, as ln -s makes them.
	link1, link2 := filepath.Join(dir, "link1.csv"), filepath.Join(dir, "link2.csv")
	if err := os.Symlink("real/data.csv", link1); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("link1.csv", link2); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(link2, []byte("new")); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{link1, link2} {
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link (%v)", link, err)
		}
	}
	if got := readString(t, target); got != "new" {
		t.Errorf("link target holds %q, want the new content", got)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("link target's mode became %v, want it kept at 0640", fi.Mode().Perm())
	}

	// A dangling link gets its target made.
	dangling := filepath.Join(dir, "dangling.csv")
	if err := os.Symlink("real/new.csv", dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(dangling, []byte("made")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, filepath.Join(other, "new.csv")); got != "made" {
		t.Errorf("dangling link's target holds %q", got)
	}

	// A loop of links is an error, not a hang.
	loop := filepath.Join(dir, "loop.csv")
	if err := os.Symlink("loop.csv", loop); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(loop, nil); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("writing a link to itself: error %v, want too many links", err)
	}
	for _, d := range []string{dir, other} {
		if left := leftovers(t, d); len(left) != 0 {
			t.Errorf("temporary files left in %s: %v", d, left)
		}
	}
}

// Cleanup removes the temporaries in flight before it calls exit, and the
// abandoned writer then fails instead of leaving its file.
func TestCleanup(t *testing.T) {
	dir := t.TempDir()
	frames, err := TempDir()
	if err != nil {
		t.Fatal(err)
	}
	defer RemoveTempDir(frames)
	if err := os.WriteFile(filepath.Join(frames, "00000.png"), []byte("frame"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "big.csv")
	var exited bool
	err = Write(path, func(w io.Writer) error {
		io.WriteString(w, "half of it")
		if left := leftovers(t, dir); len(left) != 1 || !strings.HasPrefix(left[0], ".big.csv.sgm-tmp-"+strconv.Itoa(os.Getpid())+"-") {
			t.Errorf("while writing, %s holds %v, want one .big.csv.sgm-tmp-PID-N", dir, left)
		}
		Cleanup(func() { exited = true })
		return nil
	})
	if !exited {
		t.Error("Cleanup did not call exit")
	}
	if err == nil {
		t.Error("a write whose temporary Cleanup removed succeeded")
	}
	if left := leftovers(t, dir); len(left) != 0 {
		t.Errorf("Cleanup left %v", left)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists after Cleanup: %v", path, err)
	}
	if _, err := os.Stat(frames); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Cleanup left the directory %s: %v", frames, err)
	}
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	if err := Probe(filepath.Join(dir, "out.png")); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(t, dir); len(left) != 0 {
		t.Errorf("Probe left %v", left)
	}
	// Through a link, the directory probed is the target's.
	link := filepath.Join(dir, "out.csv")
	if err := os.Symlink(filepath.Join(dir, "missing", "x.csv"), link); err != nil {
		t.Fatal(err)
	}
	if err := Probe(link); err == nil {
		t.Error("Probe of a link into a missing directory succeeded")
	}
}

// deadPID returns the ID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run a child process: %v", err)
	}
	pid := cmd.Process.Pid
	if processAlive(pid) {
		t.Skipf("process %d exited but its ID is in use again", pid)
	}
	return pid
}

func TestSweep(t *testing.T) {
	dir := t.TempDir()
	me, parent, dead := os.Getpid(), os.Getppid(), deadPID(t)
	ids := func(pid, n int) string { return strconv.Itoa(pid) + "-" + strconv.Itoa(n) }
	stale := []string{
		".big.csv.sgm-tmp-" + ids(dead, 1), // its process is gone
		".anim.mp4.sgm-tmp-" + ids(dead, 2) + ".mp4",
		".sgm-probe-" + ids(dead, 3),
		"sgm-frames-" + ids(dead, 4),
		".loss.png.sgm-tmp-" + ids(me, 99999), // this PID, from before this process
		".big.csv.tmp123456789",               // an earlier sgm's names
		".x.mp4.tmp42.mp4",
		".sgm-probe-77",
		"sgm-frames-31337",
	}
	kept := []string{
		".big.csv.sgm-tmp-" + ids(parent, 1), // its process runs
		".notes.txt.tmp123",                  // not a name sgm makes
		".big.csv.tmpfile",
		"big.csv",
		"sgm-frames-notes",
	}
	old := time.Now().Add(-time.Hour)
	for _, name := range append(slices.Clone(stale), kept...) {
		p := filepath.Join(dir, name)
		var err error
		if strings.HasPrefix(name, framesPrefix) {
			err = os.Mkdir(p, 0o700)
			if err == nil {
				err = os.WriteFile(filepath.Join(p, "00000.png"), nil, 0o644)
			}
		} else {
			err = os.WriteFile(p, []byte("x"), 0o644)
		}
		if err == nil {
			err = os.Chtimes(p, old, old)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// A stale name, but written since this process started: another sgm's
	// file in the making, or this one's.
	fresh := ".fresh.csv.tmp1"
	if err := os.WriteFile(filepath.Join(dir, fresh), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, fresh)
	// One of this process's own, in flight, dated back.
	var mine string
	err := Write(filepath.Join(dir, "own.csv"), func(w io.Writer) error {
		left := leftovers(t, dir)
		for _, n := range left {
			if strings.HasPrefix(n, ".own.csv.") {
				mine = n
			}
		}
		if err := os.Chtimes(filepath.Join(dir, mine), old, old); err != nil {
			return err
		}
		if removed := Sweep(dir); slices.Contains(removed, filepath.Join(dir, mine)) {
			t.Errorf("Sweep removed this process's temporary %s", mine)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kept = append(kept, "own.csv")

	Sweep(dir)
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(kept)
	if !slices.Equal(got, kept) {
		t.Errorf("after Sweep %s holds\n%v\nwant\n%v", dir, got, kept)
	}
}
