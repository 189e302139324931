package metric

import (
	"fmt"
	"math"
	"slices"

	"github.com/sgm-dev/sgm/dist"
)

// TotalVariation returns the total variation distance between two
// distributions over len(p) cells and one more, "outside", cell that holds
// what p and q lack of a total mass of 1:
//
//	TV(p, q) = ½ ( Σ_i |p_i - q_i| + |(1 - Σ_i p_i) - (1 - Σ_i q_i)| )
//
// For p and q each summing to 1 it is the usual ½ Σ |p_i - q_i|; it lies in
// [0, 1] when p and q are non-negative with sums at most 1. It panics if
// len(p) != len(q).
func TotalVariation(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("metric: TotalVariation: lengths %d and %d differ", len(p), len(q)))
	}
	var s, sp, sq float64
	for i, v := range p {
		s += math.Abs(v - q[i])
		sp += v
		sq += q[i]
	}
	return 0.5 * (s + math.Abs(sq-sp))
}

// HistTV returns the total variation distance between the pixel histogram
// of the 2-D points (PixelHistogram) and the image pix (h×w intensities,
// row-major), each normalised to a distribution:
//
//	p̂ = hist / n,   q = pix / Σ pix,   HistTV = TotalVariation(p̂, q)
//
// where n = len(points)/2 counts every point, inside the grid or not, so
// the mass lost outside the grid counts fully against the samples: 0 is a
// perfect match, 1 means no sample fell on a pixel of positive intensity.
//
// It panics unless len(pix) == h*w, points holds at least one point and pix
// has a positive sum.
func HistTV(points, pix []float64, h, w int) float64 {
	q := imageProb("HistTV", pix)
	return TotalVariation(pixelProb("HistTV", points, h, w, len(pix)), q)
}

// imageProb returns the intensities pix divided by their sum, divided first
// by the largest where the sum overflows. It panics naming who unless the
// sum is positive.
func imageProb(who string, pix []float64) []float64 {
	var total float64
	for _, v := range pix {
		total += v
	}
	if !(total > 0) {
		panic(fmt.Sprintf("metric: %s: image intensities sum to %v, want a positive sum", who, total))
	}
	top := 1.0
	if math.IsInf(total, 1) {
		top = slices.Max(pix)
		total = 0
		for _, v := range pix {
			total += v / top
		}
	}
	q := make([]float64, len(pix))
	for i, v := range pix {
		q[i] = v / top / total
	}
	return q
}

// HistTVSmoothed returns the total variation distance between the pixel
// histogram of the 2-D points and the expected pixel histogram of exact
// draws from the σ-smoothed image, SmoothedImageHistogram(im, sigma):
//
//	HistTVSmoothed = TotalVariation(hist / n, SmoothedImageHistogram(im, σ))
//
// Both lose mass outside the grid, and the losses are compared too, so
// exact draws from im.Smoothed(sigma) score near 0 (the sampling error of n
// points) even when σ is large. It panics as HistTV and
// SmoothedImageHistogram do.
func HistTVSmoothed(points []float64, im *dist.Image, sigma float64) float64 {
	q := SmoothedImageHistogram(im, sigma)
	return TotalVariation(pixelProb("HistTVSmoothed", points, im.H, im.W, len(q)), q)
}

// pixelProb returns PixelHistogram(points, h, w) divided by the number of
// points, all of them; it panics naming who unless len(pix) == h*w and
// points holds at least one point.
func pixelProb(who string, points []float64, h, w, npix int) []float64 {
	if h < 1 || w < 1 || npix != h*w {
		panic(fmt.Sprintf("metric: %s: %d intensities for a %d×%d image", who, npix, h, w))
	}
	hist, _ := pixelHistogram(who, points, h, w)
	n := len(points) / 2
	for i := range hist {
		hist[i] /= float64(n)
	}
	return hist
}

// SmoothedImageHistogram returns the expected pixel histogram, as fractions
// of the draws, of exact draws from the σ-smoothed image im.Smoothed(sigma):
// entry r*W+c is the probability that a draw falls in pixel (r, c)'s cell,
// [r-½, r+½]×[c-½, c+½] in pixel units, the points that PixelHistogram and
// Image.Histogram count there. The smoothed image is a mixture of isotropic
// Gaussians of std σ (in unit-square coordinates, σ(H-1) and σ(W-1) in pixel
// units) at the pixel centres, so each cell's mass factors over the axes:
//
//	P(r, c) = Σ_{r',c'} I(r', c')/ΣI · a(r - r') · b(c - c')
//	a(k) = Φ((k + ½)/(σ(H-1))) - Φ((k - ½)/(σ(H-1)))
//	b(k) = Φ((k + ½)/(σ(W-1))) - Φ((k - ½)/(σ(W-1)))
//
// where Φ is the standard normal CDF. The entries sum to less than 1 by
// the mass that falls outside the grid; for σ → 0 they tend to the
// normalised image, which sigma == 0 returns. The cost is O(HW(H+W)).
//
// It panics if sigma is negative or not finite or the image's size and
// intensities disagree or sum to zero.
func SmoothedImageHistogram(im *dist.Image, sigma float64) []float64 {
	if !(sigma >= 0) || sigma > math.MaxFloat64 {
		panic(fmt.Sprintf("metric: SmoothedImageHistogram: noise level must be non-negative and finite, got %v", sigma))
	}
	h, w := im.H, im.W
	if h < 2 || w < 2 || len(im.Pix) != h*w {
		panic(fmt.Sprintf("metric: SmoothedImageHistogram: %d×%d image with %d intensities", h, w, len(im.Pix)))
	}
	q := imageProb("SmoothedImageHistogram", im.Pix)
	a := cellMasses(h, sigma*float64(h-1)) // a[k+h-1] = a(k)
	b := cellMasses(w, sigma*float64(w-1))

	// Blur the columns of each row first, tmp = P·Bᵀ, then the rows,
	// out = A·tmp; rows of zero intensity are skipped.
	tmp := make([]float64, h*w)
	for r := range h {
		src := q[r*w : (r+1)*w]
		dst := tmp[r*w : (r+1)*w]
		for c2, v := range src {
			if v == 0 {
				continue
			}
			bk := b[w-1-c2 : 2*w-1-c2] // bk[c] = b(c - c2)
			for c := range dst {
				dst[c] += v * bk[c]
			}
		}
	}
	out := make([]float64, h*w)
	for r2 := range h {
		src := tmp[r2*w : (r2+1)*w]
		for r := range h {
			ak := a[r-r2+h-1]
			if ak == 0 {
				continue
			}
			dst := out[r*w : (r+1)*w]
			for c, v := range src {
				dst[c] += ak * v
			}
		}
	}
	return out
}

// cellMasses returns m[k+n-1] = P(k - ½ < Z·s < k + ½), Z ~ N(0, 1), for
// k = -(n-1) ... n-1; s == 0 gives the indicator of k == 0.
func cellMasses(n int, s float64) []float64 {
	m := make([]float64, 2*n-1)
	for i := range m {
		k := float64(i - (n - 1))
		m[i] = normalMass((k-0.5)/s, (k+0.5)/s)
	}
	return m
}

// normalMass returns Φ(hi) - Φ(lo) for lo < hi, from the tail on the side
// of the interval so that far-out cells keep their relative precision.
func normalMass(lo, hi float64) float64 {
	const isqrt2 = 1 / math.Sqrt2
	switch {
	case lo >= 0: // upper tail: Φ(hi) - Φ(lo) = Q(lo) - Q(hi)
		return 0.5 * (math.Erfc(lo*isqrt2) - math.Erfc(hi*isqrt2))
	case hi <= 0: // lower tail
		return 0.5 * (math.Erfc(-hi*isqrt2) - math.Erfc(-lo*isqrt2))
	default: // 1 less what lies below lo, Φ(lo), and above hi, Q(hi)
		return 1 - 0.5*math.Erfc(-lo*isqrt2) - 0.5*math.Erfc(hi*isqrt2)
	}
}
