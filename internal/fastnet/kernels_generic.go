package fastnet

import "math"

// Minimax coefficients, in z = r², of sin(2πr) ≈ r·S(z) and cos(2πr) ≈ C(z)
// on |r| ≤ 1/4, fitted by Lawson's iteration on 2000 Chebyshev nodes
// (float64 errors 3.3e-9 and 2.2e-10; evaluated in float32, below 2e-7).
const (
	sin0 = 6.283185
	sin1 = -41.341656
	sin2 = 81.601006
	sin3 = -76.54978
	sin4 = 39.53671

	cos0 = 1
	cos1 = -19.739208
	cos2 = 64.93935
	cos3 = -85.453575
	cos4 = 60.14402
	cos5 = -24.982264
)

// reduceTurns splits t into an integer k = round(2t) and r = t - k/2,
// |r| ≤ 1/4, so that sin(2πt) = (-1)^k sin(2πr) and likewise for cos. The
// subtraction is exact in float32.
func reduceTurns(t float32) (r float32, odd bool) {
	k := float32(math.RoundToEven(float64(2 * t)))
	r = t - 0.5*k
	odd = math.Mod(float64(k), 2) != 0
	return r, odd
}

// sinTurns returns sin(2πt).
func sinTurns(t float32) float32 {
	r, odd := reduceTurns(t)
	z := r * r
	s := r * (sin0 + z*(sin1+z*(sin2+z*(sin3+z*sin4))))
	if odd {
		return -s
	}
	return s
}

// cosTurns returns cos(2πt).
func cosTurns(t float32) float32 {
	r, odd := reduceTurns(t)
	z := r * r
	c := cos0 + z*(cos1+z*(cos2+z*(cos3+z*(cos4+z*cos5))))
	if odd {
		return -c
	}
	return c
}

// featuresRowGeneric sets h[j] = α cos(2π Σ_k bt[k][j] u[k]) for j < fp and
// h[j] = α sin(2π Σ_k bt[k][j] u[k]) for fp ≤ j < 2fp, where bt is d×2fp.
func featuresRowGeneric(bt []float32, d, fp int, alpha float32, u, h []float32) {
	h = h[:2*fp]
	for j := range h {
		var t float32
		for k := range d {
			t += bt[k*2*fp+j] * u[k]
		}
		if j < fp {
			h[j] = alpha * cosTurns(t)
		} else {
			h[j] = alpha * sinTurns(t)
		}
	}
}

// matvecPanelGeneric sets out[c] = act(bias[c] + Σ_{k<K} h[k] w[k*width+c])
// for c < width, act being relu if relu is set and the identity otherwise.
func matvecPanelGeneric(w []float32, K, width int, h, bias, out []float32, relu bool) {
	out = out[:width]
	copy(out, bias[:width])
	for k, hk := range h[:K] {
		for c, wc := range w[k*width : (k+1)*width] {
			out[c] += hk * wc
		}
	}
	if relu {
		for c, v := range out {
			out[c] = max(v, 0)
		}
	}
}

// featuresBlockGeneric sets the transposed features of a block:
// h[j*lanes+l] = α cos(2π b[j]·u_l) for j < F and α sin(2π b[j]·u_l) for
// F ≤ j < 2F, where b is 2F×d and u is d×lanes.
func featuresBlockGeneric(b []float32, d, F int, alpha float32, u, h []float32) {
	var t [lanes]float32
	for j := range 2 * F {
		clear(t[:])
		for k, bk := range b[j*d : (j+1)*d] {
			for l, ul := range u[k*lanes : (k+1)*lanes] {
				t[l] += bk * ul
			}
		}
		hj := h[j*lanes : (j+1)*lanes]
		for l, tl := range t {
			if j < F {
				hj[l] = alpha * cosTurns(tl)
			} else {
				hj[l] = alpha * sinTurns(tl)
			}
		}
	}
}

// layerBlockGeneric computes a dense layer on a transposed block:
// out[j*lanes+l] = act(bias[j] + Σ_{k<K} W[k][j] h[k*lanes+l]) for j < np,
// with W packed in panels of panelOut units ([np/panelOut][K][panelOut]).
func layerBlockGeneric(w []float32, K, np int, h, bias, out []float32, relu bool) {
	h = h[:K*lanes]
	for p := 0; p < np; p += panelOut {
		wp := w[p*K : (p+panelOut)*K]
		for jj := range panelOut {
			o := out[(p+jj)*lanes : (p+jj+1)*lanes]
			for l := range o {
				o[l] = bias[p+jj]
			}
			for k := range K {
				wk := wp[k*panelOut+jj]
				for l, hl := range h[k*lanes : (k+1)*lanes] {
					o[l] += wk * hl
				}
			}
			if relu {
				for l, v := range o {
					o[l] = max(v, 0)
				}
			}
		}
	}
}

// compactNonzeroGeneric stores the indices and values of the nonzero
// entries of h in idx and val, in order, and returns their number. idx and
// val need room for len(h)+16 entries (the SIMD version's slack).
func compactNonzeroGeneric(idx []int32, val, h []float32) int {
	nz := 0
	for i, v := range h {
		if v != 0 {
			idx[nz], val[nz] = int32(i), v
			nz++
		}
	}
	return nz
}

// matvecSparseGeneric is matvecPanelGeneric with h given by its nonzero
// entries: h[idx[i]] = val[i], all other entries zero.
func matvecSparseGeneric(w []float32, K, width int, idx []int32, val, bias, out []float32, relu bool) {
	out = out[:width]
	copy(out, bias[:width])
	w = w[:K*width]
	for i, r := range idx {
		v := val[i]
		for c, wc := range w[int(r)*width : (int(r)+1)*width] {
			out[c] += v * wc
		}
	}
	if relu {
		for c, v := range out {
			out[c] = max(v, 0)
		}
	}
}
