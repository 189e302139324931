// Package atomicfile writes files so that a reader never sees half of one:
// the content goes to a temporary file in the same directory, which is
// renamed over the destination only once it is complete and synced.
//
// A destination that is a symbolic link is written through: the link's
// target gets the new content and the link stays. A destination that
// exists keeps its permission bits; a new one gets 0666 less the umask,
// as a file made by the shell would.
//
// Every temporary file and directory is named after the process that made
// it (".NAME.sgm-tmp-PID-N", ".sgm-probe-PID-N", "sgm-frames-PID-N") and
// registered while it exists. A command that a signal stops calls Cleanup
// to remove the ones in flight; Sweep removes those that a process killed
// outright (kill -9, a crash, a power cut) left behind.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// The parts of a temporary name, which Sweep recognises.
const (
	tmpMark      = ".sgm-tmp-"
	probePrefix  = ".sgm-probe-"
	framesPrefix = "sgm-frames-"
)

// processStart is (about) when this process started: Sweep leaves alone
// anything newer.
var processStart = time.Now()

// temps is the registry of this process's temporary files and directories.
var temps = struct {
	sync.Mutex
	live map[string]bool // absolute name -> is a directory
	n    uint64          // the N in the names
}{live: map[string]bool{}}

// create makes a new empty file or directory dir/prefix+PID-N+suffix,
// registers it and returns its name and, for a file, the open file. perm
// is the file's permission before the umask.
func create(dir, prefix, suffix string, isDir bool, perm fs.FileMode) (string, *os.File, error) {
	temps.Lock()
	defer temps.Unlock()
	pid := strconv.Itoa(os.Getpid())
	for range 10000 {
		temps.n++
		name := filepath.Join(dir, prefix+pid+"-"+strconv.FormatUint(temps.n, 10)+suffix)
		var f *os.File
		var err error
		if isDir {
			err = os.Mkdir(name, 0o700)
		} else {
			f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		}
		if errors.Is(err, fs.ErrExist) {
			continue // left by an earlier process with this PID
		}
		if err != nil {
			return "", nil, err
		}
		temps.live[absolute(name)] = isDir
		return name, f, nil
	}
	return "", nil, fmt.Errorf("no unused temporary name %s*%s in %s", prefix+pid+"-", suffix, dir)
}

// release forgets name (renamed to its destination), or removes it too.
func release(name string, remove bool) {
	temps.Lock()
	defer temps.Unlock()
	if remove {
		os.RemoveAll(name)
	}
	delete(temps.live, absolute(name))
}

// absolute is name made absolute, to compare names however they are spelt.
func absolute(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return name
}

// Cleanup removes every temporary file and directory of this process that
// is still in flight, then calls exit, if not nil, before another can be
// made: a command stopped by a signal passes a function that ends the
// process (os.Exit), so nothing is left behind however its writers were
// abandoned.
func Cleanup(exit func()) {
	temps.Lock()
	defer temps.Unlock()
	for name := range temps.live {
		os.RemoveAll(name)
		delete(temps.live, name)
	}
	if exit != nil {
		exit()
	}
}

// Target returns the file that writing path replaces: path itself, or,
// when path is a symbolic link, the file at the end of its chain of links
// (which need not exist yet).
func Target(path string) (string, error) {
	p := path
	for range 40 { // Linux's limit on links followed
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil // not there yet, or not a link: write here
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// pending is a temporary file on its way to its target.
type pending struct {
	target, tmp string
	f           *os.File
	mode        fs.FileMode // the target's permission bits, when restore
	restore     bool        // whether the target existed
	done        bool
}

// begin resolves path and makes the temporary file beside its target, with
// a name that ends in ext.
func begin(path, ext string) (*pending, error) {
	target, err := Target(path)
	if err != nil {
		return nil, err
	}
	p := &pending{target: target}
	perm := fs.FileMode(0o666) // less the umask, as the shell makes files
	if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() {
		perm, p.mode, p.restore = fi.Mode().Perm(), fi.Mode().Perm(), true
	}
	p.tmp, p.f, err = create(filepath.Dir(target), "."+filepath.Base(target)+tmpMark, ext, false, perm)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// abort removes the temporary file, unless commit was called. Deferred, it
// also cleans up after a panic in a writer.
func (p *pending) abort() {
	if !p.done {
		p.done = true
		p.f.Close()
		release(p.tmp, true)
	}
}

// commit syncs and closes the temporary file, gives it the target's
// permission bits (when the target existed: the umask may have taken some
// at creation) and renames it to the target. On an error it removes it.
func (p *pending) commit() (err error) {
	p.done = true
	defer func() { release(p.tmp, err != nil) }()
	if err = p.f.Sync(); err != nil {
		p.f.Close()
		return err
	}
	if err = p.f.Close(); err != nil {
		return err
	}
	if p.restore {
		if err = os.Chmod(p.tmp, p.mode); err != nil {
			return err
		}
	}
	return os.Rename(p.tmp, p.target)
}

// Write creates path with the content that write produces. If write or any
// step after it fails, the temporary file is removed and path is left as it
// was (absent or with its old content).
func Write(path string, write func(w io.Writer) error) error {
	p, err := begin(path, "")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer p.abort()
	if err := write(p.f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := p.commit(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteBytes is Write for content already in memory.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// WriteNamed is Write for content that another program writes: write gets
// the name of an empty temporary file, which ends in path's extension (for
// tools that pick a format from the name, as ffmpeg does), and fills it.
func WriteNamed(path string, write func(tmp string) error) error {
	p, err := begin(path, filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer p.abort()
	p.f.Close()
	if err := write(p.tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if p.f, err = os.OpenFile(p.tmp, os.O_RDWR, 0); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := p.commit(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Probe checks that Write could write path now: that a temporary file can
// be made beside its target. It removes the one it makes.
func Probe(path string) error {
	target, err := Target(path)
	if err != nil {
		return err
	}
	name, f, err := create(filepath.Dir(target), probePrefix, "", false, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	release(name, true)
	return nil
}

// TempDir makes a directory in os.TempDir() for scratch files, named
// "sgm-frames-PID-N". Remove it with RemoveTempDir.
func TempDir() (string, error) {
	name, _, err := create(os.TempDir(), framesPrefix, "", true, 0)
	return name, err
}

// RemoveTempDir removes a directory made by TempDir and what it holds.
func RemoveTempDir(dir string) { release(dir, true) }

// Sweep removes from dir the temporary files and directories that sgm
// processes which no longer run left there, and returns their names. It
// takes only names that this package makes (and those of sgm before
// them: ".NAME.EXT.tmpDIGITS", ".sgm-probe-DIGITS", "sgm-frames-DIGITS")
// last modified before this process started, and of those with a process
// ID only the ones whose process is gone (or is this one, which did not
// make them). Errors reading dir or removing an entry are ignored: a sweep
// is housekeeping.
func Sweep(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		pid, ok := tempName(e.Name())
		if !ok {
			continue
		}
		name := filepath.Join(dir, e.Name())
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(processStart) {
			continue
		}
		temps.Lock()
		_, mine := temps.live[absolute(name)]
		temps.Unlock()
		if mine || (pid > 0 && pid != os.Getpid() && processAlive(pid)) {
			continue
		}
		if os.RemoveAll(name) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}
