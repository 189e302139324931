package dist

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadMixture checks that ReadMixture returns an error, never panics,
// on any input, and that a mixture it accepts reads back the same from its
// own JSON form. The seeds hold the inputs of the reliability issue:
// repeated and case-changed keys, which encoding/json takes silently.
func FuzzReadMixture(f *testing.F) {
	f.Add(`{"components": [{"weight": 0.2, "mean": [-5, -5], "std": [1, 1]}, {"weight": 0.8, "mean": [5, 5], "std": [1, 1]}]}`)
	f.Add(`{"components": [{"weight": 1, "weight": 5, "mean": [0], "std": [1]}]}`)
	f.Add(`{"components": [{"Weight": 1, "MEAN": [0], "std": [1]}]}`)
	f.Add(`{"components": [{"weight": 1, "mean": [0], "std": [1e-300]}]}`)
	f.Add("\ufeff" + `{"components": [{"weight": 1, "mean": [1e300, 0], "std": [1, 1]}]}`) // a byte order mark; a mixture far out (issue 22)
	f.Add(`{"components": [{"weight": 1e308, "mean": [1e308], "std": [1e154]}, {"weight": 1e308, "mean": [-1e308], "std": [1]}]}`)
	f.Add(`{"components": [` + strings.Repeat("[", 1000))
	f.Add(`{"components": [{"weight": 1, "mean": [0], "std": [1], "x": {"y": [1, {"z": 2}]}}]}`)
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ReadMixture(strings.NewReader(spec))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := m.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ReadMixture(&buf)
		if err != nil {
			t.Fatalf("own JSON %q: %v", buf.String(), err)
		}
		if back.Len() != m.Len() || back.Dim() != m.Dim() {
			t.Fatalf("read back %d components of dimension %d, want %d of %d", back.Len(), back.Dim(), m.Len(), m.Dim())
		}
	})
}
