package sgm

import (
	"math"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

func TestGeometric(t *testing.T) {
	s := SeedSchedule()
	if len(s) != 30 || s[0] != 1e-4 || s[29] != 1 {
		t.Fatalf("seed schedule %v, want 30 levels from 1e-4 to 1", s)
	}
	// numpy.geomspace(1e-4, 1, 30)[17] = 0.022122162910704492 (the blog post's
	// sampling level, σ ≈ 0.0221).
	if got, want := s[17], 0.022122162910704492; math.Abs(got-want) > 1e-15 {
		t.Errorf("level 17 = %.17g, want %.17g", got, want)
	}
	for i := 1; i < len(s); i++ {
		if r := s[i] / s[i-1]; math.Abs(r-math.Pow(1e4, 1.0/29)) > 1e-12 {
			t.Fatalf("ratio %v between levels %d and %d is not constant", r, i-1, i)
		}
	}
	if one, err := Geometric(0.5, 0.5, 1); err != nil || len(one) != 1 || one[0] != 0.5 {
		t.Errorf("Geometric(0.5, 0.5, 1) = %v, %v", one, err)
	}
	for _, bad := range []struct {
		min, max float64
		n        int
	}{{0, 1, 3}, {-1, 1, 3}, {1, 0.5, 3}, {1e-4, 1, 0}, {math.NaN(), 1, 3}, {1e-4, math.Inf(1), 3},
		// Levels that do not rise: sample --sigmas 5,5,5 ran into the
		// annealed sampler's "Sigmas[1] = 5 must be below Sigmas[0] = 5".
		{5, 5, 3}, {1, math.Nextafter(1, 2), 3}} {
		if s, err := Geometric(bad.min, bad.max, bad.n); err == nil {
			t.Errorf("Geometric(%v, %v, %d) accepted: %v", bad.min, bad.max, bad.n, s)
		}
	}
}

func TestScheduleLevel(t *testing.T) {
	s := SeedSchedule()
	for i, v := range s {
		if got := s.Level(v * 1.01); got != i {
			t.Errorf("Level(%v) = %d, want %d", v*1.01, got, i)
		}
	}
	// Beyond the grid, however far, the nearest end: the ratio of sigma to
	// a level overflows or underflows for the extremes, their logs do not.
	for _, tc := range []struct {
		sigma float64
		want  int
	}{{1e-9, 0}, {100, 29}, {0, 0}, {5e-324, 0}, {1e-320, 0}, {1e300, 29}, {math.MaxFloat64, 29}, {math.Inf(1), 29}} {
		if got := s.Level(tc.sigma); got != tc.want {
			t.Errorf("Level(%v) = %d, want %d", tc.sigma, got, tc.want)
		}
	}
	numtest.WantPanic(t, "sgm: ", func() { s.Level(math.NaN()) })
	numtest.WantPanic(t, "sgm: ", func() { s.Level(-1) })
	numtest.WantPanic(t, "sgm: ", func() { Schedule{}.Level(1) })
}

func TestCheckBatchPanics(t *testing.T) {
	for _, tc := range []struct {
		d       int
		dst, x  []float64
		wantErr bool
	}{{2, make([]float64, 4), make([]float64, 4), false}, {2, make([]float64, 3), make([]float64, 4), true}, {3, make([]float64, 4), make([]float64, 4), true}} {
		func() {
			defer func() {
				if r := recover(); (r != nil) != tc.wantErr {
					t.Errorf("CheckBatch(d=%d, %d, %d): panic %v, want panic %v", tc.d, len(tc.dst), len(tc.x), r, tc.wantErr)
				}
			}()
			CheckBatch("test", tc.d, tc.dst, tc.x)
		}()
	}
}

// TestScheduleBetween checks that Between keeps the levels in [lo, hi],
// largest first, its ends included when written out and read back.
func TestScheduleBetween(t *testing.T) {
	s := SeedSchedule()
	got := s.Between(0.1, 0.01)
	if len(got) == 0 || got[0] > 0.1 || got[len(got)-1] < 0.01 || got[0] < got[len(got)-1] {
		t.Fatalf("Between(0.1, 0.01) = %v", got)
	}
	for i, v := range s {
		if in := v <= 0.1 && v >= 0.01; in != slices.Contains(got, v) {
			t.Errorf("level %d (%v): in the range %v, returned %v", i, v, in, !in)
		}
	}
	// A level off by a few roundings still selects itself.
	v := s[17] * (1 + 1e-12)
	if got := s.Between(v, v); len(got) != 1 || got[0] != s[17] {
		t.Errorf("Between(%v, %v) = %v, want level 17 (%v)", v, v, got, s[17])
	}
	if got := s.Between(1e-6, 1e-7); got != nil {
		t.Errorf("Between below the grid = %v, want nil", got)
	}
}
