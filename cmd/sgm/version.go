package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print sgm's version, the Go that built it, and whether its vectorised kernels are on",
		detail: `Prints the module version (or "(devel)" for a build from a clone), the
version-control revision when the build recorded one, the Go version and
platform, and whether the build has GoMLX's vectorised kernels
(GOEXPERIMENT=simd; without them training and sampling run about 20x
slower). "sgm --version" is the same. Include its output in bug reports.`,
		setup: func(fs *flag.FlagSet) func(ctx context.Context, e *env) error {
			return func(ctx context.Context, e *env) error {
				info, _ := debug.ReadBuildInfo()
				printVersion(e.stdout, info, simdBuild)
				return nil
			}
		},
	})
}

// printVersion writes what "sgm version" says; info may be nil (a binary
// built without module support).
func printVersion(w io.Writer, info *debug.BuildInfo, simd bool) {
	version := "(unknown)"
	settings := map[string]string{}
	if info != nil {
		version = info.Main.Version
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	fmt.Fprintf(w, "sgm %s\n", version)
	if rev := settings["vcs.revision"]; rev != "" {
		line := "revision " + rev
		if t := settings["vcs.time"]; t != "" {
			line += " (" + t + ")"
		}
		if settings["vcs.modified"] == "true" {
			line += ", with uncommitted changes"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "built with %s for %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if simd {
		fmt.Fprintln(w, "vectorised kernels: on (GOEXPERIMENT=simd)")
	} else {
		fmt.Fprintln(w, "vectorised kernels: off (built without GOEXPERIMENT=simd: training and sampling run about 20x slower)")
	}
}
