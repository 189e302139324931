// Package numtest holds what sgm's numerical tests share; only tests
// import it.
package numtest

import (
	"math"
	"strings"
	"testing"
)

// RelErr is ‖got − want‖ / ‖want‖ in the Euclidean norm, accumulated in
// float64: the measure by which sgm compares an implementation with its
// reference (a fast path with the GoMLX graph, a compiled loop with steps
// taken in Go). It is 0 if got equals want, even all zeros; +Inf if only
// want is all zeros; NaN if the lengths differ or either holds a NaN. So a
// check `RelErr(...) <= tol` fails on all of the last three.
func RelErr[T float32 | float64](got, want []T) float64 {
	if len(got) != len(want) {
		return math.NaN()
	}
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if num == 0 {
		return 0
	}
	return math.Sqrt(num / den)
}

// WantPanic runs f and reports an error unless f panics with a string that
// starts with prefix: sgm's packages panic that way ("dist: ...") on a
// caller's error, such as slices of the wrong length.
func WantPanic(t testing.TB, prefix string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Error("no panic")
			return
		}
		if s, ok := r.(string); !ok || !strings.HasPrefix(s, prefix) {
			t.Errorf("panic %v, want a string starting with %q", r, prefix)
		}
	}()
	f()
}
