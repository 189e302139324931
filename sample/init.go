package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ParseInit returns n starting points of dimension d (flat, row-major) as
// spec says: normal:STD draws each coordinate from N(0, STD²) with rng,
// uniform:LO,HI draws the points uniformly in the box [LO, HI)^d
// (Uniform), and point:X,Y,... (d numbers) puts every point there (Fill).
// It refuses a spec of another form, numbers that are not finite, and
// points that come out not finite (normal:1e308 draws some beyond
// MaxFloat64); an error starts with the spec or the part of it at fault,
// quoted, as "--init" would prefix it.
func ParseInit(spec string, n, d int, rng *rand.Rand) ([]float64, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	want := map[string]int{"normal": 1, "uniform": 2, "point": d}[kind]
	if want == 0 {
		return nil, fmt.Errorf("%q: want normal:STD, uniform:LO,HI or point:X,Y", spec)
	}
	v, err := initArgs(spec, arg, want)
	if err != nil {
		return nil, err
	}
	var x []float64
	switch kind {
	case "normal":
		if !(v[0] > 0) || math.IsInf(v[0], 0) {
			return nil, fmt.Errorf("normal standard deviation must be a positive number, got %v", v[0])
		}
		x = make([]float64, n*d)
		for i := range x {
			x[i] = v[0] * rng.NormFloat64()
		}
	case "uniform":
		if !(v[1] > v[0]) {
			return nil, fmt.Errorf("%q: the box's upper end must exceed its lower end", spec)
		}
		x = Uniform(n, d, v[0], v[1], rng)
	default:
		x = Fill(n, v...)
	}
	bad := 0
	for i := 0; i < len(x); i += d {
		for _, u := range x[i : i+d] {
			if math.IsNaN(u) || math.IsInf(u, 0) {
				bad++
				break
			}
		}
	}
	if bad > 0 {
		return nil, fmt.Errorf("%q: %d of the %d starting points are not finite numbers", spec, bad, n)
	}
	return x, nil
}

// initArgs parses the n finite numbers after the colon of spec.
func initArgs(spec, arg string, n int) ([]float64, error) {
	if strings.TrimSpace(arg) == "" {
		return nil, fmt.Errorf("%q: want %d comma-separated numbers after the colon", spec, n)
	}
	parts := strings.Split(arg, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("%q: want %d comma-separated numbers", arg, n)
	}
	v := make([]float64, n)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q: %q is not a finite number", arg, p)
		}
		v[i] = f
	}
	return v, nil
}
