package main

import (
	"bytes"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// "sgm" alone shows the overview on stdout and succeeds, as "sgm help"
// does; an unknown command is a usage error.
func TestNoArguments(t *testing.T) {
	code, stdout, stderr := runSGM(t)
	if code != 0 || !strings.Contains(stdout, "Usage: sgm COMMAND") || stderr != "" {
		t.Errorf("sgm: exit %d, stdout %q, stderr %q; want 0 and the overview on stdout", code, stdout, stderr)
	}
	if code, _, stderr := runSGM(t, "badcmd"); code != 2 || !strings.Contains(stderr, `unknown command "badcmd"`) {
		t.Errorf("sgm badcmd: exit %d, %q; want 2 naming the command", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, stdout, stderr := runSGM(t, args...)
		if code != 0 || !strings.HasPrefix(stdout, "sgm ") || !strings.Contains(stdout, runtime.Version()) || !strings.Contains(stdout, "vectorised kernels: on") {
			t.Errorf("sgm %s: exit %d, stdout %q, stderr %q", args[0], code, stdout, stderr)
		}
	}
	info := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/sgm-dev/sgm", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	var b bytes.Buffer
	printVersion(&b, info, false)
	for _, want := range []string{"sgm v1.2.3\n", "revision 0123abcd (2026-12-01T10:00:00Z), with uncommitted changes\n", "vectorised kernels: off (built without GOEXPERIMENT=simd"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("version output %q lacks %q", b.String(), want)
		}
	}
	b.Reset()
	printVersion(&b, nil, true)
	if !strings.HasPrefix(b.String(), "sgm (unknown)\n") || strings.Contains(b.String(), "revision") {
		t.Errorf("version without build information: %q", b.String())
	}
}

// A build without the vectorised kernels says so once, naming
// GOEXPERIMENT=simd, before a command that trains or samples, and not
// before the others; the fast build says nothing.
func TestWarnSlowBuild(t *testing.T) {
	defer func(v bool) { simdBuild = v }(simdBuild)
	out := filepath.Join(t.TempDir(), "s.csv")
	sample := []string{"sample", "--target", "seed-mog", "--n", "5", "--steps", "2", "--out", out}
	for _, c := range []struct {
		simd bool
		args []string
		want int // times warned
	}{
		{false, sample, 1},
		{false, []string{"bench", "--train-steps", "-1"}, 1},
		{false, []string{"version"}, 0},
		{false, []string{"help", "train"}, 0},
		{true, sample, 0},
	} {
		simdBuild = c.simd
		_, _, stderr := runSGM(t, c.args...)
		got := strings.Count(stderr, "sgm: warning: built without GOEXPERIMENT=simd")
		if got != c.want {
			t.Errorf("simd %v, sgm %s: warned %d times, want %d: %q", c.simd, strings.Join(c.args, " "), got, c.want, stderr)
		}
	}
}
