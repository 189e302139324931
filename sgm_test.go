package sgm

import (
	"math"
	"testing"
)

func TestGeometric(t *testing.T) {
	s := SeedSchedule()
	if len(s) != 30 || s[0] != 1e-4 || s[29] != 1 {
		t.Fatalf("seed schedule %v, want 30 levels from 1e-4 to 1", s)
	}
	// numpy.geomspace(1e-4, 1, 30)[17] = 0.022122162910704492 (the seed's
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
	}{{0, 1, 3}, {-1, 1, 3}, {1, 0.5, 3}, {1e-4, 1, 0}, {math.NaN(), 1, 3}, {1e-4, math.Inf(1), 3}} {
		if _, err := Geometric(bad.min, bad.max, bad.n); err == nil {
			t.Errorf("Geometric(%v, %v, %d) accepted", bad.min, bad.max, bad.n)
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
	if s.Level(1e-9) != 0 || s.Level(100) != 29 {
		t.Error("levels outside the grid do not clamp to its ends")
	}
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
