package scorenet

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// A checkpoint is untrusted input: Load reads its metadata (GoMLX's JSON
// file) itself and checks it against the network's configuration before
// GoMLX allocates anything, and checks the data file against the SHA-256
// that Save records in the metadata.

// checksumParam is the metadata parameter holding the hex SHA-256 of the
// checkpoint's data file.
const checksumParam = "data_sha256"

// historyParam is the metadata parameter holding the hex SHA-256 of the
// checkpoint's history file (HistorySuffix), where it has one.
const historyParam = "history_sha256"

// Limits on what Load reads. The network sgm trains by default (width
// 256, depth 3, with Adam's moments and moving averages) takes about 4 MB.
const (
	maxMetadataBytes = 1 << 22
	maxDataBytes     = 4 * MaxWeightBytes // weights, Adam's two moments, moving averages
)

// MaxWeightBytes bounds the size of a network's weights (67 million
// float32 values), which Config.Validate checks.
const MaxWeightBytes = 1 << 28

// metadata is the JSON file of a GoMLX checkpoint (checkpoint's
// serializedData, whose fields it names the same).
type metadata struct {
	Params    []metaParam
	Variables []metaVar
	BinFormat string
}

type metaParam struct {
	Scope, Key string
	Value      json.RawMessage // kept as written, so a rewrite changes nothing else
	ValueType  string
}

type metaVar struct {
	ParameterName string
	Dimensions    []int
	DType         dtypes.DType
	Pos, Length   int
}

// param returns the string parameter key of m.
func (m *metadata) param(key string) (string, bool) {
	for _, p := range m.Params {
		if p.Key == key {
			var s string
			if json.Unmarshal(p.Value, &s) != nil {
				return "", false
			}
			return s, true
		}
	}
	return "", false
}

// setParam sets the string parameter key of m, replacing any earlier one.
func (m *metadata) setParam(key, value string) {
	b, _ := json.Marshal(value) // a string always marshals
	m.Params = slices.DeleteFunc(m.Params, func(p metaParam) bool { return p.Key == key })
	m.Params = append(m.Params, metaParam{Scope: "/", Key: key, Value: b, ValueType: "string"})
}

// decodeMetadata parses a checkpoint's metadata and checks it: only the
// parameters sgm writes (strings), the configuration valid, and exactly
// the variables that configuration has, with their shapes, stored one
// after the other. It returns the metadata, the configuration (with
// defaults) and the size of the variables' data in bytes.
func decodeMetadata(b []byte) (*metadata, Config, int, error) {
	var m metadata
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, Config{}, 0, fmt.Errorf("metadata: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Config{}, 0, errors.New("metadata: data after the JSON object")
	}
	seen := map[string]bool{}
	for _, p := range m.Params {
		known := p.Key == configParam || p.Key == checksumParam || p.Key == historyParam ||
			strings.HasPrefix(p.Key, labelPrefix) || strings.HasPrefix(p.Key, "train_")
		var s string
		switch {
		case p.Scope != "/" || !known:
			return nil, Config{}, 0, fmt.Errorf("metadata: unknown parameter %q in scope %q", p.Key, p.Scope)
		case seen[p.Key]:
			return nil, Config{}, 0, fmt.Errorf("metadata: parameter %q twice", p.Key)
		case p.ValueType != "string" || json.Unmarshal(p.Value, &s) != nil:
			return nil, Config{}, 0, fmt.Errorf("metadata: parameter %q is not a string", p.Key)
		}
		seen[p.Key] = true
	}
	raw, ok := m.param(configParam)
	if !ok {
		return nil, Config{}, 0, fmt.Errorf("metadata: no %q parameter: not a score network checkpoint", configParam)
	}
	var cfg Config
	dec = json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, Config{}, 0, fmt.Errorf("metadata: parameter %q: %w", configParam, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, Config{}, 0, fmt.Errorf("metadata: %w", err)
	}
	// sgm trains on ascending grids (sgm.Schedule's order), and samplers
	// anneal from the last level down: a checkpoint whose levels are out
	// of order was edited, and would anneal over part of its grid.
	for i := 1; i < len(cfg.Sigmas); i++ {
		if !(cfg.Sigmas[i] > cfg.Sigmas[i-1]) {
			return nil, Config{}, 0, fmt.Errorf("metadata: noise levels out of order: level %d is %v after %v (sgm writes them ascending)", i, cfg.Sigmas[i], cfg.Sigmas[i-1])
		}
	}
	cfg = cfg.WithDefaults()
	want, err := expectedShapes(cfg)
	if err != nil {
		return nil, Config{}, 0, fmt.Errorf("metadata: %w", err)
	}
	pos := 0
	has := map[string]bool{}
	for _, v := range m.Variables {
		path, ok := strings.CutPrefix(v.ParameterName, "var:")
		shape, known := want[path]
		switch {
		case !ok || !known:
			return nil, Config{}, 0, fmt.Errorf("metadata: unknown variable %q (config %s)", v.ParameterName, cfg)
		case has[path]:
			return nil, Config{}, 0, fmt.Errorf("metadata: variable %s twice", path)
		case v.DType != shape.DType || !slices.Equal(v.Dimensions, shape.Dimensions):
			return nil, Config{}, 0, fmt.Errorf("metadata: variable %s is %s %v, want %s for config %s", path, v.DType, v.Dimensions, shape, cfg)
		case v.Pos != pos || v.Length != int(shape.ByteSize()):
			return nil, Config{}, 0, fmt.Errorf("metadata: variable %s at byte %d with %d bytes, want byte %d with %d", path, v.Pos, v.Length, pos, shape.ByteSize())
		}
		has[path] = true
		if pos += v.Length; pos > maxDataBytes {
			return nil, Config{}, 0, fmt.Errorf("metadata: variables take more than %d bytes", maxDataBytes)
		}
	}
	if err := checkGroups(cfg, has); err != nil {
		return nil, Config{}, 0, fmt.Errorf("metadata: %w", err)
	}
	return &m, cfg, pos, nil
}

// String is the configuration as the metadata records it, for messages.
func (c Config) String() string {
	if c.Timed() {
		return fmt.Sprintf("dim %d, features %d, width %d, depth %d, time-conditioned %s with %d frequencies", c.Dim, c.Features, c.Width, c.Depth, c.Process, c.TimeFeatures)
	}
	return fmt.Sprintf("dim %d, features %d, width %d, depth %d, %d levels", c.Dim, c.Features, c.Width, c.Depth, len(c.Sigmas))
}

// rngStatePath is the graph's generator state.
var rngStatePath = model.JoinPath("/", model.RNGStateVariableName)

// netShapes returns the shape of each of the network's variables (Layout),
// by name relative to its scope, and the names of the trainable ones. It
// refuses a configuration whose weights would exceed MaxWeightBytes. cfg
// has its defaults.
func netShapes(cfg Config) (map[string]shapes.Shape, []string, error) {
	F, d, L := cfg.Features, cfg.Dim, cfg.conditioningSize()
	// The number of weights, in float64: a configuration read from a
	// file may be large enough to overflow an int (and Layout's sizes).
	in, W := float64(2*F+d), float64(cfg.Width)
	n := 2*float64(F)*float64(d) + 2*float64(L) + in*W + W + float64(cfg.Depth-1)*(W*W+W) + W*float64(d) + float64(d)
	if 4*n > MaxWeightBytes {
		return nil, nil, fmt.Errorf("%s: the weights would take more than %d MiB", cfg, MaxWeightBytes>>20)
	}
	out := map[string]shapes.Shape{}
	var trainable []string
	for _, p := range Layout(cfg) {
		out[p.Name] = shapes.Make(dtypes.Float32, p.Shape...)
		if p.Trainable {
			trainable = append(trainable, p.Name)
		}
	}
	return out, trainable, nil
}

// expectedShapes returns the shape of every variable a checkpoint of cfg
// may hold, by full path: the network's, the step count, Adam's state,
// the moving averages and the graph's generator state.
func expectedShapes(cfg Config) (map[string]shapes.Shape, error) {
	net, trainable, err := netShapes(cfg)
	if err != nil {
		return nil, err
	}
	want := map[string]shapes.Shape{
		StepPath:         shapes.Make(dtypes.Int64),
		AdamStepPath:     shapes.Make(dtypes.Float32),
		LearningRatePath: shapes.Make(dtypes.Float32),
		rngStatePath:     compute.RNGStateShape,
	}
	for name, s := range net {
		want[VariablePath(name)] = s
	}
	for _, name := range trainable {
		s := net[name]
		want[EMAPath(name)] = s
		want[AdamMomentPath(name, 1)] = s
		want[AdamMomentPath(name, 2)] = s
	}
	return want, nil
}

// checkGroups checks that a checkpoint holding the variables in has holds
// all the network's, and Adam's state and the moving averages whole or
// not at all.
func checkGroups(cfg Config, has map[string]bool) error {
	net, trainable, err := netShapes(cfg)
	if err != nil {
		return err
	}
	for name := range net {
		if !has[VariablePath(name)] {
			return fmt.Errorf("variable %s missing", name)
		}
	}
	groups := []struct {
		what  string
		paths []string
	}{{what: "moving averages"}, {what: "Adam's state", paths: []string{AdamStepPath}}}
	for _, name := range trainable {
		groups[0].paths = append(groups[0].paths, EMAPath(name))
		groups[1].paths = append(groups[1].paths, AdamMomentPath(name, 1), AdamMomentPath(name, 2))
	}
	for _, g := range groups {
		n := 0
		for _, p := range g.paths {
			if has[p] {
				n++
			}
		}
		if n != 0 && n != len(g.paths) {
			return fmt.Errorf("%s incomplete: %d of %d variables", g.what, n, len(g.paths))
		}
	}
	return nil
}

// readLimited reads the file at path, refusing one over limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}

// dataHeader starts a GoMLX data file compressed with gzip.
const dataHeader = "gomlx_checkpointss\x04gzip"

// decodeData returns the n bytes of variable data in a data file's
// contents, decompressing them if needed, and no more than n+1 bytes.
func decodeData(raw []byte, n int) ([]byte, error) {
	body, gz := bytes.CutPrefix(raw, []byte(dataHeader))
	if gz {
		r, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body, err = io.ReadAll(io.LimitReader(r, int64(n)+1)); err != nil {
			return nil, err
		}
	}
	if len(body) != n {
		return nil, fmt.Errorf("data file holds %d bytes of variables, the metadata lists %d", len(body), n)
	}
	return body, nil
}

// dataChecksum is the hex SHA-256 of a data file's contents.
func dataChecksum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readCheckpoint reads the checkpoint name (without suffix) in dir into a
// new store, checked as decodeMetadata and against its checksum, and
// returns the store and the network's configuration.
func readCheckpoint(dir, name string) (*model.Store, Config, []byte, error) {
	meta, err := readLimited(filepath.Join(dir, name+checkpoint.JsonNameSuffix), maxMetadataBytes)
	if err != nil {
		return nil, Config{}, nil, err
	}
	m, cfg, n, err := decodeMetadata(meta)
	if err != nil {
		return nil, Config{}, nil, fmt.Errorf("%s: %w", name+checkpoint.JsonNameSuffix, err)
	}
	var history []byte
	if sum, ok := m.param(historyParam); ok {
		if history, err = readLimited(filepath.Join(dir, name+HistorySuffix), MaxHistoryBytes); err != nil {
			return nil, Config{}, nil, err
		}
		if got := dataChecksum(history); got != sum {
			return nil, Config{}, nil, fmt.Errorf("%s: checksum %.12s…, the metadata records %.12s…: the history is damaged or belongs to another checkpoint", name+HistorySuffix, got, sum)
		}
	}
	sum, ok := m.param(checksumParam)
	if !ok {
		return nil, Config{}, nil, fmt.Errorf("%s: no checksum of the data file (written by an older sgm, or edited)", name+checkpoint.JsonNameSuffix)
	}
	// A gzip stream of n bytes is at most a little longer than n.
	raw, err := readLimited(filepath.Join(dir, name+checkpoint.BinDataSuffix), int64(n)+int64(n)/64+4096)
	if err != nil {
		return nil, Config{}, nil, err
	}
	if got := dataChecksum(raw); got != sum {
		return nil, Config{}, nil, fmt.Errorf("%s: checksum %.12s…, the metadata records %.12s…: the data file is damaged or belongs to another checkpoint", name+checkpoint.BinDataSuffix, got, sum)
	}
	data, err := decodeData(raw, n)
	if err != nil {
		return nil, Config{}, nil, fmt.Errorf("%s: %w", name+checkpoint.BinDataSuffix, err)
	}
	store, err := loadStore(meta, data)
	if err != nil {
		return nil, Config{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	return store, cfg, history, nil
}

// loadStore loads checked metadata and data into a new store, and checks
// the step counts they hold.
func loadStore(meta, data []byte) (*model.Store, error) {
	store := model.NewStore()
	if _, err := checkpoint.Load(store).FromEmbed(string(meta), data).Immediate().Done(); err != nil {
		return nil, err
	}
	if v := store.GetVariable(StepPath); v != nil {
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		if s := tensors.ToScalar[int64](t); s < 0 {
			return nil, fmt.Errorf("step count %d is negative", s)
		}
	}
	if v := store.GetVariable(AdamStepPath); v != nil {
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		if s := tensors.ToScalar[float32](t); !(s >= 0) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("Adam's step count %v is not a non-negative number", s)
		}
	}
	return store, nil
}
