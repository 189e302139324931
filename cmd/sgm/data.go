package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Point data for "sgm train --data": a data file, a toy or a mixture, seen
// by the network in standard units (data.Standardizer), which the run
// records in its checkpoint (standardizerLabel) so that sample, eval and
// plot give every output back in the data's own units.

// Checkpoint labels of a run trained on points.
const (
	dataLabel         = "data"         // the --data spec, a file as an absolute path
	standardizerLabel = "standardizer" // JSON {"mean": [...], "std": [...]}
)

// dataHelp documents --data.
const dataHelp = "training data `SPEC`: points (PATH.csv, PATH.npy, toy:NAME), a mixture (preset or JSON file), or an image spec as --image; points are standardised per coordinate and every output is in their units"

// Constants of point data.
const (
	// fitDraws is how many draws of a toy or mixture fix its
	// standardisation and default noise levels (fixed seed: the same
	// spec gives the same run).
	fitDraws = 10000

	// spreadPoints bounds the points whose largest pairwise distance sets
	// the default σ_max: O(k²d) work, and the largest distance of a
	// subsample of 2000 is within a few percent of the full set's for
	// the clouds tried (toys, Gaussians).
	spreadPoints = 2000

	// pointSigmaMin is the default smallest noise level of point data, in
	// standard units: 1% of a coordinate's standard deviation, NCSNv2's
	// σ_L = 0.01 for data scaled to unit range.
	pointSigmaMin = 0.01
)

// pointData is a training set of points in standard units: a finite set
// (a file), resampled with replacement, or a distribution (toy, mixture)
// drawn afresh at every step, as the image is.
type pointData struct {
	spec   string
	d      int
	std    data.Standardizer
	points []float64                           // a file's points, standardised; nil for a distribution
	draw   func(n int, r *rand.Rand) []float64 // a distribution's draws in its own units
}

// Sample draws n points in standard units (train.Sampler).
func (p *pointData) Sample(n int, rng *rand.Rand) []float64 {
	if p.points != nil {
		out := make([]float64, n*p.d)
		m := len(p.points) / p.d
		for i := range n {
			k := rng.IntN(m)
			copy(out[i*p.d:(i+1)*p.d], p.points[k*p.d:(k+1)*p.d])
		}
		return out
	}
	x := p.draw(n, rng)
	p.std.Apply(x)
	return x
}

var _ train.Sampler = (*pointData)(nil)

// isMixtureSpec reports whether spec names a mixture: a preset or a .json file.
func isMixtureSpec(spec string) bool {
	if strings.EqualFold(filepath.Ext(spec), ".json") {
		return true
	}
	for _, p := range dist.PresetNames() {
		if p == spec {
			return true
		}
	}
	return false
}

// isPointSpec reports whether spec names points: toy:NAME, .csv or .npy.
func isPointSpec(spec string) bool {
	ext := strings.ToLower(filepath.Ext(spec))
	return strings.HasPrefix(spec, "toy:") || ext == ".csv" || ext == ".npy"
}

// referenceSource is a reference distribution of points: a file's points
// (finite), or a toy or mixture to draw from.
type referenceSource struct {
	d       int
	points  []float64 // a file's points, in its units
	draw    func(n int, r *rand.Rand) []float64
	mixture *dist.Mixture // when the source is a mixture

	// iid draws independent points, for reference samples and noise
	// floors: a toy's without its generator's stratification
	// (data.IIDToy); draw where nil.
	iid func(n int, r *rand.Rand) []float64
}

// independent returns s's draws of independent points (iid, else draw).
func (s referenceSource) independent() func(n int, r *rand.Rand) []float64 {
	if s.iid != nil {
		return s.iid
	}
	return s.draw
}

// readReference reads a point spec or a mixture spec. flag names the flag
// for error messages.
func readReference(flag, spec string) (referenceSource, error) {
	if isMixtureSpec(spec) {
		m, err := dist.Target(spec)
		if err != nil {
			return referenceSource{}, usagef("--%s: %v", flag, err)
		}
		return referenceSource{d: m.Dim(), draw: m.Sample, mixture: m}, nil
	}
	ps, err := data.ParsePointSpec(spec)
	if err != nil {
		return referenceSource{}, usagef("--%s: %v", flag, err)
	}
	if ps.Path == "" {
		t := ps.Toy
		return referenceSource{d: t.Dim(), draw: func(n int, r *rand.Rand) []float64 { return t.Sample(nil, n, r) },
			iid: func(n int, r *rand.Rand) []float64 { return t.IID().Sample(nil, n, r) }}, nil
	}
	p, err := data.ReadPointsFile(ps.Path)
	if err != nil {
		return referenceSource{}, fmt.Errorf("--%s: %w", flag, err)
	}
	return referenceSource{d: p.D, points: p.Data}, nil
}

// fitSample returns the points that fix the standardisation: a file's
// own, or fitDraws draws with a fixed seed.
func (s referenceSource) fitSample() []float64 {
	if s.points != nil {
		return s.points
	}
	return s.draw(fitDraws, rand.New(rand.NewPCG(0x57a, 0xda7a)))
}

// loadPointData reads the points spec names for training. With stored
// non-nil (a resumed run), it standardises by that; otherwise it fits the
// standardisation to the data.
func loadPointData(spec string, stored *data.Standardizer) (*pointData, error) {
	src, err := readReference("data", spec)
	if err != nil {
		return nil, err
	}
	p := &pointData{spec: spec, d: src.d, draw: src.draw}
	if need := 8 * float64(fitDraws) * float64(src.d); src.points == nil && need > memoryBudget() {
		return nil, usagef("--data %s: %d dimensions: the %d draws that fix the standardisation would take %s, more than the %s this machine allows", spec, src.d, fitDraws, byteSize(need), byteSize(memoryBudget()))
	}
	fit := src.fitSample()
	if stored != nil {
		p.std = *stored
	} else if p.std, err = data.FitStandardizer(data.Points{N: len(fit) / src.d, D: src.d, Data: fit}); err != nil {
		return nil, fmt.Errorf("--data %s: %w", spec, err)
	}
	if src.points != nil {
		p.points = append([]float64(nil), src.points...)
		if len(p.std.Mean) == p.d {
			p.std.Apply(p.points)
		}
	}
	return p, nil
}

// spread returns the largest distance between two of at most spreadPoints
// points of p in standard units: NCSNv2's choice of σ_max (Song & Ermon
// 2020, technique 1), large enough that the noisiest level mixes all of
// the data.
func (p *pointData) spread() float64 {
	rng := rand.New(rand.NewPCG(0x5b7e, 0xad))
	x := p.points
	if x == nil {
		x = p.Sample(spreadPoints, rng)
	}
	if n := len(x) / p.d; n > spreadPoints {
		sub := make([]float64, spreadPoints*p.d)
		for i, k := range rng.Perm(n)[:spreadPoints] {
			copy(sub[i*p.d:(i+1)*p.d], x[k*p.d:(k+1)*p.d])
		}
		x = sub
	}
	var best float64
	for i := 0; i < len(x); i += p.d {
		for j := i + p.d; j < len(x); j += p.d {
			var s float64
			for k := range p.d {
				dv := x[i+k] - x[j+k]
				s += dv * dv
			}
			best = max(best, s)
		}
	}
	return math.Sqrt(best)
}

// checkData resolves --data: an image spec moves to --image (the image
// path of training), and --data with --image given is refused.
func (f *trainFlags) checkData() error {
	if f.data == "" {
		return nil
	}
	if f.set["image"] && f.image != "" {
		return usagef("give one of --data and --image, not both")
	}
	if !isPointSpec(f.data) && !isMixtureSpec(f.data) {
		if !isImageSpec(f.data) {
			return usagef("--data %q: want PATH.csv, PATH.npy, toy:NAME, a mixture (preset or .json) or an image spec (mnist:..., idx:..., a PNG/JPEG)", f.data)
		}
		f.image, f.data = f.data, ""
		return nil
	}
	f.image = ""
	f.pointDefaults()
	return nil
}

// Defaults of a new run on points (--data other than an image), where
// they differ from the blog post's: one random level per point, and
// moving averages of the weights, which sampling uses. On the demo's toys
// the averages made the largest difference (moons: W₂ 0.64 without, 0.18
// with, at 6,000 steps), and one level per point costs a thirtieth of the
// post's every-level step at the same batch.
const (
	pointObjective = train.OneLevel
	pointEMA       = 0.999
)

// pointDefaults sets --objective and --ema to the point-data defaults
// where they were not given, for a new run (a resumed one keeps its own).
func (f *trainFlags) pointDefaults() {
	if f.resume {
		return
	}
	if !f.set["objective"] {
		f.objective = string(pointObjective)
	}
	if !f.set["ema"] {
		f.ema = pointEMA
	}
}

// isImageSpec reports whether spec has the form of an image spec
// (data.SpecHelp): MNIST, IDX, a picture or an IDX file by its name.
func isImageSpec(spec string) bool {
	if strings.HasPrefix(spec, "mnist:") || strings.HasPrefix(spec, "idx:") {
		return true
	}
	name := strings.ToLower(filepath.Base(spec))
	if head, idx, ok := strings.Cut(name, ":"); ok && strings.Trim(idx, "0123456789") == "" {
		name = head // PATH:N, an image of an IDX file
	}
	name = strings.TrimSuffix(name, ".gz")
	for _, suffix := range []string{".png", ".jpg", ".jpeg", ".idx", "-idx3-ubyte"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// absoluteData returns spec with its file, if it names one, as an
// absolute path, as absoluteSpec does for images.
func absoluteData(spec string) (string, error) {
	if spec == "" || strings.HasPrefix(spec, "toy:") || (isMixtureSpec(spec) && !strings.EqualFold(filepath.Ext(spec), ".json")) {
		return spec, nil
	}
	abs, err := filepath.Abs(spec)
	if err != nil {
		return "", usagef("--data %q: %v", spec, err)
	}
	return abs, nil
}

// newConfig returns the network configuration of a new run: for point
// data, of the data's dimension with noise levels defaulting from the
// data (σ_max its largest pairwise distance in standard units, σ_min
// pointSigmaMin); for an image, 2-D with the flags' levels.
func (f *trainFlags) newConfig() (scorenet.Config, error) {
	d := 2
	if f.data != "" {
		p, err := loadPointData(f.data, nil)
		if err != nil {
			return scorenet.Config{}, err
		}
		f.points, d = p, p.d
		if !f.set["sigma-max"] {
			f.sigmaMax = p.spread()
		}
		if !f.set["sigma-min"] {
			f.sigmaMin = min(pointSigmaMin, f.sigmaMax)
		}
		if f.sigmaMax < f.sigmaMin {
			return scorenet.Config{}, usagef("--sigma-min %v is above the data's σ_max %.4g (its largest pairwise distance in standard units); give --sigma-max", f.sigmaMin, f.sigmaMax)
		}
		if err := dist.CheckNoise(f.sigmaMax); err != nil {
			return scorenet.Config{}, usagef("--data %s: default σ_max: %v", f.data, err)
		}
	}
	sigmas, err := sgm.Geometric(f.sigmaMin, f.sigmaMax, f.levels)
	if err != nil {
		return scorenet.Config{}, usagef("noise levels: %v", err)
	}
	return scorenet.Config{Dim: d, Features: f.features, Width: f.width, Depth: f.depth, Sigmas: sigmas, Activation: f.activation}, nil
}

// trainingSource returns what net trains on: the image, or the point data
// checked against net's dimension and standardised as net records (a
// resumed run) or as fitted (a new one, which records it).
func (f *trainFlags) trainingSource(net *scorenet.Net) (train.Sampler, error) {
	stored, hasStd, err := netStandardizer(net)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", f.out, err)
	}
	if f.data == "" {
		if hasStd {
			return nil, usagef("--image %s: the run in %s trains on points (--data); resume it with --data", f.image, f.out)
		}
		return loadImage(f.image)
	}
	if net.Step() > 0 && !hasStd {
		return nil, usagef("--data %s: the run in %s trains on an image; resume it without --data, or start a new run", f.data, f.out)
	}
	p := f.points
	if p == nil || hasStd {
		var s *data.Standardizer
		if hasStd {
			s = &stored
		}
		if p, err = loadPointData(f.data, s); err != nil {
			return nil, err
		}
	}
	if d := net.Config().Dim; p.d != d {
		return nil, usagef("--data %s: %d-dimensional points, but the run in %s models %d dimensions", f.data, p.d, f.out, d)
	}
	b, _ := json.Marshal(standardizerJSON{Mean: p.std.Mean, Std: p.std.Std})
	net.SetLabel(standardizerLabel, string(b))
	return p, nil
}

// standardizerJSON is the checkpoint form of a data.Standardizer.
type standardizerJSON struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// netStandardizer returns the standardisation net records, and whether it
// records one (a model of point data). The label is untrusted input: it
// must give Dim finite means and Dim finite positive scales.
func netStandardizer(net *scorenet.Net) (data.Standardizer, bool, error) {
	v, ok := net.Label(standardizerLabel)
	if !ok {
		return data.Standardizer{}, false, nil
	}
	s, err := parseStandardizer(v, net.Config().Dim)
	return s, err == nil, err
}

// parseStandardizer decodes and checks a standardizer label for dimension d.
func parseStandardizer(v string, d int) (data.Standardizer, error) {
	var sj standardizerJSON
	if err := json.Unmarshal([]byte(v), &sj); err != nil {
		return data.Standardizer{}, fmt.Errorf("label %s: %v", standardizerLabel, err)
	}
	if len(sj.Mean) != d || len(sj.Std) != d {
		return data.Standardizer{}, fmt.Errorf("label %s: %d means and %d scales for a %d-dimensional model", standardizerLabel, len(sj.Mean), len(sj.Std), d)
	}
	s := data.Standardizer{Mean: sj.Mean, Std: sj.Std}
	if err := s.Validate(); err != nil {
		return data.Standardizer{}, fmt.Errorf("label %s: %w", standardizerLabel, err)
	}
	return s, nil
}

// refusePointModel returns a usage error if net models point data (it
// records a standardisation): what, which needs the exact score of a
// smoothed training image, has none to measure against.
func refusePointModel(net *scorenet.Net, dir, what string) error {
	if _, ok := net.Label(standardizerLabel); ok {
		return usagef("--model %s models point data: %s needs an image's exact score; measure its samples with sgm eval --samples F --target DATA", dir, what)
	}
	return nil
}
