package dist

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm"
)

// Image is a grey-scale image read as a distribution over the unit square:
// pixel (r, c) sits at
//
//	x = (r/(H-1), c/(W-1))
//
// and has probability proportional to its intensity Pix[r*W+c]. Intensities
// are non-negative, usually in [0, 1], and not all zero.
type Image struct {
	H, W int
	Pix  []float64 // row-major, len H*W
}

// NewImage returns the h×w image with row-major intensities pix, which it
// keeps (not a copy). It returns an error unless h >= 2, w >= 2,
// len(pix) == h*w, every intensity is finite and non-negative, and at least
// one is positive.
func NewImage(h, w int, pix []float64) (*Image, error) {
	if h < 2 || w < 2 {
		return nil, fmt.Errorf("image must be at least 2×2 pixels, got %d×%d", h, w)
	}
	if len(pix) != h*w {
		return nil, fmt.Errorf("image of %d×%d pixels needs %d intensities, got %d", h, w, h*w, len(pix))
	}
	positive := false
	for i, v := range pix {
		if !(v >= 0) || math.IsInf(v, 1) {
			return nil, fmt.Errorf("pixel (%d, %d): intensity must be finite and non-negative, got %v", i/w, i%w, v)
		}
		positive = positive || v > 0
	}
	if !positive {
		return nil, errors.New("image is all zero: no pixel has positive intensity")
	}
	return &Image{H: h, W: w, Pix: pix}, nil
}

// Coord returns the point in the unit square at the centre of pixel
// (row, col):
//
//	(x0, x1) = (row/(H-1), col/(W-1))
//
// It panics if the pixel is outside the image.
func (im *Image) Coord(row, col int) (x0, x1 float64) {
	if row < 0 || row >= im.H || col < 0 || col >= im.W {
		panic(fmt.Sprintf("dist: Coord: pixel (%d, %d) outside the %d×%d image", row, col, im.H, im.W))
	}
	return float64(row) / float64(im.H-1), float64(col) / float64(im.W-1)
}

// Sample returns n draws, using rng, from the categorical distribution over
// the pixel centres with probabilities proportional to the intensities
// (whose sum may overflow), as a flat slice of 2n coordinates. Each draw
// costs O(1) (an alias table, built once per call in O(H*W)). The
// coordinates go into dst, or a new slice if dst is nil (sgm.Source). It
// panics if n < 0, dst has another length or the image has no positive
// intensity.
func (im *Image) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := sgm.SampleDst("dist: Sample", dst, n, 2)
	im.check()
	pick, ok := newAlias(im.Pix)
	if !ok {
		panic("dist: Sample: image has no positive intensity")
	}
	r0, r1 := 1/float64(im.H-1), 1/float64(im.W-1)
	for i := 0; i < len(x); i += 2 {
		p := pick.draw(rng)
		x[i] = float64(p/im.W) * r0
		x[i+1] = float64(p%im.W) * r1
	}
	return x
}

// Dim is 2: a point is a pixel's (row, column) coordinates.
func (im *Image) Dim() int { return 2 }

// CheckNoise returns an error unless sigma is a noise level that Smoothed
// accepts: positive, with σ² and 1/σ² finite, about 7.5e-155 < σ < 1.3e154
// (NewMixture's range for a standard deviation). Use it on noise levels
// that come from users or files before calling Smoothed, which panics on
// them.
func CheckNoise(sigma float64) error {
	switch {
	case !(sigma > 0) || math.IsInf(sigma, 1):
		return fmt.Errorf("noise level must be positive and finite, got %v", sigma)
	case math.IsInf(1/(sigma*sigma), 1):
		return fmt.Errorf("noise level %v is too small: 1/σ² overflows (σ must exceed about 7.5e-155)", sigma)
	case math.IsInf(sigma*sigma, 1):
		return fmt.Errorf("noise level %v is too large: σ² overflows (σ must be below about 1.3e154)", sigma)
	}
	return nil
}

// Smoothed returns the image's distribution convolved with N(0, σ² I): the
// mixture with one component per pixel of positive intensity I(r, c), at
// its coordinate, with
//
//	weight ∝ I(r, c),   std = (σ, σ)
//
// Its score is the exact score of the σ-perturbed image distribution. It
// panics if CheckNoise(sigma) returns an error (sigma not positive with σ²
// and 1/σ² finite, as NewMixture requires of a standard deviation), or the
// image has no positive intensity. The intensities' sum may overflow.
func (im *Image) Smoothed(sigma float64) *Mixture {
	if err := CheckNoise(sigma); err != nil {
		panic("dist: Smoothed: " + err.Error())
	}
	im.check()
	k := 0
	for _, v := range im.Pix {
		if v > 0 {
			k++
		}
	}
	if k == 0 {
		panic("dist: Smoothed: image has no positive intensity")
	}
	weight := make([]float64, 0, k)
	mean := make([]float64, 2*k) // axis-major: rows then columns
	std := make([]float64, 2*k)
	for i, v := range im.Pix {
		if v > 0 {
			c := len(weight)
			mean[c], mean[k+c] = im.Coord(i/im.W, i%im.W)
			std[c], std[k+c] = sigma, sigma
			weight = append(weight, v)
		}
	}
	normalise(weight)
	return newMixture(2, weight, mean, std)
}

// Histogram returns the number of the 2-D points (flat, x0, x1, x0, x1, ...)
// nearest to each pixel centre, row-major, H*W counts: a point goes to
//
//	(row, col) = (round(x0*(H-1)), round(x1*(W-1)))
//
// and points outside the image are dropped. It panics if len(points) is
// odd.
func (im *Image) Histogram(points []float64) []float64 {
	if len(points)%2 != 0 {
		panic(fmt.Sprintf("dist: Histogram: odd number of coordinates %d", len(points)))
	}
	im.check()
	counts := make([]float64, im.H*im.W)
	h, w := float64(im.H-1), float64(im.W-1)
	for i := 0; i < len(points); i += 2 {
		r := math.Round(points[i] * h)
		c := math.Round(points[i+1] * w)
		if !(r >= 0 && r <= h && c >= 0 && c <= w) { // also drops NaN
			continue
		}
		counts[int(r)*im.W+int(c)]++
	}
	return counts
}

// check panics if the image's size and pixels disagree.
func (im *Image) check() {
	if im.H < 2 || im.W < 2 || len(im.Pix) != im.H*im.W {
		panic(fmt.Sprintf("dist: %d×%d image with %d intensities", im.H, im.W, len(im.Pix)))
	}
}

// Support returns the pixels that carry mass, as flat 2-D coordinates, and
// their probabilities (intensities normalised to sum 1, even where their sum
// overflows): the categorical distribution that Sample draws from.
func (im *Image) Support() (points, weights []float64) {
	for r := range im.H {
		for c := range im.W {
			if v := im.Pix[r*im.W+c]; v > 0 {
				x0, x1 := im.Coord(r, c)
				points = append(points, x0, x1)
				weights = append(weights, v)
			}
		}
	}
	if len(weights) > 0 {
		normalise(weights)
	}
	return points, weights
}
