package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestParseInit checks each form: point fills every point, uniform stays
// in its box, normal:STD has the standard deviation STD (within 5
// standard errors STD/√(2m) of m = 20,000 draws); and each refusal.
func TestParseInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, err := ParseInit("point:1,-2", 3, 2, rng)
	if err != nil || !slices.Equal(x, []float64{1, -2, 1, -2, 1, -2}) {
		t.Errorf("point:1,-2: %v, %v", x, err)
	}
	x, err = ParseInit("uniform:2,3", 100, 2, rng)
	if err != nil || slices.Min(x) < 2 || slices.Max(x) >= 3 {
		t.Errorf("uniform:2,3: values in [%v, %v], %v", slices.Min(x), slices.Max(x), err)
	}
	x, err = ParseInit("normal:0.5", 10000, 2, rng)
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	if sd := math.Sqrt(ss / float64(len(x))); math.Abs(sd-0.5) > 5*0.5/math.Sqrt(2*float64(len(x))) {
		t.Errorf("normal:0.5: standard deviation %.4f", sd)
	}
	for spec, want := range map[string]string{
		"gauss:1":              "want normal:STD",
		"normal:":              "after the colon",
		"normal:1,2":           "want 1 comma-separated",
		"normal:-1":            "must be a positive number",
		"uniform:1,x":          "is not a finite number",
		"uniform:1,0":          "upper end must exceed",
		"point:1":              "want 2 comma-separated",
		"normal:1e308":         "are not finite numbers",
		"uniform:1,1e400":      "is not a finite number",
		"uniform:-1e308,1e308": "are not finite numbers",
	} {
		if _, err := ParseInit(spec, 1000, 2, rng); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", spec, err, want)
		}
	}
}
