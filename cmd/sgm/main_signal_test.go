package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sgm-dev/sgm/internal/atomicfile"
)

// TestMainProcess is not a test: sgmProcess runs the test binary again
// with SGM_TEST_MAIN set, and then it is sgm, with the arguments after "--".
func TestMainProcess(t *testing.T) {
	if os.Getenv("SGM_TEST_MAIN") == "" {
		t.Skip("run by sgmProcess")
	}
	for i, a := range os.Args {
		if a == "--" {
			os.Args = append([]string{"sgm"}, os.Args[i+1:]...)
			break
		}
	}
	main()
}

// sgmProcess starts sgm with args as its own process, in dir ("" is the
// test's working directory). Its stderr may be read while it runs.
func sgmProcess(t *testing.T, dir string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestMainProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "SGM_TEST_MAIN=1")
	cmd.Dir = dir
	stderr := new(lockedBuffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stderr
}

// temporaries returns the temporary files in dir (names beginning with a
// dot).
func temporaries(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

// SIGTERM or an interrupt while sample writes a large CSV ends sgm with
// status 128+signal and a line saying so, and leaves no temporary file.
func TestSignalRemovesTemporaries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		dir := t.TempDir()
		// 4,000,000 points of 2 numbers: a CSV of about 150 MB, written
		// for long enough to be caught in the middle.
		cmd, stderr := sgmProcess(t, dir, "sample", "--target", "seed-mog", "--n", "4000000", "--steps", "1", "--out", "big.csv")
		// Wait for big.csv's own temporary: the probe of the output's
		// directory (.sgm-probe-*) comes and goes before it.
		writing := func() bool {
			return slices.ContainsFunc(temporaries(dir), func(name string) bool { return strings.HasPrefix(name, ".big.csv.") })
		}
		deadline := time.Now().Add(30 * time.Second)
		for !writing() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if !writing() {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%v: sample never wrote its temporary file: %s", sig, stderr)
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 128+int(sig) {
			t.Errorf("%v: sgm ended with %v, want exit status %d", sig, err, 128+int(sig))
		}
		if msg := strings.TrimSpace(stderr.String()); strings.Count(msg, "\n") > 0 || !strings.Contains(msg, "stopped by SIG") {
			t.Errorf("%v: stderr %q, want one line saying sgm was stopped", sig, msg)
		}
		if left := temporaries(dir); len(left) != 0 {
			t.Errorf("%v: temporary files left: %v", sig, left)
		}
		if _, err := os.Stat(filepath.Join(dir, "big.csv")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%v: big.csv exists after the interrupted write (%v)", sig, err)
		}
	}
}

// stopOnSignal ends a command at the first signal, an interruptible one
// (whose context the first cancels) at the second, removing the
// temporaries in flight before it exits.
func TestStopOnSignal(t *testing.T) {
	for _, c := range []struct {
		name    string
		cmd     *command
		sigs    []os.Signal
		want    int // exit status; 0: no exit
		message string
	}{
		{"sample, SIGTERM", commands["sample"], []os.Signal{syscall.SIGTERM}, 143, "sgm: stopped by SIGTERM\n"},
		{"sample, interrupt", commands["sample"], []os.Signal{os.Interrupt}, 130, "sgm: stopped by SIGINT (interrupt)\n"},
		{"unknown command, SIGTERM", nil, []os.Signal{syscall.SIGTERM}, 143, "sgm: stopped by SIGTERM\n"},
		{"train, one SIGTERM", commands["train"], []os.Signal{syscall.SIGTERM}, 0, ""},
		{"train, two", commands["train"], []os.Signal{syscall.SIGTERM, os.Interrupt}, 130, "sgm: stopped by SIGINT (interrupt)\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.cmd != nil && c.cmd.interruptible != (c.name[:5] == "train") {
				t.Fatalf("%s: interruptible is %v", c.cmd.name, c.cmd.interruptible)
			}
			dir, err := atomicfile.TempDir() // a temporary in flight
			if err != nil {
				t.Fatal(err)
			}
			defer atomicfile.RemoveTempDir(dir)
			sigs := make(chan os.Signal, len(c.sigs))
			for _, s := range c.sigs {
				sigs <- s
			}
			close(sigs)
			var stderr bytes.Buffer
			got := 0
			stopOnSignal(sigs, c.cmd, &stderr, func(code int) { got = code })
			if got != c.want || stderr.String() != c.message {
				t.Errorf("exit %d, stderr %q; want %d, %q", got, stderr.String(), c.want, c.message)
			}
			_, err = os.Stat(dir)
			if removed := errors.Is(err, fs.ErrNotExist); removed != (c.want != 0) {
				t.Errorf("exit %d: temporary directory removed: %v", got, removed)
			}
		})
	}
}

// An output's directory is swept of the temporaries a killed sgm left,
// and an output that is a symbolic link stays one.
func TestOutputSweepAndLink(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".big.csv.tmp2718281828")
	if err := os.WriteFile(stale, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour) // before this process started
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(real, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "out.csv")
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"sample", "--target", "seed-mog", "--n", "5", "--steps", "2", "--out", link}, &stdout, &stderr); code != 0 {
		t.Fatalf("sample exited %d: %s", code, stderr.String())
	}
	if left := temporaries(dir); len(left) != 0 {
		t.Errorf("temporaries left: %v", left)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("--out %s is no longer a symbolic link (%v)", link, err)
	}
	if fi, err := os.Stat(real); err != nil || fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("the link's target %s: %v, want the samples with its mode 0600 kept", real, err)
	}
}

// An --out directory (train's, the demo's) is swept too, before the flags
// are checked.
func TestOutputDirSweep(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := os.Mkdir(model, 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour) // before this process started
	var stale []string
	for _, p := range []string{filepath.Join(model, ".loss.png.tmp31415"), filepath.Join(dir, ".sgm-probe-27182")} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		stale = append(stale, p)
	}
	if code, _, _ := runSGM(t, "train", "--out", model, "--steps", "-1"); code != 2 {
		t.Errorf("train --steps -1 exited %d, want 2", code)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s was not swept (%v)", p, err)
		}
	}
}
