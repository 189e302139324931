package scorenet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
func Load(backend compute.Backend, dir string) (*Net, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("checkpoint %s: not a directory (sgm checkpoints are directories written by sgm train)", dir)
	}
	store := model.NewStore()
	h, err := checkpoint.Load(store).Dir(dir).Keep(KeepCheckpoints).Immediate().Done()
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	raw, ok := store.GetParam(model.JoinPath("/", configParam))
	if !ok {
		return nil, fmt.Errorf("checkpoint %s: no %q parameter: not a score network checkpoint", dir, configParam)
	}
	s, ok := raw.(string)
	if !ok {
		return nil, fmt.Errorf("checkpoint %s: parameter %q is a %T, want a JSON string", dir, configParam, raw)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(s), &cfg); err != nil {
		return nil, fmt.Errorf("checkpoint %s: parameter %q: %w", dir, configParam, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	n := &Net{cfg: cfg.WithDefaults(), backend: backend, store: store, ckpt: h, ckptDir: dir, noFast: fastDisabled()}
	for v := range store.IterVariables() {
		if strings.HasPrefix(v.Path(), EMAPrefix+"/") {
			v.SetTrainable(false) // moving averages are updated, not trained
		}
	}
	for _, name := range Frozen() {
		v := store.GetVariable(model.JoinPath("/", ScopeName, name))
		if v == nil {
			return nil, fmt.Errorf("checkpoint %s: variable %s missing", dir, name)
		}
		v.SetTrainable(false)
	}
	return n, nil
}

// Save writes a checkpoint of the network (and of the optimiser's state, if
// it has been trained) into dir, creating it if needed, and keeps only the
// newest KeepCheckpoints there. A directory that already holds checkpoints
// of another network is refused.
func (n *Net) Save(dir string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ckpt == nil || n.ckptDir != dir {
		if has, err := HasCheckpoints(dir); err != nil {
			return err
		} else if has {
			return fmt.Errorf("checkpoint %s: already holds checkpoints of another run; load it to resume or choose another directory", dir)
		}
		h, err := checkpoint.Build(n.store).Dir(dir).Keep(KeepCheckpoints).Done()
		if err != nil {
			return fmt.Errorf("checkpoint %s: %w", dir, err)
		}
		n.ckpt, n.ckptDir = h, dir
	}
	if err := n.ckpt.Save(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return nil
}

// HasCheckpoints reports whether dir exists and holds at least one checkpoint.
func HasCheckpoints(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	for _, e := range entries {
		if name := e.Name(); len(name) > len("checkpoint-") && name[:len("checkpoint-")] == "checkpoint-" {
			return true, nil
		}
	}
	return false, nil
}

// Step is the number of optimiser steps the network has been trained for
// (0 for a new network).
func (n *Net) Step() int { return int(optimizer.GetGlobalStep(n.store)) }

// SetLabel records a note about the network, such as the data it was
// trained on; it is saved with the checkpoint.
func (n *Net) SetLabel(key, value string) {
	n.store.SetParam(model.JoinPath("/", labelPrefix+key), value)
}

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
