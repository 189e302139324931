package fastnet

import "math"

// softplusGeneric sets each v to log(1 + e^v), in float32 to within a few
// units in the last place (TestSoftplus), for any v and without overflow:
//
//	log(1 + e^v) = max(v, 0) + log1p(t),   t = e^-|v| ∈ (0, 1],
//
// with t = e^-|v| from expNeg and log1p(t) = 2 atanh(s) = 2(s + s³/3 + s⁵/5 + ...),
// s = t/(2+t) ≤ 1/3, summed to s¹⁵: the first term left out is below
// 2s·(1/9)⁸/17 ≈ 3e-9 of the sum. Padding units, whose pre-activation is
// 0, become log 2; the next layer's weight rows for them are zero, so they
// add nothing.
func softplusGeneric(v []float32) {
	for i, x := range v {
		t := expNeg(min(x, -x))
		s := t / (2 + t)
		s2 := s * s
		v[i] = max(x, 0) + 2*s*horner(atanhSeries[:], s2)
	}
}

// expNeg returns e^y for y ≤ 0 in float32 (0 below -87, where e^y is
// subnormal): y = k ln 2 + r with |r| ≤ ln 2/2, e^r by its Taylor
// polynomial to r⁷ (the first term left out is below 0.35⁸/8! ≈ 5e-9),
// scaled by 2^k through the exponent bits.
func expNeg(y float32) float32 {
	if y < -87 {
		return 0
	}
	k := -float32(int32(0.5 - y*log2e)) // round(y log2e): the argument is positive, so int32 floors it
	r := (y - k*ln2hi) - k*ln2lo
	return horner(expTaylor[:], r) * math.Float32frombits(uint32(int32(k)+127)<<23)
}

// The polynomials of softplus, highest coefficient first, for Horner's
// rule; softplus16 evaluates the same ones.
var (
	expTaylor   = [...]float32{1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1, 1}  // e^r to r⁷
	atanhSeries = [...]float32{1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1} // atanh(s)/s in s², to s¹⁴
)

// horner returns Σ c[i] x^(len(c)-1-i).
func horner(c []float32, x float32) float32 {
	p := c[0]
	for _, ci := range c[1:] {
		p = p*x + ci
	}
	return p
}

const (
	log2e = 1.4426950408889634
	ln2hi = 0.693145751953125 // ln 2 to 15 bits: k·ln2hi is exact for |k| ≤ 126
	ln2lo = 1.428606765330187e-06
)
