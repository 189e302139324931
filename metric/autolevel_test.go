package metric

import (
	"math"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
)

// seedErrors returns the blog post's 30 levels with the relative errors
// rel (level 0 first) and the sharpness of a 64×64 ring at each level
// (metric.Pearson of metric.SmoothedImageHistogram and the image, computed
// once for a ring of radius 0.3 and width 0.04 in the unit square):
// sharp, >= 0.8, up to level 17 (0.857).
func seedErrors(rel func(level int) float64) ([]LevelError, []float64) {
	sharp := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.998, 0.989, 0.969, 0.943, 0.909, 0.857, 0.781, 0.690,
		0.595, 0.505, 0.422, 0.336, 0.249, 0.211, 0.208, 0.212, 0.214, 0.215}
	var errs []LevelError
	for l, s := range sgm.SeedSchedule() {
		errs = append(errs, LevelError{Level: l, Sigma: s, Relative: rel(l)})
	}
	return errs, sharp
}

// TestAutoLevel checks --level auto's choice and its fallbacks, with the
// cases of the first-hour issue: a ring trained 1,200 steps, where only
// level 29 (σ = 1, hist_corr 0.06) met the tolerance, and 2,800 steps,
// where level 22 (0.46) did, and level 17 gave 0.858.
func TestAutoLevel(t *testing.T) {
	// With η = 0.001 the levels of σ >= sqrt(η/4) = 0.0158 are resolved:
	// 16 (σ = 0.0161) on; with the ring's sharpness, 16 and 17 are usable.
	const eta = 1e-3
	for _, tc := range []struct {
		name  string
		rel   func(l int) float64
		tol   float64
		level int
		warn  bool
		say   string
	}{
		{"well trained: the sharpest usable level within tolerance", func(l int) float64 { return 0.1 }, 0.2, 16, false, "the sharpest"},
		{"only level 17 within tolerance", func(l int) float64 { return map[bool]float64{true: 0.1, false: 0.5}[l == 17] }, 0.2, 17, false, "level 17"},
		{"1,200 steps: only level 29 meets it", func(l int) float64 { return 1 - float64(l)/30 }, 0.05, 17, true, "level 29 (σ=1) meets it but is not usable: too blurred (sharpness 0.215 < 0.8)"},
		{"2,800 steps: levels 22 on meet it", func(l int) float64 { return 0.3 - float64(l)/100 }, 0.08, 17, true, "level 22 (σ=0.1083) meets it"},
		{"fallback takes the usable level of least error", func(l int) float64 {
			return map[bool]float64{true: 0.3, false: 0.4}[l == 16] - map[bool]float64{true: 0.35, false: 0}[l == 25]
		}, 0.1, 16, true, "level 16"},
		{"only a level too fine for η meets it", func(l int) float64 { return map[bool]float64{true: 0.1, false: 0.5}[l == 10] }, 0.2, 16, true, "level 10 (σ=0.002395) meets it but is not usable: too fine for the step size (η/σ² = 174 > 4)"},
		{"nothing meets it: the blog post's level 17", func(l int) float64 { return 1 + float64(l%3)/10 }, 0.01, 17, true, "taking the blog post's level 17"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, sharp := seedErrors(tc.rel)
			c, err := AutoLevel(errs, sharp, eta, tc.tol)
			if err != nil || c.Level != tc.level || c.Warn != tc.warn || !strings.Contains(c.Message, tc.say) {
				t.Errorf("level %d, warning %v, %q, error %v; want level %d, warning %v, saying %q", c.Level, c.Warn, c.Message, err, tc.level, tc.warn, tc.say)
			}
		})
	}
	// A step size that resolves no sharp level is refused.
	errs, sharp := seedErrors(func(int) float64 { return 0.1 })
	if _, err := AutoLevel(errs, sharp, 0.1, 0.2); err == nil || !strings.Contains(err.Error(), "step size 0.1") {
		t.Errorf("η = 0.1: error %v, want one naming the step size", err)
	}
}

// TestImageAutoLevel checks that ImageAutoLevel measures the sharpness of
// the image itself: on the 64×64 ring seedErrors describes (radius 0.3,
// width 0.04), at η = 1e-3, with every level within tolerance it takes
// level 16 (the first both sharp and resolved), and with only levels 18 on
// within it it refuses level 18 as too blurred, naming the sharpness it
// measured (0.781 < SharpCorr), and falls back with a warning to the
// usable level of least error, 16; and when only level 10 (σ = 0.0024,
// too fine for η to resolve) is within it, the first within is 10 and
// the rule falls back to the usable level of least error, 16 (the demo's
// auto_level, figure 7's mark and sample --level auto are this one rule,
// not the first level within the tolerance).
func TestImageAutoLevel(t *testing.T) {
	const n = 64
	pix := make([]float64, n*n)
	for r := range n {
		for c := range n {
			x, y := float64(r)/(n-1)-0.5, float64(c)/(n-1)-0.5
			if math.Abs(math.Hypot(x, y)-0.3) < 0.02 {
				pix[r*n+c] = 1
			}
		}
	}
	im, err := dist.NewImage(n, n, pix)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rel   func(l int) float64
		level int
		warn  bool
		say   string
	}{
		{func(int) float64 { return 0.05 }, 16, false, "level 16"},
		{func(l int) float64 { return map[bool]float64{true: 0.05, false: 0.5}[l >= 18] }, 16, true, "too blurred (sharpness 0.781 < 0.8)"},
		{func(l int) float64 {
			return map[int]float64{10: 0.05, 16: 0.3}[l] + map[bool]float64{true: 0.5}[l != 10 && l != 16]
		}, 16, true, "level 10 (σ=0.002395) meets it but is not usable: too fine"},
	} {
		errs, _ := seedErrors(c.rel)
		choice, err := ImageAutoLevel(errs, im, 1e-3, AutoTolerance)
		if err != nil || choice.Level != c.level || choice.Warn != c.warn || !strings.Contains(choice.Message, c.say) {
			t.Errorf("level %d, warning %v (%s), error %v; want level %d, warning %v, saying %q", choice.Level, choice.Warn, choice.Message, err, c.level, c.warn, c.say)
		}
	}
}
