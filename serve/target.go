package serve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
)

// Spec names the data a request works on. Exactly one field is set:
//
//	{"preset": "seed-mog"}             a preset mixture (dist.Preset)
//	{"toy": "moons"}                   a toy of data.ToyNames
//	{"mixture": {"components": [...]}} a mixture in dist's JSON form
//	{"points": [x0, y0, x1, y1, ...]}  a point cloud (drawn, or a CSV upload)
//	{"image": {"h": 28, "w": 28, "pix": [...]}} a grey image (a PNG upload)
//	{"mnist": 7}                       MNIST training image 7, where available
//
// The spec travels with every request: the server keeps no data between
// requests except the trained model.
type Spec struct {
	Preset  string          `json:"preset,omitempty"`
	Toy     string          `json:"toy,omitempty"`
	Mixture json.RawMessage `json:"mixture,omitempty"`
	Points  []float64       `json:"points,omitempty"`
	Image   *ImageSpec      `json:"image,omitempty"`
	MNIST   *int            `json:"mnist,omitempty"`
}

// ImageSpec is a grey image: Pix[r*W+c] in [0, 1], row r, column c.
type ImageSpec struct {
	H   int       `json:"h"`
	W   int       `json:"w"`
	Pix []float64 `json:"pix"`
}

// Spaces say how the page lays a point (x0, x1) out: "cartesian" with x0
// to the right and x1 up, "image" with x0 the row (down) and x1 the column,
// as dist.Image places pixels.
const (
	spaceCartesian = "cartesian"
	spaceImage     = "image"
)

// target is a resolved Spec: where its points come from and the exact
// score of its noise-perturbed density.
type target struct {
	key   string        // hash of the canonical spec, for caches and the model's label
	name  string        // for messages and labels
	space string        // spaceCartesian or spaceImage
	mix   *dist.Mixture // the exact density, for mixtures
	im    *dist.Image   // images
	pts   []float64     // point clouds, and a fixed sample of a toy
	comps []float64     // the points of pts that perturbed's mixture is over (all of them, or a seeded subset)
	toy   data.Toy      // toys
	grid  sgm.Schedule  // the noise levels of the field slider, the samplers and training
	box   [4]float64    // x0min, x0max, x1min, x1max: what the page shows
	scale float64       // the largest standard deviation of a coordinate
}

// toyPoints is how many points of a toy stand for it where a density is
// needed (the empirical mixture of perturbed): a toy's density is not
// known in closed form, so the field shows this sample smoothed at σ and
// says so (target.density).
const toyPoints = 500

// resolve checks spec against lim and returns its target. Errors are the
// client's: they name the field at fault.
func resolve(spec Spec, lim Limits) (*target, error) {
	canon, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("target: %v", err)
	}
	sum := sha256.Sum256(canon)
	t := &target{key: hex.EncodeToString(sum[:8]), space: spaceCartesian}
	set := 0
	for _, ok := range []bool{spec.Preset != "", spec.Toy != "", len(spec.Mixture) > 0, spec.Points != nil, spec.Image != nil, spec.MNIST != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("target: give exactly one of preset, toy, mixture, points, image, mnist (got %d)", set)
	}
	switch {
	case spec.Preset != "":
		if t.mix, err = dist.Preset(spec.Preset); err != nil {
			return nil, fmt.Errorf("target preset: %v", err)
		}
		t.name = "preset:" + spec.Preset
	case spec.Toy != "":
		if t.toy, err = data.ParseToy(spec.Toy); err != nil {
			return nil, fmt.Errorf("target toy: %v", err)
		}
		t.name = "toy:" + spec.Toy
		// A toy that is a Gaussian mixture (8gaussians) has its exact
		// density; the others are shown as a fixed sample, smoothed.
		if m, ok := t.toy.Mixture(); ok {
			t.mix = m
		} else {
			t.pts = t.toy.Sample(nil, toyPoints, rand.New(rand.NewPCG(1, 2)))
		}
	case len(spec.Mixture) > 0:
		if t.mix, err = dist.ReadMixture(bytes.NewReader(spec.Mixture)); err != nil {
			return nil, fmt.Errorf("target mixture: %v", err)
		}
		if t.mix.Len() > lim.MaxComponents {
			return nil, fmt.Errorf("target mixture: %d components, at most %d", t.mix.Len(), lim.MaxComponents)
		}
		t.name = "mixture"
	case spec.Points != nil:
		if err := checkPoints("target points", spec.Points, lim.MaxPoints); err != nil {
			return nil, err
		}
		if len(spec.Points) < 2*2 {
			return nil, errors.New("target points: need at least 2 points")
		}
		if err := checkCoords("target points", spec.Points); err != nil {
			return nil, err
		}
		t.pts, t.name = spec.Points, "points"
	case spec.Image != nil:
		im := spec.Image
		if im.H < 2 || im.W < 2 || im.H*im.W > lim.MaxPixels || im.H > lim.MaxPixels || im.W > lim.MaxPixels {
			return nil, fmt.Errorf("target image: %d×%d pixels, need at least 2×2 and at most %d pixels", im.H, im.W, lim.MaxPixels)
		}
		if t.im, err = dist.NewImage(im.H, im.W, slices.Clone(im.Pix)); err != nil {
			return nil, fmt.Errorf("target image: %v", err)
		}
		t.name, t.space = fmt.Sprintf("image:%dx%d", im.H, im.W), spaceImage
	default:
		g, err := data.MNIST("train", *spec.MNIST)
		if err != nil {
			return nil, fmt.Errorf("target mnist: %v", err)
		}
		if t.im, err = dist.NewImage(g.H, g.W, g.Pix); err != nil {
			return nil, fmt.Errorf("target mnist: %v", err)
		}
		t.name, t.space = fmt.Sprintf("mnist:train:%d", *spec.MNIST), spaceImage
	}
	if t.mix != nil {
		if t.mix.Dim() != 2 {
			return nil, fmt.Errorf("target: the explorer draws 2-D data, the mixture has dimension %d", t.mix.Dim())
		}
		for k, c := range t.mix.Components() {
			for j := range 2 {
				if math.Abs(c.Mean[j]) > maxCoord || c.Std[j] > maxCoord {
					return nil, fmt.Errorf("target mixture: component %d has mean %g and std %g, beyond ±%g, the explorer's limit (rescale the mixture)", k, c.Mean[j], c.Std[j], maxCoord)
				}
			}
		}
	}
	if t.pts != nil {
		t.comps = subset(t.pts, maxEmpirical)
	}
	if err := t.frame(); err != nil {
		return nil, fmt.Errorf("target %s: %v", t.name, err)
	}
	return t, nil
}

// subset returns the 2-D points x, or, when there are more than max of
// them, max of them drawn without replacement on a fixed seed and kept
// in their order: the same subset for the same points, and no
// systematic choice (a stride would keep one kind of row of a file whose
// rows alternate between two shapes).
func subset(x []float64, max int) []float64 {
	m := len(x) / 2
	if m <= max {
		return x
	}
	pick := rand.New(rand.NewPCG(5, 6)).Perm(m)[:max]
	slices.Sort(pick)
	out := make([]float64, 0, 2*max)
	for _, i := range pick {
		out = append(out, x[2*i], x[2*i+1])
	}
	return out
}

// density says in words what perturbed's density is, for the page's
// label: exact, or which points it smooths.
func (t *target) density() string {
	switch {
	case t.mix != nil && t.toy != "":
		return "exact: the toy is a Gaussian mixture, perturbed at σ"
	case t.mix != nil:
		return "exact: the mixture perturbed at σ"
	case t.im != nil:
		return "exact: the image's pixels smoothed at σ"
	case t.toy != "":
		return fmt.Sprintf("not exact: a fixed sample of %d points of the toy, smoothed at σ", len(t.comps)/2)
	case len(t.comps) == len(t.pts):
		return fmt.Sprintf("exact for the data: all %d points, smoothed at σ", len(t.pts)/2)
	}
	return fmt.Sprintf("a seeded random subset of %d of the %d points, smoothed at σ", len(t.comps)/2, len(t.pts)/2)
}

// maxCoord bounds a target's coordinates (its points, a mixture's means
// and standard deviations) and maxBox its view box and a box a request
// pins. Beyond about 1e154, squared distances overflow float64: W₂'s
// assignment never ends, the noise grid turns infinite and JSON cannot
// carry the answer; beyond 3.4e38 particles overflow the float32s they
// travel in. 1e9 is far inside both and leaves room for data in any
// sensible unit; a box is a sample's range padded by a quarter of its
// spread, so a target within ±maxCoord has one well within ±maxBox.
const (
	maxCoord = 1e9
	maxBox   = 1e10
)

// checkPoints refuses a flat 2-D point list that is odd, too long or not
// finite, naming what.
func checkPoints(what string, x []float64, max int) error {
	if len(x)%2 != 0 {
		return fmt.Errorf("%s: %d numbers is not a whole number of 2-D points", what, len(x))
	}
	if len(x)/2 > max {
		return fmt.Errorf("%s: %d points, at most %d", what, len(x)/2, max)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: point %d has a non-finite coordinate %v", what, i/2, v)
		}
	}
	return nil
}

// checkCoords refuses a flat 2-D point list with a coordinate beyond
// ±maxCoord, naming the point.
func checkCoords(what string, x []float64) error {
	for i, v := range x {
		if math.Abs(v) > maxCoord {
			return fmt.Errorf("%s: point %d has coordinate %g, beyond ±%g, the explorer's limit (rescale the data)", what, i/2, v, maxCoord)
		}
	}
	return nil
}

// levels is the number of noise levels of a target's grid.
const levels = 10

// frame sets the target's scale, box and noise grid from a sample of it:
// the box is the sample's range widened by a quarter of the scale on each
// side (the unit square for images), the grid runs geometrically from
// scale/100 to scale (Song & Ermon 2019 take σ_1 near the data's spread).
// It returns an error if the box reaches beyond ±maxBox.
func (t *target) frame() error {
	x := t.sample(2000, rand.New(rand.NewPCG(3, 4)))
	var mean, sq [2]float64
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	n := float64(len(x) / 2)
	for i, v := range x {
		k := i % 2
		mean[k] += v / n
		lo[k], hi[k] = min(lo[k], v), max(hi[k], v)
	}
	for i, v := range x {
		sq[i%2] += (v - mean[i%2]) * (v - mean[i%2]) / n
	}
	t.scale = math.Sqrt(max(sq[0], sq[1]))
	if !(t.scale > 1e-6) {
		t.scale = 1e-6 // all points on one spot: a tiny box around it
	}
	pad := t.scale / 4
	if t.im != nil {
		t.box = [4]float64{0, 1, 0, 1}
	} else {
		// Square the box, so that the page's circles stay round.
		c0, c1 := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
		half := max(hi[0]-lo[0], hi[1]-lo[1])/2 + pad
		t.box = [4]float64{c0 - half, c0 + half, c1 - half, c1 + half}
	}
	if err := checkBox(t.box); err != nil {
		return fmt.Errorf("its view %v", err)
	}
	var err error
	t.grid, err = sgm.Geometric(t.scale/100, t.scale, levels)
	return err
}

// checkBox refuses a box [x0min, x0max, x1min, x1max] that is not
// finite, within ±maxBox, with min < max.
func checkBox(b [4]float64) error {
	for _, v := range b {
		if !(math.Abs(v) <= maxBox) {
			return fmt.Errorf("box %v: coordinates must be finite, within ±%g", b, maxBox)
		}
	}
	if !(b[0] < b[1] && b[2] < b[3]) {
		return fmt.Errorf("box %v: must be [x0min, x0max, x1min, x1max] with min < max", b)
	}
	return nil
}

// sample draws n points of the target.
func (t *target) sample(n int, rng *rand.Rand) []float64 {
	switch {
	case t.mix != nil:
		return t.mix.Sample(nil, n, rng)
	case t.im != nil:
		return t.im.Sample(nil, n, rng)
	case t.toy != "":
		// Independent draws: the references and noise floors a model's
		// independent samples are read against (data.IIDToy).
		return t.toy.IID().Sample(nil, n, rng)
	}
	out := make([]float64, 2*n)
	m := len(t.pts) / 2
	for i := range n {
		j := rng.IntN(m)
		out[2*i], out[2*i+1] = t.pts[2*j], t.pts[2*j+1]
	}
	return out
}

// Dim is 2: every target of the explorer is in the plane.
func (t *target) Dim() int { return 2 }

// Sample makes a target an sgm.Source.
func (t *target) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := t.sample(n, rng)
	if dst == nil {
		return x
	}
	return append(dst[:0], x...)
}

// exact reports whether the target is a density known in closed form
// (a mixture) rather than data whose perturbed density is a mixture.
func (t *target) exact() bool { return t.mix != nil }

// maxEmpirical bounds the components of a point cloud's perturbed density:
// a larger cloud is represented by a seeded random subset of its points
// (subset). 1,000 components cost a step of 2,000 particles about 45 ms
// on 2 cores.
const maxEmpirical = 1000

// perturbed returns the density of x + σz, z ~ N(0, I), for x drawn from
// the target: exact for mixtures (dist.Mixture.Perturbed), images
// (dist.Image.Smoothed) and point clouds of at most maxEmpirical points
// (the mixture of N(x_i, σ² I) over the points, their empirical
// distribution perturbed); larger clouds use a seeded random subset, and
// toys a fixed sample (density says which). It is what the
// field shows and the samplers follow at noise level σ. Images and clouds
// need σ > 0.
func (t *target) perturbed(sigma float64) (*dist.Mixture, error) {
	switch {
	case t.mix != nil:
		if err := t.mix.CheckPerturbed(sigma); err != nil {
			return nil, err
		}
		return t.mix.Perturbed(sigma), nil
	case t.im != nil:
		if err := dist.CheckNoise(sigma); err != nil {
			return nil, err
		}
		return t.im.Smoothed(sigma), nil
	}
	if err := dist.CheckNoise(sigma); err != nil {
		return nil, err
	}
	comps := make([]dist.Component, 0, len(t.comps)/2)
	for i := 0; i+1 < len(t.comps); i += 2 {
		comps = append(comps, dist.Component{Weight: 1, Mean: []float64{t.comps[i], t.comps[i+1]}, Std: []float64{sigma, sigma}})
	}
	return dist.NewMixture(comps)
}

// labels returns the names of the target's class labels, its points'
// components (model.ComponentLabels): a mixture's components in its
// order, a toy's parts (data.Toy.Labels); nil for data without two or
// more of them.
func (t *target) labels() []string {
	k := 0
	switch {
	case t.mix != nil:
		k = t.mix.Len()
	case t.toy != "":
		k = t.toy.Labels()
	}
	if k < 2 {
		return nil // one component: nothing to tell apart
	}
	names := make([]string, k)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

// labelled is a target with labels as a source of labelled points
// (model.LabelledSource), for training a class-conditional model.
type labelled struct{ *target }

// SampleLabelled draws n points with their components.
func (l labelled) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	if l.mix != nil {
		return l.mix.SampleLabelled(dst, n, rng)
	}
	return l.toy.SampleLabelled(dst, n, rng)
}

// component returns the mixture of the target's component label alone
// (its index among labels), or an error naming the labels it has.
func (t *target) component(label string) (*dist.Mixture, error) {
	k, err := strconv.Atoi(label)
	if t.mix == nil {
		return nil, fmt.Errorf("label %s: the exact score of %s has no components to pick; labels apply to mixtures, or to a model trained with labels (Score: learned)", clip(label), t.name)
	}
	if err != nil || k < 0 || k >= t.mix.Len() {
		return nil, fmt.Errorf("label %s: %s has components 0 to %d", clip(label), t.name, t.mix.Len()-1)
	}
	return dist.NewMixture([]dist.Component{t.mix.Components()[k]})
}

// minGrid and maxGrid bound the field's grid (gridAt): minGrid where the
// density is smooth on the view's scale, maxGrid where it is not, the
// most a slider tick can afford. A 160 × 160 field of a toy's 500-point
// sample took 0.15 s of 2 quiet cores and 0.45 s at a load of 24 (200 ×
// 200: 0.74 s); 160 points draw checkerboard's dots at the smallest σ
// round.
const (
	minGrid = 64
	maxGrid = 160
)

// gridAt is the grid the field at level is drawn on: a point per standard
// deviation of the perturbed density's narrowest part across the view's
// wider side, within [minGrid, maxGrid] and at most most. The narrowest
// part is a mixture's narrowest component perturbed at σ, sqrt(std² +
// σ²), and σ itself for points and images, whose density is a sum of
// N(x_i, σ² I) (a toy's sample, a drawing, pixels). At the smallest
// levels, σ = 1/100 of the data's scale, a toy's or a drawing's field
// takes maxGrid: on a 96-point grid, checkerboard's dots at σ = 0.023
// fell between grid points 4σ apart and were drawn as jagged blobs, on a
// 64-point grid as triangles.
func (t *target) gridAt(level, most int) int {
	sigma := t.grid[level]
	detail := sigma
	if t.mix != nil {
		detail = math.Inf(1)
		for _, c := range t.mix.Components() {
			for _, s := range c.Std {
				detail = min(detail, math.Hypot(s, sigma))
			}
		}
	}
	width := max(t.box[1]-t.box[0], t.box[3]-t.box[2])
	n := width/detail + 1
	top := min(maxGrid, most)
	if !(n < float64(top)) {
		return top
	}
	return int(max(minGrid, math.Ceil(n)))
}
