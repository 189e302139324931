package fastnet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Params are the network's parameters as plain float32 slices, laid out as
// scorenet.Weights lays them out (row-major).
type Params struct {
	Dim      int // d, the data dimension
	Features int // F, random Fourier features per trigonometric function
	Width    int // hidden units per layer
	Depth    int // hidden layers

	// Softplus makes the hidden layers' activation softplus, log(1 + eˣ),
	// instead of ReLU. Only Net evaluates such a network; Trainer trains
	// ReLU networks.
	Softplus bool

	BCos, BSin  []float32   // F×d each
	Alpha, Beta []float32   // one per noise level
	Dense       [][]float32 // Depth+1 matrices, fan-in×fan-out (input-major)
	DenseBiases [][]float32 // Depth+1 vectors of fan-out

	// Label, for a network conditioned on class labels, is the label
	// embedding E, (C+1)×Width: label c adds E_c to the first layer's
	// pre-activation (scorenet's label.go; C is the null label). Trainer
	// trains it (StepOneLevelLabelled, TimeTrainer.StepLabelled); Net
	// ignores it (fold E_c into DenseBiases[0] to evaluate a label). nil
	// without labels.
	Label []float32
}

// validate reports the first parameter whose shape does not match p's sizes.
func (p *Params) validate() error {
	switch {
	case p.Dim < 1:
		return fmt.Errorf("fastnet: dimension must be at least 1, got %d", p.Dim)
	case p.Features < 1:
		return fmt.Errorf("fastnet: features must be at least 1, got %d", p.Features)
	case p.Width < 1:
		return fmt.Errorf("fastnet: width must be at least 1, got %d", p.Width)
	case p.Depth < 1:
		return fmt.Errorf("fastnet: depth must be at least 1, got %d", p.Depth)
	case len(p.BCos) != p.Features*p.Dim:
		return fmt.Errorf("fastnet: BCos has %d values, want %d×%d", len(p.BCos), p.Features, p.Dim)
	case len(p.BSin) != p.Features*p.Dim:
		return fmt.Errorf("fastnet: BSin has %d values, want %d×%d", len(p.BSin), p.Features, p.Dim)
	case len(p.Alpha) < 1:
		return errors.New("fastnet: at least one noise level (Alpha) is needed")
	case len(p.Beta) != len(p.Alpha):
		return fmt.Errorf("fastnet: %d Alpha values but %d Beta values", len(p.Alpha), len(p.Beta))
	case len(p.Dense) != p.Depth+1:
		return fmt.Errorf("fastnet: %d dense matrices, want Depth+1 = %d", len(p.Dense), p.Depth+1)
	case len(p.DenseBiases) != p.Depth+1:
		return fmt.Errorf("fastnet: %d dense bias vectors, want Depth+1 = %d", len(p.DenseBiases), p.Depth+1)
	}
	in := 2*p.Features + p.Dim
	for k := 0; k <= p.Depth; k++ {
		out := p.Width
		if k == p.Depth {
			out = p.Dim
		}
		if len(p.Dense[k]) != in*out {
			return fmt.Errorf("fastnet: dense matrix %d has %d values, want %d×%d", k, len(p.Dense[k]), in, out)
		}
		if len(p.DenseBiases[k]) != out {
			return fmt.Errorf("fastnet: dense bias %d has %d values, want %d", k, len(p.DenseBiases[k]), out)
		}
		in = out
	}
	if p.Label != nil && (len(p.Label) < 2*p.Width || len(p.Label)%p.Width != 0) {
		return fmt.Errorf("fastnet: Label has %d values, want (C+1)×%d for C ≥ 1 labels", len(p.Label), p.Width)
	}
	return nil
}

const (
	lanes    = 32 // points per block of the batched path
	panelOut = 4  // output units per panel of the batched path
	rowVec   = 16 // float32s per vector; the single-point path pads to it
	rowWidth = 64 // widest output panel of the single-point path
)

// Net evaluates a score network. Its methods are safe for concurrent use.
type Net struct {
	dim, features int
	softplus      bool // the hidden layers' activation is softplus, not ReLU

	alpha  []float32   // per level
	bias0  [][]float32 // per level: b_0 + β_l Σ_{i<2F} W_0[i, :], padded to roundUp(width, rowVec)
	b      []float32   // batched path: [B_cos; B_sin], 2F×d
	bs     []float32   // [B_sin; B_cos], for ScoresDivergence
	ds     []float32   // d×2F, for ScoresDivergence: row k is -2π B_cos[:, k], then 2π B_sin[:, k]
	blocks []blockLayer

	fp   int        // features padded to rowVec
	bt   []float32  // single-point path: d×2fp, [B_cosᵀ | B_sinᵀ] zero-padded
	rows []rowLayer // single-point path layers
	k0r  int        // single-point input length, 2fp+d
	maxr int        // widest single-point activation
	maxb int        // widest batched activation (in units)
	bp   sync.Pool  // *blockWork
	rp   sync.Pool  // *rowWork
	dp   sync.Pool  // *divWork
}

// blockLayer is one dense layer in the batched layout: panels of panelOut
// output units, each panel holding in rows of panelOut weights.
type blockLayer struct {
	in, out int       // out is a multiple of panelOut
	w       []float32 // [out/panelOut][in][panelOut]
	bias    []float32 // len ≥ out; nil for layer 0, whose bias depends on the level
	relu    bool      // the kernel applies ReLU
	soft    bool      // softplus is applied after the kernel
}

// rowLayer is one dense layer in the single-point layout: column panels of
// width rowWidth or rowVec, each holding in rows of its width.
type rowLayer struct {
	in, out int // out is a multiple of rowVec
	panels  []rowPanel
	bias    []float32 // len ≥ out; nil for layer 0
	relu    bool      // the kernel applies ReLU
	soft    bool      // softplus is applied after the kernel
}

type rowPanel struct {
	col, width int
	w          []float32 // [in][width]
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// New checks the shapes of p and lays its weights out for evaluation. It
// copies what it keeps, so p may be changed afterwards.
func New(p Params) (*Net, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d, F, W, D := p.Dim, p.Features, p.Width, p.Depth
	n := &Net{dim: d, features: F, softplus: p.Softplus}
	n.alpha = append([]float32(nil), p.Alpha...)

	// Per-level first-layer bias: b_0 + β_l colsum(W_0[:2F]).
	w0 := p.Dense[0]
	colsum := make([]float64, W)
	for i := 0; i < 2*F; i++ {
		for j, v := range w0[i*W : (i+1)*W] {
			colsum[j] += float64(v)
		}
	}
	n.bias0 = make([][]float32, len(p.Alpha))
	for l, beta := range p.Beta {
		b := alignedFloat32s(roundUp(W, rowVec))
		for j := range W {
			b[j] = float32(float64(p.DenseBiases[0][j]) + float64(beta)*colsum[j])
		}
		n.bias0[l] = b
	}

	// Batched layout.
	n.b = make([]float32, 0, 2*F*d)
	n.b = append(append(n.b, p.BCos...), p.BSin...)
	n.bs = append(append(make([]float32, 0, 2*F*d), p.BSin...), p.BCos...)
	n.ds = make([]float32, d*2*F)
	for k := range d {
		for j := range 2 * F {
			s := float32(2*math.Pi) * n.b[j*d+k]
			if j < F {
				s = -s
			}
			n.ds[k*2*F+j] = s
		}
	}
	in, inPad := 2*F+d, 2*F+d
	for k := 0; k <= D; k++ {
		out := W
		if k == D {
			out = d
		}
		L := blockLayer{in: inPad, out: roundUp(out, panelOut), relu: k < D && !p.Softplus, soft: k < D && p.Softplus}
		L.w = alignedFloat32s(L.out * L.in)
		for j := range out {
			panel := L.w[j/panelOut*L.in*panelOut:]
			for i := range in {
				panel[i*panelOut+j%panelOut] = p.Dense[k][i*out+j]
			}
		}
		if k > 0 {
			L.bias = alignedFloat32s(roundUp(out, rowVec))
			copy(L.bias, p.DenseBiases[k])
		}
		n.maxb = max(n.maxb, L.out)
		n.blocks = append(n.blocks, L)
		in, inPad = out, L.out
	}

	// Single-point layout. Input rows: cos features, padded to fp; sin
	// features, padded to fp; u.
	n.fp = roundUp(F, rowVec)
	n.bt = alignedFloat32s(d * 2 * n.fp)
	for i := range F {
		for k := range d {
			n.bt[k*2*n.fp+i] = p.BCos[i*d+k]
			n.bt[k*2*n.fp+n.fp+i] = p.BSin[i*d+k]
		}
	}
	n.k0r = 2*n.fp + d
	rowOf := make([]int, 2*F+d) // W_0 row i goes to single-point row rowOf[i]
	for i := range F {
		rowOf[i], rowOf[F+i] = i, n.fp+i
	}
	for k := range d {
		rowOf[2*F+k] = 2*n.fp + k
	}
	in, inPad = 2*F+d, n.k0r
	n.maxr = n.k0r
	for k := 0; k <= D; k++ {
		out := W
		if k == D {
			out = d
		}
		L := rowLayer{in: inPad, out: roundUp(out, rowVec), relu: k < D && !p.Softplus, soft: k < D && p.Softplus}
		for col := 0; col < L.out; {
			width := rowVec
			if L.out-col >= rowWidth {
				width = rowWidth
			}
			P := rowPanel{col: col, width: width, w: alignedFloat32s(L.in * width)}
			for i := range in {
				r := i
				if k == 0 {
					r = rowOf[i]
				}
				for j := col; j < min(col+width, out); j++ {
					P.w[r*width+j-col] = p.Dense[k][i*out+j]
				}
			}
			L.panels = append(L.panels, P)
			col += width
		}
		if k > 0 {
			L.bias = n.blocks[k].bias
		}
		n.maxr = max(n.maxr, L.out)
		n.rows = append(n.rows, L)
		in, inPad = out, L.out
	}
	n.bp.New = func() any { return n.newBlockWork() }
	n.rp.New = func() any { return n.newRowWork() }
	n.dp.New = func() any { return n.newDivWork() }
	return n, nil
}

// Dim is the dimension d of the points.
func (n *Net) Dim() int { return n.dim }

// Levels is the number of noise levels.
func (n *Net) Levels() int { return len(n.alpha) }

func (n *Net) checkLevel(level int) {
	if level < 0 || level >= len(n.alpha) {
		panic(fmt.Sprintf("fastnet: noise level %d out of range [0, %d)", level, len(n.alpha)))
	}
}

func (n *Net) checkBatch(dst, x []float64) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("fastnet: len(dst)=%d != len(x)=%d", len(dst), len(x)))
	}
	if len(x)%n.dim != 0 {
		panic(fmt.Sprintf("fastnet: len(x)=%d is not a multiple of the dimension %d", len(x), n.dim))
	}
}

// ScoreOne sets dst (of length Dim) to the score at the point x (of length
// Dim) for noise level index level.
func (n *Net) ScoreOne(dst, x []float64, level int) {
	n.checkLevel(level)
	if len(x) != n.dim || len(dst) != n.dim {
		panic(fmt.Sprintf("fastnet: ScoreOne wants %d values in x and dst, got %d and %d", n.dim, len(x), len(dst)))
	}
	w := n.rp.Get().(*rowWork)
	n.scoreRow(w, dst, x, level)
	n.rp.Put(w)
}

// rowTail is the smallest number of left-over points that the batched path
// takes as a padded block; fewer go through the single-point path. A block
// costs about as much as 18 single points on the blog post's network.
const rowTail = 18

// Scores sets dst[i*d:(i+1)*d] to the score at x[i*d:(i+1)*d] for noise
// level index level, d = Dim. It panics if len(dst) != len(x), if len(x) is
// not a multiple of d, or if level is out of range. Batches of two blocks
// or more (lanes+rowTail = 50 points) are shared among runtime.GOMAXPROCS
// goroutines.
func (n *Net) Scores(dst, x []float64, level int) {
	n.checkLevel(level)
	n.checkBatch(dst, x)
	d := n.dim
	pts := len(x) / d
	nblk := blocksFor(pts)
	if tail := min(nblk*lanes, pts); tail < pts {
		w := n.rp.Get().(*rowWork)
		for i := tail; i < pts; i++ {
			n.scoreRow(w, dst[i*d:(i+1)*d], x[i*d:(i+1)*d], level)
		}
		n.rp.Put(w)
	}
	shareBlocks(nblk, func(take func() int) {
		w := n.bp.Get().(*blockWork)
		for b := take(); b < nblk; b = take() {
			lo, hi := b*lanes, min((b+1)*lanes, pts)
			n.scoreBlock(w, dst[lo*d:hi*d], x[lo*d:hi*d], level)
		}
		n.bp.Put(w)
	})
}

// shareBlocks runs work on up to runtime.GOMAXPROCS goroutines, one of
// them the caller's, each taking block indices from take (0, 1, 2, ...
// among them all, each once) until it returns one past the last block,
// nblk.
func shareBlocks(nblk int, work func(take func() int)) {
	var next atomic.Int64
	take := func() int { return int(next.Add(1)) - 1 }
	workers := min(runtime.GOMAXPROCS(0), nblk)
	if workers <= 1 {
		if nblk > 0 {
			work(take)
		}
		return
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(func() { work(take) })
	}
	work(take)
	wg.Wait()
}

// blocksFor is the number of blocks the batched path takes for pts points.
func blocksFor(pts int) int {
	if pts%lanes >= rowTail {
		return pts/lanes + 1
	}
	return pts / lanes
}

// Chain runs unadjusted Langevin dynamics at noise level index level from
// the points x (flat, row-major; one chain per point), in place:
//
//	x ← x + (η/2) s(x, level) + √η z,  z ~ N(0, I),
//
// for steps steps, drawing z with rng.NormFloat64 point by point and
// coordinate by coordinate (the order of package sample's Langevin). After
// step t (1-based) it calls record(t, x) if record is not nil; record must
// not keep x. It panics if len(x) is not a multiple of Dim, if level is out
// of range, if eta is not positive and finite, or if steps < 0.
func (n *Net) Chain(x []float64, level int, eta float64, steps int, rng *rand.Rand, record func(step int, x []float64)) {
	n.checkLevel(level)
	n.checkBatch(x, x)
	if !(eta > 0) || math.IsInf(eta, 0) {
		panic(fmt.Sprintf("fastnet: step size must be positive and finite, got %v", eta))
	}
	if steps < 0 {
		panic(fmt.Sprintf("fastnet: steps must not be negative, got %d", steps))
	}
	half, root := eta/2, math.Sqrt(eta)
	g := make([]float64, len(x))
	var w *rowWork
	if len(x) == n.dim {
		w = n.rp.Get().(*rowWork)
		defer n.rp.Put(w)
	}
	for t := 1; t <= steps; t++ {
		if w != nil {
			n.scoreRow(w, g, x, level)
		} else {
			n.Scores(g, x, level)
		}
		for i := range x {
			x[i] += half*g[i] + root*rng.NormFloat64()
		}
		if record != nil {
			record(t, x)
		}
	}
}

// rowWork is the scratch space of the single-point path.
type rowWork struct {
	u      []float32
	h0     []float32 // k0r
	ha, hb []float32 // maxr
	idx    []int32   // nonzero entries of a hidden layer's output,
	val    []float32 // with a slack of 16 for the SIMD compaction
}

func (n *Net) newRowWork() *rowWork {
	return &rowWork{
		u:   make([]float32, n.dim),
		h0:  alignedFloat32s(n.k0r),
		ha:  alignedFloat32s(n.maxr),
		hb:  alignedFloat32s(n.maxr),
		idx: make([]int32, n.maxr+16),
		val: alignedFloat32s(n.maxr + 16),
	}
}

// scoreRow evaluates the network at one point.
func (n *Net) scoreRow(w *rowWork, dst, x []float64, level int) {
	d := n.dim
	for k := range d {
		w.u[k] = float32(x[k] - 0.5)
	}
	featuresRow(n.bt, d, n.fp, n.alpha[level], w.u, w.h0)
	for k := range d {
		w.h0[2*n.fp+k] = w.u[k]
	}
	in, out := w.h0, w.ha
	for k := range n.rows {
		L := &n.rows[k]
		bias := L.bias
		if k == 0 {
			bias = n.bias0[level]
		}
		if k == 0 || n.softplus { // softplus outputs have no zeros to skip
			for i := range L.panels {
				P := &L.panels[i]
				matvecPanel(P.w, L.in, P.width, in[:L.in], bias[P.col:P.col+P.width], out[P.col:P.col+P.width], L.relu)
			}
		} else {
			// The input is a ReLU output, typically half zeros: only the
			// weight rows of its nonzero entries are read.
			nz := compactNonzero(w.idx, w.val, in[:L.in])
			for i := range L.panels {
				P := &L.panels[i]
				matvecSparse(P.w, L.in, P.width, w.idx[:nz], w.val[:nz], bias[P.col:P.col+P.width], out[P.col:P.col+P.width], L.relu)
			}
		}
		if L.soft {
			softplus(out[:L.out])
		}
		if k == 0 {
			in, out = w.ha, w.hb
		} else {
			in, out = out, in
		}
	}
	for k := range d {
		dst[k] = float64(in[k])
	}
}

// blockWork is the scratch space of the batched path: transposed
// activations, lanes points per row.
type blockWork struct {
	u      []float32 // d×lanes
	h0     []float32 // (2F+d)×lanes
	ha, hb []float32 // maxb×lanes
}

func (n *Net) newBlockWork() *blockWork {
	return &blockWork{
		u:  alignedFloat32s(n.dim * lanes),
		h0: alignedFloat32s((2*n.features + n.dim) * lanes),
		ha: alignedFloat32s(n.maxb * lanes),
		hb: alignedFloat32s(n.maxb * lanes),
	}
}

// scoreBlock evaluates the network at up to lanes points; unused lanes are
// computed from u = 0 and dropped.
func (n *Net) scoreBlock(w *blockWork, dst, x []float64, level int) {
	d := n.dim
	pts := len(x) / d
	n.inputBlock(w.u, w.h0, x, level)
	y := n.layersBlock(w.h0, level, func(k int) []float32 {
		if k%2 == 0 {
			return w.ha
		}
		return w.hb
	})
	for k := range d {
		yk := y[k*lanes:]
		for i := range pts {
			dst[i*d+k] = float64(yk[i])
		}
	}
}

// inputBlock sets u (d×lanes) to the points x - 0.5, transposed, zero in
// the lanes past len(x)/d, and h0 to the first layer's input [α_l f, u].
func (n *Net) inputBlock(u, h0 []float32, x []float64, level int) {
	d := n.dim
	pts := len(x) / d
	for k := range d {
		uk := u[k*lanes : (k+1)*lanes]
		for i := range pts {
			uk[i] = float32(x[i*d+k] - 0.5)
		}
		clear(uk[pts:])
	}
	twoF := 2 * n.features
	featuresBlock(n.b, d, n.features, n.alpha[level], u, h0[:twoF*lanes])
	copy(h0[twoF*lanes:], u[:d*lanes])
}

// layersBlock runs the dense layers on the block h0 (from inputBlock),
// layer k writing its activations to out(k) (which must not be its input),
// and returns the output layer's, the scores transposed.
func (n *Net) layersBlock(h0 []float32, level int, out func(k int) []float32) []float32 {
	in := h0
	for k := range n.blocks {
		L := &n.blocks[k]
		bias := L.bias
		if k == 0 {
			bias = n.bias0[level]
		}
		o := out(k)[:L.out*lanes]
		layerBlock(L.w, L.in, L.out, in[:L.in*lanes], bias[:L.out], o, L.relu)
		if L.soft {
			softplus(o)
		}
		in = o
	}
	return in
}

// alignedFloat32s returns n zeroed float32s starting on a 64-byte boundary,
// so that vector loads do not straddle cache lines.
func alignedFloat32s(n int) []float32 {
	s := make([]float32, n+15)
	off := 0
	for off < 15 && uintptr(unsafe.Pointer(&s[off]))%64 != 0 {
		off++
	}
	return s[off : off+n : off+n]
}
