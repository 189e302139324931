package scorenet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockName is the file in a run directory that Lock locks.
const LockName = ".sgm.lock"

// ErrInUse is returned (wrapped) by Lock when another process holds the
// run directory.
var ErrInUse = errors.New("run in use")

// Lock takes an exclusive lock on the run directory dir, creating it if
// needed, so that two processes never write checkpoints into one
// directory at once (each would clear the other's staging directories).
// It writes its process id into the lock file; a second Lock of dir, in
// this process or another, fails with ErrInUse and that id. The lock is
// released by the function returned, or when the process ends.
func Lock(dir string) (unlock func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				return nil, fmt.Errorf("%w by pid %d: %s", ErrInUse, pid, dir)
			}
			return nil, fmt.Errorf("%w by another process: %s", ErrInUse, dir)
		}
		return nil, fmt.Errorf("run %s: lock: %w", dir, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	return func() error {
		f.Truncate(0)
		return f.Close() // closing the last descriptor releases the lock
	}, nil
}

// RemoveEmptyRun removes the run directory dir if it holds nothing but its
// lock file: what a run that failed before its first checkpoint leaves of
// a directory it created (package model's Train and sgm train call it).
func RemoveEmptyRun(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != LockName {
		return
	}
	os.Remove(filepath.Join(dir, LockName))
	os.Remove(dir)
}
