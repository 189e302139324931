package data

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestReadGivenCSV(t *testing.T) {
	v, h, err := ReadGivenCSV(strings.NewReader("a,b\n1,\n,2.5\nNaN,3\n"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h, []string{"a", "b"}) || len(v) != 6 || v[0] != 1 || !math.IsNaN(v[1]) || !math.IsNaN(v[2]) || v[3] != 2.5 || !math.IsNaN(v[4]) || v[5] != 3 {
		t.Errorf("got %v, %q", v, h)
	}
	// A first row of free fields only is data, not a header.
	if v, h, err := ReadGivenCSV(strings.NewReader(",\n1,2\n"), 2); err != nil || h != nil || len(v) != 4 {
		t.Errorf("free first row: %v %q %v", v, h, err)
	}
	for _, c := range []struct{ in, want string }{
		{"1,2,3\n", "line 1: 3 fields, want 2"},
		{"a,b\n1,x\n", `line 2, column 2 ("b"): not a number or empty: "x"`},
		{"1,inf\n", "line 1, column 2: not finite"},
		{"a,b\n", "no rows"},
	} {
		if _, _, err := ReadGivenCSV(strings.NewReader(c.in), 2); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}

func TestWriteLabelledCSVFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := WriteLabelledCSVFile(path, []string{"x0", "x1"}, []float64{1, 2, 3, 4.5}, "label", []string{"b", "a"}); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLabelledFile(path, "label")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Data, []float64{1, 2, 3, 4.5}) || !slices.Equal(l.Names, []string{"a", "b"}) || !slices.Equal(l.Labels, []int{1, 0}) {
		t.Errorf("read back %+v", l)
	}
}

// zeros is an endless stream of NUL bytes, as /dev/zero.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestLabelledAndGivenLineLimit checks that the labelled and given-values
// readers stop on an endless line (a CSV path that is /dev/zero) at the
// line limit, as the point reader does, instead of buffering it.
func TestLabelledAndGivenLineLimit(t *testing.T) {
	want := "line 1: longer than the limit"
	if _, err := ReadLabelledCSV(zeros{}, "c"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ReadLabelledCSV: %v", err)
	}
	if _, _, err := ReadGivenCSV(zeros{}, 2); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ReadGivenCSV: %v", err)
	}
}

// TestParseGiven checks each form of a coordinate (index, xI, a column
// name), that the values come back exactly with NaN where free, and each
// refusal, whose message starts with the spec.
func TestParseGiven(t *testing.T) {
	for _, c := range []struct {
		spec  string
		names []string
		want  []float64
	}{
		{"0=1.5", nil, []float64{1.5, math.NaN(), math.NaN()}},
		{"x2=-3, x0=2", nil, []float64{2, math.NaN(), -3}},
		{"b=4", []string{"a", "b", "c"}, []float64{math.NaN(), 4, math.NaN()}},
	} {
		got, err := ParseGiven(c.spec, 3, c.names)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		for i := range got {
			if got[i] != c.want[i] && !(math.IsNaN(got[i]) && math.IsNaN(c.want[i])) {
				t.Errorf("%s: %v, want %v", c.spec, got, c.want)
				break
			}
		}
	}
	for spec, want := range map[string]string{
		"0":               "want I=V",
		"3=1":             "want an index 0..2",
		"x01=1":           "want an index 0..2",
		"0=1,0=2":         "given twice",
		"1=Inf":           "want a finite number",
		"0=1,1=2,2=3":     "leave at least one",
		"nosuch=1,x0=1.5": "want an index 0..2 or a name x0..x2",
	} {
		if _, err := ParseGiven(spec, 3, nil); err == nil || !strings.HasPrefix(err.Error(), strconv.Quote(spec)) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one starting with the spec and saying %q", spec, err, want)
		}
	}
}
