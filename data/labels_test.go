package data

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestReadLabelledCSV(t *testing.T) {
	in := "\ufeffx, class ,y\n1,b,2\n3, a ,4\n\n5,b,6\n"
	l, err := ReadLabelledCSV(strings.NewReader(in), "class")
	if err != nil {
		t.Fatal(err)
	}
	if l.N != 3 || l.D != 2 || !slices.Equal(l.Data, []float64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("points %+v", l.Points)
	}
	if !slices.Equal(l.Names, []string{"a", "b"}) || !slices.Equal(l.Labels, []int{1, 0, 1}) {
		t.Errorf("names %q, labels %v", l.Names, l.Labels)
	}
	// Integers sort numerically.
	l, err = ReadLabelledCSV(strings.NewReader("c,x\n10,1\n2,2\n-1,3\n"), "c")
	if err != nil || !slices.Equal(l.Names, []string{"-1", "2", "10"}) || !slices.Equal(l.Labels, []int{2, 1, 0}) {
		t.Errorf("integer labels: %q %v %v", l.Names, l.Labels, err)
	}
	// SampleLabelled draws points with their own labels, as Sample draws them.
	x, labels := l.SampleLabelled(nil, 50, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(x, l.Sample(nil, 50, rand.New(rand.NewPCG(1, 2)))) {
		t.Error("SampleLabelled's points differ from Sample's")
	}
	for i, v := range x {
		if want := map[float64]int{1: 2, 2: 1, 3: 0}[v]; labels[i] != want {
			t.Fatalf("point %v labelled %d, want %d", v, labels[i], want)
		}
	}
}

func TestReadLabelledCSVErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"x,y\n1,2\n3,4\n", `line 1: no column "c" in the header row`},
		{"1,a\n2,b\n", `line 1: no column "c"`},
		{"c\na\nb\n", "the label column is the only column"},
		{"x,c\n1,a\n2,\n", `line 3, column 2 ("c"): empty label`},
		{"x,c\n1,a\n\n\n2,\x01\n", "line 5, column 2 (\"c\"): label \"\\x01\" holds a character that is not printable"},
		{"x,c\n1,a\n\n\nz,b\n", `line 5, column 1 ("x"): not a number: "z"`},
		{"x,c\n1,a\n", "1 point(s): want at least 2"},
		{"x,c\n1,a\n2\n", "line 3: 1 fields, no label column 2"},
		{"", "no points"},
	} {
		_, err := ReadLabelledCSV(strings.NewReader(c.in), "c")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error with %q", c.in, err, c.want)
		}
	}
	var b strings.Builder
	b.WriteString("x,c\n")
	for i := range MaxLabels + 1 {
		b.WriteString("1,l" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)) + "\n")
	}
	if _, err := ReadLabelledCSV(strings.NewReader(b.String()), "c"); err == nil || !strings.Contains(err.Error(), "distinct labels") {
		t.Errorf("too many labels: %v", err)
	}
}
