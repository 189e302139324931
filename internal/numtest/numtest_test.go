package numtest

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestRelErr(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want []float64
		r         float64
	}{
		{"equal", []float64{1, 2}, []float64{1, 2}, 0},
		{"both zero", []float64{0, 0}, []float64{0, 0}, 0},
		{"3-4-5", []float64{4, 3}, []float64{0, 3}, 4.0 / 3},
		{"scaled", []float64{1.1, 2.2}, []float64{1, 2}, 0.1},
		{"zero reference", []float64{1}, []float64{0}, math.Inf(1)},
		{"NaN", []float64{math.NaN()}, []float64{1}, math.NaN()},
		{"lengths", []float64{1}, []float64{1, 2}, math.NaN()},
	} {
		r := RelErr(c.got, c.want)
		if math.IsNaN(c.r) != math.IsNaN(r) || (!math.IsNaN(r) && r != c.r && math.Abs(r-c.r) > 1e-15) {
			t.Errorf("%s: RelErr(%v, %v) = %v, want %v", c.name, c.got, c.want, r, c.r)
		}
	}
	// float32 input is accumulated in float64: 1e-4 relative is not lost.
	if r := RelErr([]float32{1.0001}, []float32{1}); math.Abs(r-1e-4) > 1e-7 {
		t.Errorf("RelErr(float32 1.0001, 1) = %v, want 1e-4 within float32 rounding", r)
	}
}

// failures records the errors a check reports instead of failing the test.
type failures struct {
	testing.TB
	errs []string
}

func (f *failures) Helper() {}

func (f *failures) Error(args ...any) { f.errs = append(f.errs, fmt.Sprint(args...)) }

func (f *failures) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestWantPanic(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
		ok   bool
	}{
		{"prefixed", func() { panic("pkg: bad length") }, true},
		{"no panic", func() {}, false},
		{"other prefix", func() { panic("other: bad length") }, false},
		{"not a string", func() { panic(errors.New("pkg: bad length")) }, false},
	} {
		f := &failures{TB: t}
		WantPanic(f, "pkg: ", c.f)
		if ok := len(f.errs) == 0; ok != c.ok {
			t.Errorf("%s: WantPanic reported %q, want ok=%v", c.name, f.errs, c.ok)
		}
	}
}
