package scorenet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// KeepCheckpoints is how many of the newest checkpoints Save keeps in a
// directory; older ones are deleted.
const KeepCheckpoints = 3

// Load reads the newest checkpoint in dir: the network's configuration, its
// variables and, when it was saved during training, the optimiser's state
// and step count, so that training can resume. Later calls to Save with the
// same dir add checkpoints to it.
//
// A checkpoint is treated as untrusted input. Before anything is
// allocated, its metadata must hold only the parameters sgm writes and
// exactly the variables its configuration has, with their shapes, and
// within a size limit; its data file must match the SHA-256 Save recorded
// in the metadata (so a data file of another checkpoint is refused); the
// step counts must not be negative.
func Load(backend compute.Backend, dir string) (*Net, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("checkpoint %s: not a directory (sgm checkpoints are directories written by sgm train)", dir)
	}
	names, err := listCheckpoints(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("checkpoint %s: no checkpoint-*.json in the directory", dir)
	}
	newest := names[len(names)-1]
	store, cfg, history, err := readCheckpoint(dir, newest)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w%s", dir, err, offerOlder(dir, newest, names[:len(names)-1]))
	}
	n := &Net{cfg: cfg, backend: backend, store: store, ckptDir: dir, noFast: fastDisabled(), loadedHistory: history}
	if history != nil {
		// Saved again as it is, the network keeps its history.
		n.saveHistory = func() []byte { return history }
	}
	// GoMLX loads every variable as trainable. Only the network's own
	// weights are: not the frozen matrices, nor the optimiser's state, the
	// moving averages, the step counts or the generator's state, which
	// training would otherwise "fit" too. (readCheckpoint checked that
	// the network's variables are all there.)
	frozen := Frozen()
	for v := range store.IterVariables() {
		rel, inNet := strings.CutPrefix(v.Path(), "/"+ScopeName+"/")
		v.SetTrainable(inNet && !slices.Contains(frozen, rel))
	}
	return n, nil
}

// offerOlder returns, for the error of a newest checkpoint that does not
// load, the older checkpoints in dir that do (each checked as Load checks
// one), newest first, and how to resume from them; "" when none does. Load
// does not fall back to one by itself: that would drop the newest steps
// without a word.
func offerOlder(dir, newest string, older []string) string {
	var intact []string
	for i := len(older) - 1; i >= 0; i-- {
		if _, _, _, err := readCheckpoint(dir, older[i]); err == nil {
			intact = append(intact, older[i])
		}
	}
	if len(intact) == 0 {
		return ""
	}
	return fmt.Sprintf("; older checkpoints that load: %s (move %s.* out of %s to resume from %s)",
		strings.Join(intact, ", "), newest, dir, intact[0])
}

// Save writes a checkpoint of the network (and of the optimiser's state, if
// it has been trained) into dir, creating it if needed, and keeps only the
// newest KeepCheckpoints there. A directory that already holds checkpoints
// of another network is refused.
//
// A checkpoint appears in dir only once it is complete, so a run killed
// while saving leaves the previous checkpoints loadable: GoMLX writes it
// into a staging directory inside dir, and its two files are synced and
// renamed into dir, the metadata file (which is what marks a checkpoint)
// last. A staging directory left by an interrupted Save is removed by the
// next one.
func (n *Net) Save(dir string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ckptDir != dir {
		if has, err := HasCheckpoints(dir); err != nil {
			return err
		} else if has {
			return fmt.Errorf("checkpoint %s: already holds checkpoints of another run; load it to resume or choose another directory", dir)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("checkpoint %s: %w", dir, err)
		}
		n.ckptDir = dir
	}
	if err := n.save(dir); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return nil
}

// stagingPrefix starts the names of the directories Save writes
// checkpoints into before moving them into place.
const stagingPrefix = ".saving-"

// afterStaging, when set by a test, runs once a checkpoint is complete in
// its staging directory and before it is moved into place; an error it
// returns fails the Save there.
var afterStaging func(staging string) error

func (n *Net) save(dir string) error {
	stale, err := filepath.Glob(filepath.Join(dir, stagingPrefix+"*"))
	if err != nil {
		return err
	}
	for _, s := range stale {
		if err := os.RemoveAll(s); err != nil {
			return err
		}
	}
	staging, err := os.MkdirTemp(dir, stagingPrefix+"*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	loader := n.store.Loader()
	h, err := checkpoint.Build(n.store).Dir(staging).Keep(-1).Done()
	n.store.SetLoader(loader) // the staging handler only writes
	if err != nil {
		return err
	}
	if err := h.Save(); err != nil {
		return err
	}
	if n.saveHistory != nil {
		written, err := listCheckpoints(staging)
		if err != nil {
			return err
		}
		if len(written) != 1 {
			return fmt.Errorf("staging directory %s holds %d checkpoints, want 1", staging, len(written))
		}
		if err := os.WriteFile(filepath.Join(staging, written[0]+HistorySuffix), n.saveHistory(), 0o644); err != nil {
			return err
		}
	}
	if afterStaging != nil {
		if err := afterStaging(staging); err != nil {
			return err
		}
	}
	return publish(staging, dir)
}

// publish moves the checkpoint GoMLX wrote alone into staging into dir,
// numbered after the newest there, and then deletes all but the newest
// KeepCheckpoints in dir.
func publish(staging, dir string) error {
	written, err := listCheckpoints(staging)
	if err != nil {
		return err
	}
	if len(written) != 1 {
		return fmt.Errorf("staging directory %s holds %d checkpoints, want 1", staging, len(written))
	}
	have, err := listCheckpoints(dir)
	if err != nil {
		return err
	}
	number := 0
	for _, h := range have {
		number = max(number, checkpointNumber(h)+1)
	}
	// GoMLX names a checkpoint "checkpoint-n<7 digits>-<time>-<step>" and
	// finds the newest by sorting the names.
	_, rest, ok := strings.Cut(strings.TrimPrefix(written[0], checkpointPrefix), "-")
	if !ok {
		return fmt.Errorf("checkpoint name %q: not one GoMLX writes", written[0])
	}
	name := fmt.Sprintf("%s%07d-%s", checkpointPrefix, number, rest)
	if err := recordChecksum(filepath.Join(staging, written[0])); err != nil {
		return err
	}
	for _, suffix := range []string{HistorySuffix, checkpoint.BinDataSuffix, checkpoint.JsonNameSuffix} {
		from, to := filepath.Join(staging, written[0]+suffix), filepath.Join(dir, name+suffix)
		if _, err := os.Stat(from); suffix == HistorySuffix && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := syncFile(from); err != nil {
			return err
		}
		if err := os.Rename(from, to); err != nil {
			return err
		}
	}
	if err := syncFile(dir); err != nil {
		return err
	}
	all := append(have, name)
	return prune(dir, all[len(all)-min(len(all), KeepCheckpoints):])
}

// prune deletes the files of every checkpoint in dir but those named in
// keep: older checkpoints, and the data file of one whose publication or
// deletion a killed process left half done.
func prune(dir string, keep []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var doomed []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		base := strings.TrimSuffix(e.Name(), ext)
		ours := ext == checkpoint.JsonNameSuffix || ext == checkpoint.BinDataSuffix || ext == HistorySuffix
		if ours && e.Type().IsRegular() && strings.HasPrefix(base, "checkpoint-") && !slices.Contains(keep, base) {
			doomed = append(doomed, e.Name())
		}
	}
	// Metadata first, so that a checkpoint is never listed without its data.
	order := func(f string) int {
		if filepath.Ext(f) == checkpoint.JsonNameSuffix {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(doomed, func(a, b string) int { return order(a) - order(b) })
	for _, f := range doomed {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// checkpointPrefix starts the names of the checkpoints sgm writes, which
// are numbered: "checkpoint-n0000012-...".
const checkpointPrefix = "checkpoint-n"

// listCheckpoints returns the names, without suffix, of the checkpoints
// in dir (the checkpoint-*.json files, as GoMLX lists them), oldest first:
// in the order of their names, which is GoMLX's, and for the numbered
// names sgm and GoMLX write the order of their numbers.
func listCheckpoints(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), checkpoint.JsonNameSuffix)
		if ok && e.Type().IsRegular() && strings.HasPrefix(name, "checkpoint-") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// checkpointNumber returns the number in a checkpoint's name, or -1 if the
// name has none.
func checkpointNumber(name string) int {
	digits, _, _ := strings.Cut(strings.TrimPrefix(name, checkpointPrefix), "-")
	k, err := strconv.Atoi(digits)
	if !strings.HasPrefix(name, checkpointPrefix) || err != nil || k < 0 {
		return -1
	}
	return k
}

// syncFile flushes a file or directory to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// HasCheckpoints reports whether dir exists and holds at least one checkpoint
// (a checkpoint-*.json metadata file: a data file alone is not one).
func HasCheckpoints(dir string) (bool, error) {
	names, err := listCheckpoints(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return len(names) > 0, nil
}

// HistorySuffix ends the name of a checkpoint's history file: what
// SetHistory gives, saved with the checkpoint as one unit (staged, synced
// and moved into place before its metadata, which records its SHA-256).
const HistorySuffix = ".history"

// MaxHistoryBytes bounds the history file Load reads.
const MaxHistoryBytes = 1 << 31

// SetHistory makes every later Save write h() beside the checkpoint as
// its history file (the training's loss history, say), so that the
// checkpoint and its history are published together: a run killed at any
// moment leaves a newest checkpoint whose history is its own.
func (n *Net) SetHistory(h func() []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.saveHistory = h
}

// History returns the history file of the checkpoint Load read (checked
// against the checksum its metadata records), and false where it has none.
func (n *Net) History() ([]byte, bool) { return n.loadedHistory, n.loadedHistory != nil }

// Step is the number of optimiser steps the network has been trained for
// (0 for a new network).
func (n *Net) Step() int { return int(optimizer.GetGlobalStep(n.store)) }

// SetLabel records a note about the network, such as the data it was
// trained on; it is saved with the checkpoint.
func (n *Net) SetLabel(key, value string) {
	n.store.SetParam(model.JoinPath("/", labelPrefix+key), value)
}

// ImageLabel is the label under which sgm train and sgm demo record the
// spec of the image a network learned (data.LoadImage reads it): a
// program that loads their model measures its samples against that image.
const ImageLabel = "image"

// Label returns a note recorded with SetLabel.
func (n *Net) Label(key string) (string, bool) {
	v, ok := n.store.GetParam(model.JoinPath("/", labelPrefix+key))
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

const labelPrefix = "label_"

// recordChecksum records the SHA-256 of the data file of the checkpoint
// base (a path without suffix) in its metadata.
func recordChecksum(base string) error {
	raw, err := os.ReadFile(base + checkpoint.BinDataSuffix)
	if err != nil {
		return err
	}
	meta, err := os.ReadFile(base + checkpoint.JsonNameSuffix)
	if err != nil {
		return err
	}
	var m metadata
	if err := json.Unmarshal(meta, &m); err != nil {
		return fmt.Errorf("metadata GoMLX wrote: %w", err)
	}
	m.setParam(checksumParam, dataChecksum(raw))
	if hist, err := os.ReadFile(base + HistorySuffix); err == nil {
		m.setParam(historyParam, dataChecksum(hist))
	} else if errors.Is(err, os.ErrNotExist) {
		// A network loaded from a checkpoint with a history holds its
		// checksum among its parameters: a checkpoint without one must
		// not claim it.
		m.Params = slices.DeleteFunc(m.Params, func(p metaParam) bool { return p.Key == historyParam })
	} else {
		return err
	}
	b, err := json.Marshal(&m)
	if err != nil {
		return err
	}
	return os.WriteFile(base+checkpoint.JsonNameSuffix, b, 0o644)
}
