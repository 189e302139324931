//go:build xla

package main

// With -tags xla (and CGO_ENABLED=1) the XLA backend is compiled in as well,
// for --backend xla:cpu or xla:cuda. sgm never lets it download a PJRT
// plugin by itself: point PJRT_PLUGIN_LIBRARY_PATH at a directory holding
// one (see README), or set SGM_XLA_AUTO_INSTALL=1 to let go-xla fetch it.
import (
	"os"

	"github.com/gomlx/go-xla/compute/xla"
)

func init() {
	// go-xla reads GOMLX_NO_AUTO_INSTALL in its own init, before this one
	// runs; switch the download off here instead.
	xla.EnableAutoInstall(os.Getenv("SGM_XLA_AUTO_INSTALL") == "1")
}
