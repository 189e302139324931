package metric

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSetPointMetricsExactSampler: samples of the target itself read
// about 1.0x their noise floors. With x and ref independent draws of
// N(0, I) in R², each metric of (x, ref) is one more draw of what the
// floor averages over 8 pairs, so it lies within 4 floor standard
// deviations of the floor's mean (the sd is estimated from 8 pairs and
// the mean carries a 1/sqrt(8) of its own; the metrics are not far from
// normal at n = 200, where a 4-sd miss has probability about 1e-4), for
// every seed tried. A sample shifted by 1 (W₂ then about 1) is far above.
func TestSetPointMetricsExactSampler(t *testing.T) {
	const n, reps = 200, FloorReps
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 20))
		x, ref := normal2{}.Sample(nil, n, rng), normal2{}.Sample(nil, n, rng)
		var r Report
		r.SetPointMetrics(x, ref, 2, SamplerPair(normal2{}, n), reps, rng)
		if r.WN != n || r.FloorReps != reps || len(r.RBFMMDFloorSD) != len(CFMBandwidths) {
			t.Fatalf("WN %d, FloorReps %d, %d RBF floor sds; want %d, %d, %d", r.WN, r.FloorReps, len(r.RBFMMDFloorSD), n, reps, len(CFMBandwidths))
		}
		check := func(name string, v, mean, sd float64) {
			t.Helper()
			if !(sd > 0) || math.Abs(v-mean) > 4*sd*math.Sqrt(1+1.0/reps) {
				t.Errorf("seed %d: %s %.4g against its floor %.4g ± %.2g", seed, name, v, mean, sd)
			}
		}
		check("w2", *r.W2, *r.W2Floor, *r.W2FloorSD)
		check("w1", *r.W1, *r.W1Floor, *r.W1FloorSD)
		check("energy", *r.Energy, *r.EnergyFloor, *r.EnergyFloorSD)
		check("rbf_mmd_cfm", *r.RBFMMDCFM, *r.RBFMMDCFMFloor, *r.RBFMMDCFMFloorSD)
		for i := 1; i < len(CFMBandwidths)-1; i++ { // at 0.01 and 100 the kernel sees nothing
			check("rbf_mmd", r.RBFMMD[i], r.RBFMMDFloor[i], r.RBFMMDFloorSD[i])
		}
		for i := range x {
			x[i]++
		}
		r.SetPointMetrics(x, ref, 2, SamplerPair(normal2{}, n), reps, rng)
		if *r.W2 < *r.W2Floor+10**r.W2FloorSD {
			t.Errorf("seed %d: a sample shifted by (1, 1) reads w2 %.3g, floor %.3g ± %.2g", seed, *r.W2, *r.W2Floor, *r.W2FloorSD)
		}
	}
}

// TestFloorsDeterministic: Floors gives the same result whatever the
// number of processors, the pairs being drawn from their own sources.
func TestFloorsDeterministic(t *testing.T) {
	measure := func(a, b []float64, _ *rand.Rand) []float64 {
		return []float64{Wasserstein1(a, b, 2), EnergyDistance(a, b, 2)}
	}
	f1 := Floors(SamplerPair(normal2{}, 50), 8, rand.New(rand.NewPCG(1, 1)), measure)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f2 := Floors(SamplerPair(normal2{}, 50), 8, rand.New(rand.NewPCG(1, 1)), measure)
	if len(f1) != 2 || f1[0] != f2[0] || f1[1] != f2[1] || f1[0].Reps != 8 {
		t.Errorf("two runs gave %+v and %+v", f1, f2)
	}
}
