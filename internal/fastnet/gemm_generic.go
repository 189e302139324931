package fastnet

import "fmt"

// Matrix products of the training step. Activations and their gradients
// are row-major (one row per training row, padded to a multiple of 4 rows
// and of tile columns), so that the three products of a dense layer,
//
//	forward          C = A·W           (A: rows×in,  W: in×out)
//	backward, data   C = G·Wᵀ ⊙ mask   (G: rows×out)
//	backward, weight C += Aᵀ·G          (summed over the rows of a block)
//
// all read their operands along rows: the first two with W (or Wᵀ)
// packed in panels of tile columns, the third straight from A and G.

// tile is the width, in columns, of the panels of the packed weights and
// of every padded activation row.
const tile = 32

// Epilogues of gemmNN.
const (
	epStore    = iota // C = A·B
	epBiasReLU        // C = relu(A·B + bias)
	epMask            // C = A·B where M > 0, 0 elsewhere
)

// gemmNNGeneric sets, for r < rows and j < tile·np,
//
//	C[r][j] = ep(Σ_{k<K} A[r][k] B[j/tile][k][j%tile]),
//
// A's rows being lda apart, C's and M's ldc apart, and B holding np panels
// of K×tile. ep applies bias (len ≥ tile·np) or the mask M as its name says.
func gemmNNGeneric(c []float32, ldc int, a []float32, lda, K int, b []float32, np, rows int, ep int, bias, m []float32) {
	var acc [tile]float32
	for p := range np {
		bp := b[p*K*tile : (p+1)*K*tile]
		for r := range rows {
			clear(acc[:])
			for k, ak := range a[r*lda : r*lda+K] {
				if ak == 0 {
					continue
				}
				for j, bj := range bp[k*tile : (k+1)*tile] {
					acc[j] += ak * bj
				}
			}
			cr := c[r*ldc+p*tile : r*ldc+(p+1)*tile]
			switch ep {
			case epStore:
				copy(cr, acc[:])
			case epBiasReLU:
				for j, v := range acc {
					cr[j] = max(v+bias[p*tile+j], 0)
				}
			case epMask:
				mr := m[r*ldc+p*tile : r*ldc+(p+1)*tile]
				for j, v := range acc {
					if mr[j] > 0 {
						cr[j] = v
					} else {
						cr[j] = 0
					}
				}
			}
		}
	}
}

// gemmTNGeneric adds to C (rows ldc apart) for k < kp and j < tile·np
//
//	C[k][j] += Σ_{r<rows} A[r][k] B[r][j],
//
// A's rows being lda apart and B's ldb apart.
func gemmTNGeneric(c []float32, ldc int, a []float32, lda, kp int, b []float32, ldb, np, rows int) {
	n := tile * np
	for r := range rows {
		br := b[r*ldb : r*ldb+n]
		for k, ak := range a[r*lda : r*lda+kp] {
			if ak == 0 {
				continue
			}
			ck := c[k*ldc : k*ldc+n]
			for j, bj := range br {
				ck[j] += ak * bj
			}
		}
	}
}

// checkNN panics unless the operands of gemmNN have the sizes that its
// vector kernels, which read through unsafe pointers, need.
func checkNN(c []float32, ldc int, a []float32, lda, K int, b []float32, np, rows int, ep int, bias, m []float32) {
	if rows%4 != 0 || K < 1 || np < 1 || rows < 1 || lda < K || ldc < tile*np ||
		len(a) < (rows-1)*lda+K || len(b) < np*K*tile || len(c) < (rows-1)*ldc+tile*np ||
		(ep == epBiasReLU && len(bias) < tile*np) || (ep == epMask && len(m) < (rows-1)*ldc+tile*np) {
		panic(fmt.Sprintf("fastnet: gemmNN: bad sizes rows=%d K=%d np=%d lda=%d ldc=%d len(a)=%d len(b)=%d len(c)=%d",
			rows, K, np, lda, ldc, len(a), len(b), len(c)))
	}
}

// checkTN is checkNN for gemmTN.
func checkTN(c []float32, ldc int, a []float32, lda, kp int, b []float32, ldb, np, rows int) {
	if kp%4 != 0 || kp < 4 || np < 1 || rows < 1 || lda < kp || ldb < tile*np || ldc < tile*np ||
		len(a) < (rows-1)*lda+kp || len(b) < (rows-1)*ldb+tile*np || len(c) < (kp-1)*ldc+tile*np {
		panic(fmt.Sprintf("fastnet: gemmTN: bad sizes rows=%d kp=%d np=%d lda=%d ldb=%d ldc=%d len(a)=%d len(b)=%d len(c)=%d",
			rows, kp, np, lda, ldb, ldc, len(a), len(b), len(c)))
	}
}
