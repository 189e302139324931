package scorenet

import (
	"io/fs"
	"strings"

	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// SavedFile reports whether a directory entry is one that Save writes in a
// checkpoint directory: a checkpoint's metadata or data file (a regular
// file checkpoint-*.json or checkpoint-*.bin) or the staging directory of
// a Save in progress or cut short. Lock's file (LockName) is not one.
func SavedFile(e fs.DirEntry) bool {
	name := e.Name()
	if e.IsDir() {
		return strings.HasPrefix(name, stagingPrefix)
	}
	return e.Type().IsRegular() && strings.HasPrefix(name, "checkpoint-") &&
		(strings.HasSuffix(name, checkpoint.JsonNameSuffix) || strings.HasSuffix(name, checkpoint.BinDataSuffix) || strings.HasSuffix(name, HistorySuffix))
}
