package plot

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLossSeries checks that a series keeps at most its buckets, each the
// exact smallest, mean and largest of a run of consecutive losses, and
// every loss while there are no more than buckets.
func TestLossSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, max = 100_000, 100
	s := NewLossSeries(max)
	loss := make([]float64, n)
	for k := range loss {
		loss[k] = rng.Float64()
		s.Add(float64(k), loss[k])
		if k%1000 == 0 {
			s.Add(math.NaN(), 1)
		}
		if len(s.buckets) > max {
			t.Fatalf("after %d losses: %d buckets, want at most %d", k+1, len(s.buckets), max)
		}
	}
	if s.Len() != n || s.Dropped() != n/1000 {
		t.Errorf("Len %d, Dropped %d, want %d and %d", s.Len(), s.Dropped(), n, n/1000)
	}
	// 100,000 losses in at most 100 buckets: 1024 a bucket.
	if s.PerBucket() != 1024 {
		t.Errorf("%d losses per bucket, want 1024", s.PerBucket())
	}
	start := 0
	for i, b := range s.buckets {
		run := loss[start : start+b.n]
		lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
		for _, l := range run {
			lo, hi, sum = math.Min(lo, l), math.Max(hi, l), sum+l
		}
		// The sums of at most 1024 numbers in [0, 1) agree to rounding.
		if b.minY != lo || b.maxY != hi || math.Abs(b.sumY-sum) > 1e-9 || b.firstX != float64(start) || b.endX != float64(start+b.n-1) {
			t.Fatalf("bucket %d: min %v max %v sum %v steps %v..%v, want %v %v %v %v..%v",
				i, b.minY, b.maxY, b.sumY, b.firstX, b.endX, lo, hi, sum, start, start+b.n-1)
		}
		start += b.n
	}
	if start != n {
		t.Errorf("the buckets hold %d losses, want %d", start, n)
	}

	exact := NewLossSeries(max)
	for k := range max {
		exact.Add(float64(k), loss[k])
	}
	if xys := exact.means(); len(xys) != max || xys[7].Y != loss[7] || exact.PerBucket() != 1 {
		t.Errorf("%d losses in %d buckets: %d points, want every loss", max, max, len(xys))
	}
}

// TestLossCurveLong draws a history longer than DefaultLossPoints: the
// mean line over the min-to-max band, with the legend saying so.
func TestLossCurveLong(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := NewLossSeries(DefaultLossPoints)
	for k := range 50_000 {
		s.Add(float64(k), 0.7+0.3*math.Exp(-float64(k)/5000)+0.05*rng.NormFloat64())
	}
	fig, err := LossSeriesCurve(s, 1000, "long run")
	if err != nil {
		t.Fatal(err)
	}
	readPNG(t, save(t, fig, "loss_long.png"), fig)
	var svg bytes.Buffer
	if err := Encode(&svg, fig, "svg"); err != nil {
		t.Fatal(err)
	}
	// 50,000 losses in at most 10,000 buckets: 8 a bucket.
	for _, want := range []string{"loss, mean over 8 steps (band: min to max)", "moving average of 1000"} {
		if !strings.Contains(svg.String(), ">"+want+"<") {
			t.Errorf("no legend entry %q", want)
		}
	}
}
