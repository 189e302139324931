package objective

import (
	"math"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// linearScore is s(x, l) = -(l+1)·x, a model simple enough to compute the
// loss by hand.
func linearScore(x, level *Node) *Node {
	scale := ExpandAxes(ConvertDType(AddScalar(level, 1), x.DType()), -1)
	return Neg(Mul(scale, x))
}

func TestAllLevelsByHand(t *testing.T) {
	backend := gobackend.GetBackend()
	sigmas := []float64{0.5, 2}
	x := [][]float64{{1, -1}}               // B=1, d=2
	z := [][][]float64{{{0.5, 0}, {-1, 2}}} // [B=1, L=2, d=2]
	// Level 0 (σ=0.5, scale 1): x̃ = (1.25, -1),  s = (-1.25, 1), σs+z = (-0.125, 0.5)
	// Level 1 (σ=2, scale 2):   x̃ = (-1, 3),     s = (2, -6),    σs+z = (3, -10)
	// Mean of squares over the 4 entries: (0.015625 + 0.25 + 9 + 100) / 4.
	want := (0.015625 + 0.25 + 9 + 100) / 4
	got := MustExecOnce(backend, func(x, z *Node) *Node {
		return AllLevels(linearScore, sigmas, x, z)
	}, x, z)
	if v := tensors.ToScalar[float64](got); math.Abs(v-want) > 1e-12 {
		t.Errorf("AllLevels = %v, want %v", v, want)
	}
}

func TestOneLevelByHand(t *testing.T) {
	backend := gobackend.GetBackend()
	sigmas := []float64{0.5, 2}
	x := [][]float64{{1, -1}, {1, -1}}
	level := []int32{0, 1}
	z := [][]float64{{0.5, 0}, {-1, 2}}
	// The same two perturbations as TestAllLevelsByHand, one per data point.
	want := (0.015625 + 0.25 + 9 + 100) / 4
	got := MustExecOnce(backend, func(x, level, z *Node) *Node {
		return OneLevel(linearScore, sigmas, x, level, z)
	}, x, level, z)
	if v := tensors.ToScalar[float64](got); math.Abs(v-want) > 1e-12 {
		t.Errorf("OneLevel = %v, want %v", v, want)
	}
}

// A network that outputs zero has loss E‖z‖²/d = 1 under both estimators.
func TestZeroScoreLossIsMeanSquareNoise(t *testing.T) {
	backend := gobackend.GetBackend()
	zero := func(x, _ *Node) *Node { return ZerosLike(x) }
	x := [][]float32{{0.1, 0.2}}
	z := [][][]float32{{{1, 2}, {3, 4}, {0, 0}}}
	got := MustExecOnce(backend, func(x, z *Node) *Node {
		return AllLevels(zero, []float64{1e-4, 1e-2, 1}, x, z)
	}, x, z)
	if v, want := tensors.ToScalar[float32](got), float32(1+4+9+16)/6; math.Abs(float64(v-want)) > 1e-6 {
		t.Errorf("AllLevels(zero score) = %v, want mean square noise %v", v, want)
	}
}

// For a linear score s(x, l) = -c x (c = l+1) the Jacobian is -c I, so the
// sliced loss per point is σ²(-c‖v‖² + ½c²‖x̃‖²).
func TestSlicedOneLevelByHand(t *testing.T) {
	backend := gobackend.GetBackend()
	sigmas := []float64{0.5, 2}
	x := [][]float64{{1, -1}, {0, 2}}
	level := []int32{0, 1}
	z := [][]float64{{0.5, 0}, {1, -1}}
	v := [][]float64{{1, 2}, {-1, 0}}
	// Point 0: σ=0.5, c=1, x̃=(1.25,-1): 0.25·(-1·5 + ½·1·(1.5625+1)) = 0.25·(-3.71875)
	// Point 1: σ=2,   c=2, x̃=(2, 0):     4·(-2·1 + ½·4·4) = 4·6
	want := (0.25*(-5+0.5*2.5625) + 4*(-2+0.5*4*4)) / 2
	got := MustExecOnce(backend, func(x, level, z, v *Node) *Node {
		return SlicedOneLevel(linearScore, sigmas, x, level, z, v)
	}, x, level, z, v)
	if g := tensors.ToScalar[float64](got); math.Abs(g-want) > 1e-12 {
		t.Errorf("SlicedOneLevel = %v, want %v", g, want)
	}
}
