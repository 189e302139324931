//go:build xla

package main

// With -tags xla (and CGO_ENABLED=1) the XLA backend is compiled in as well,
// for --backend xla:cpu or xla:cuda. sgm never lets it download a PJRT
// plugin by itself: set PJRT_PLUGIN_LIBRARY_PATH to a directory holding the
// plugin (see README).
import (
	"os"

	_ "github.com/gomlx/go-xla/compute/xla"
)

func init() {
	if _, set := os.LookupEnv("GOMLX_NO_AUTO_INSTALL"); !set {
		os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	}
}
