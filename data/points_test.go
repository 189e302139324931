package data

import (
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/internal/numtest"
)

func TestReadPointsCSV(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		header   []string
		n, d     int
		data     []float64
	}{
		{"header", " x , y\n\n1, 2 \n-3e2,+4.5\n", []string{"x", "y"}, 2, 2, []float64{1, 2, -300, 4.5}},
		{"no header", "1,2,3\n4,5,6\n", nil, 2, 3, []float64{1, 2, 3, 4, 5, 6}},
		{"1-d", "v\n0.5\n-1\n2\n", []string{"v"}, 3, 1, []float64{0.5, -1, 2}},
		{"1-d no header", "7\n8\n", nil, 2, 1, []float64{7, 8}},
		{"crlf", "a,b\r\n1,2\r\n3,4\r\n", []string{"a", "b"}, 2, 2, []float64{1, 2, 3, 4}},
		{"byte order mark", "\ufeffa,b\n1,2\n3,4\n", []string{"a", "b"}, 2, 2, []float64{1, 2, 3, 4}},
		{"byte order mark no header", "\ufeff1,2\n3,4\n", nil, 2, 2, []float64{1, 2, 3, 4}},
		{"underflow to zero", "1e-400,1\n2,3\n", nil, 2, 2, []float64{0, 1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, header, err := ReadPointsCSV(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(header, tc.header) || p.N != tc.n || p.D != tc.d || !slices.Equal(p.Data, tc.data) {
				t.Errorf("got %q %d×%d %v, want %q %d×%d %v", header, p.N, p.D, p.Data, tc.header, tc.n, tc.d, tc.data)
			}
		})
	}
}

func TestReadPointsCSVErrors(t *testing.T) {
	long := strings.Repeat("9", 1<<20) + "x"
	small := pointLimits{rows: 3, cols: 2, values: 5, bytes: 40, line: 40}
	for _, tc := range []struct {
		name, in string
		lim      pointLimits
		want     string
	}{
		{"empty", "", defaultLimits, "no points: want rows of numbers"},
		{"header only", "x,y\n", defaultLimits, "no points"},
		{"one point", "x,y\n1,2\n", defaultLimits, "1 point(s): want at least 2"},
		{"one point no header", "1,2\n", defaultLimits, "1 point(s): want at least 2"},
		{"short row", "x,y\n1,2\n3\n", defaultLimits, "line 3: 1 fields, want 2 as in the first row"},
		{"long row", "1,2\n3,4,5\n", defaultLimits, "line 2: 3 fields, want 2 as in the first row"},
		{"bad number", "x,y\n\n1,2\n3,abc\n", defaultLimits, `line 4, column 2 ("y"): not a number: "abc"`},
		{"bad number no header", "1,2\n3,abc\n", defaultLimits, `line 2, column 2: not a number: "abc"`},
		{"empty field", "x,y\n,2\n", defaultLimits, `line 2, column 1 ("x"): not a number: ""`},
		{"typo in first row", "1,2x\n3,4\n", defaultLimits, `line 1, column 2: not a number: "2x" (a header row must hold names only)`},
		{"nan", "x,y\n1,2\nNaN,3\n", defaultLimits, `line 3, column 1 ("x"): not finite: "NaN"`},
		{"inf", "1,2\n3,-Inf\n", defaultLimits, `line 2, column 2: not finite: "-Inf"`},
		{"overflow", "1,2\n3,1e400\n", defaultLimits, `line 2, column 2: not finite: "1e400"`},
		{"cut echo", "1,2\n3," + long + "\n", defaultLimits, `line 2, column 2: not a number: "9999999999999999999999999999999999999999"... (1048577 bytes)`},
		{"bad quote", "x,y\n1,\"2\n", defaultLimits, "parse error on line 2"},
		{"too many bytes", strings.Repeat("1,2\n", 20), pointLimits{100, 10, 1000, 40, 40}, "larger than the limit of 40 bytes"},
		{"too many columns", "1,2,3\n4,5,6\n", small, "line 1: 3 columns, more than the limit of 2"},
		{"too many rows", "1\n2\n3\n4\n", small, "line 4: more than the limit of 3 points"},
		{"too many values", "1,2\n3,4\n5,6\n", small, "line 3: more than the limit of 5 numbers (2 a point)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readPointsCSV(strings.NewReader(tc.in), tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
			if err != nil && len(err.Error()) > 200 {
				t.Errorf("error of %d bytes: want one short line", len(err.Error()))
			}
		})
	}
}

func TestEcho(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", `"abc"`},
		{strings.Repeat("a", 40), `"` + strings.Repeat("a", 40) + `"`},
		// A 2-byte rune straddling byte 40 is left out whole.
		{strings.Repeat("a", 39) + "é" + "zz", `"` + strings.Repeat("a", 39) + `"... (43 bytes)`},
		// NUL bytes (a .csv that is /dev/zero) quote as 4 bytes each: cut
		// to a quote of at most 80 bytes, not 160 (found by the fuzzer).
		{strings.Repeat("\x00", 40) + "0", `"` + strings.Repeat(`\x00`, 10) + `"... (41 bytes)`},
	} {
		if got := echo(tc.in); got != tc.want {
			t.Errorf("echo(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestReadPointsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p, err := ReadPointsFile(write("ok.CSV", "x\n1\n2\n"))
	if err != nil || p.N != 2 || p.D != 1 {
		t.Errorf("ok.CSV: %+v, %v", p, err)
	}
	_, err = ReadPointsFile(write("bad.csv", "x\n1\nzz\n"))
	if want := `bad.csv: line 3, column 1 ("x"): not a number: "zz"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got error %v, want one containing %q", err, want)
	}
	_, err = ReadPointsFile(write("pts.txt", "1\n2\n"))
	if want := "pts.txt: unknown point file type: want .csv or .npy"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got error %v, want one containing %q", err, want)
	}
	for _, name := range []string{"missing.csv", "missing.npy"} {
		if _, err := ReadPointsFile(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: got error %v, want fs.ErrNotExist", name, err)
		}
	}
}

func TestParsePointSpec(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want PointSpec
	}{
		{"toy:moons", PointSpec{Toy: ToyMoons}},
		{"toy:8gaussians", PointSpec{Toy: Toy8Gaussians}},
		{"runs/samples.csv", PointSpec{Path: "runs/samples.csv"}},
		{"A.NPY", PointSpec{Path: "A.NPY"}},
		{`C:\data\x.npy`, PointSpec{Path: `C:\data\x.npy`}},
		{"toy.csv", PointSpec{Path: "toy.csv"}},
	} {
		got, err := ParsePointSpec(tc.spec)
		if err != nil || got != tc.want {
			t.Errorf("ParsePointSpec(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
		if got.String() != tc.spec {
			t.Errorf("%+v.String() = %q, want %q", got, got.String(), tc.spec)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		{"", `point spec "": empty: want PATH.csv, PATH.npy or toy:NAME`},
		{"toy:", `point spec "toy:": unknown toy distribution "": want one of swissroll, circles, rings,`},
		{"toy:spiral", `unknown toy distribution "spiral"`},
		{"points.txt", `point spec "points.txt": want PATH.csv, PATH.npy or toy:NAME (NAME one of swissroll,`},
		{"moons", `point spec "moons": want PATH.csv`},
	} {
		_, err := ParsePointSpec(tc.spec)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParsePointSpec(%q): got error %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
	if !strings.Contains(PointSpecHelp, strings.Join(ToyNames(), ", ")) {
		t.Error("PointSpecHelp does not list the toy names")
	}
}

func TestPointSpecPoints(t *testing.T) {
	s, err := ParsePointSpec("toy:line")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Points(5, rand.New(rand.NewPCG(1, 1)))
	if err != nil || p.N != 5 || p.D != 2 || len(p.Data) != 10 {
		t.Errorf("toy:line: %+v, %v", p, err)
	}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte("1,2\n3,4\n5,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = PointSpec{Path: path}.Points(0, nil)
	if err != nil || p.N != 3 || p.D != 2 {
		t.Errorf("%s: %+v, %v", path, p, err)
	}
	numtest.WantPanic(t, "data: PointSpec.Points: 1 points of toy:line", func() { s.Points(1, nil) })
}

func TestStandardizer(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const n = 1000
	p := Points{N: n, D: 3, Data: make([]float64, 3*n)}
	for i := 0; i < len(p.Data); i += 3 {
		p.Data[i] = 5 + 2*rng.NormFloat64()
		p.Data[i+1] = -1e6 + 1e-3*rng.Float64() // large mean, small spread
		p.Data[i+2] = float64(rng.IntN(2))
	}
	s, err := FitStandardizer(p)
	if err != nil {
		t.Fatal(err)
	}
	z := slices.Clone(p.Data)
	s.Apply(z)
	for j := range 3 {
		var m, v float64
		for i := j; i < len(z); i += 3 {
			m += z[i]
		}
		m /= n
		for i := j; i < len(z); i += 3 {
			v += (z[i] - m) * (z[i] - m)
		}
		v /= n
		// Exact in exact arithmetic; rounding of n terms of O(1) after a
		// shift by 1e6 of spread 1e-3 loses about 1e6/1e-3·1e-16 = 1e-7.
		if math.Abs(m) > 1e-6 || math.Abs(v-1) > 1e-6 {
			t.Errorf("coordinate %d: mean %v, variance %v after Apply, want 0 and 1", j, m, v)
		}
	}
	s.Invert(z)
	// (x-m)/s*s+m: two roundings of relative size 2⁻⁵³ each, but for the
	// coordinate near -1e6 with spread 1e-3, where they cost 1e-16 of 1e6.
	if e := numtest.RelErr(z, p.Data); e > 1e-15 {
		t.Errorf("Invert(Apply(x)) differs from x by %g", e)
	}
	want := math.Log(s.Std[0]) + math.Log(s.Std[1]) + math.Log(s.Std[2])
	if got := s.LogDet(); math.Abs(got-want) > 1e-14*math.Abs(want) { // same sum, another order
		t.Errorf("LogDet %v, want %v", got, want)
	}
}

// TestStandardizerDensity: a standard normal density on z, mapped back by
// LogDet, is the normal density of x with the fitted mean and deviation.
func TestStandardizerDensity(t *testing.T) {
	p := Points{N: 4, D: 1, Data: []float64{1, 3, 3, 9}} // mean 4, std 3
	s, err := FitStandardizer(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mean[0] != 4 || s.Std[0] != 3 {
		t.Fatalf("fitted %v, %v; want mean 4, std 3", s.Mean, s.Std)
	}
	x := []float64{2.5}
	z := slices.Clone(x)
	s.Apply(z)
	logStdNormal := -0.5*z[0]*z[0] - 0.5*math.Log(2*math.Pi)
	want := -0.5*math.Pow((x[0]-4)/3, 2) - math.Log(3) - 0.5*math.Log(2*math.Pi) // N(4, 3²)
	// Values of O(1): a few ulps.
	if got := logStdNormal - s.LogDet(); math.Abs(got-want) > 1e-15 {
		t.Errorf("log p(x) = %v, want %v", got, want)
	}
}

func TestStandardizerErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Points
		want string
	}{
		{"constant", Points{N: 3, D: 2, Data: []float64{1, 7, 2, 7, 3, 7}}, "coordinate 2 is constant (7): cannot standardise"},
		{"constant zero", Points{N: 2, D: 1, Data: []float64{0, 0}}, "coordinate 1 is constant (0)"},
		{"rounding", Points{N: 3, D: 1, Data: []float64{0.1, 0.1, 0.1}}, "coordinate 1 is constant"},
		{"one point", Points{N: 1, D: 1, Data: []float64{1}}, "1 point(s): want at least 2 to standardise"},
		// A spread beyond MaxStandardScale; at 1e160 the variance
		// overflowed, and the error said "scale +Inf" (as for a mixture of
		// means ±1e300).
		{"spread 1e151", Points{N: 2, D: 1, Data: []float64{-1e151, 1e151}}, "coordinate 1 spreads 1e+151 (its standard deviation), beyond 1e+150: too wide to standardise; rescale it"},
		{"spread 1e160", Points{N: 2, D: 1, Data: []float64{-1e160, 1e160}}, "coordinate 1 spreads 1e+160 (its standard deviation)"},
		{"spread 1e300", Points{N: 2, D: 1, Data: []float64{-1e300, 1e300}}, "coordinate 1 spreads 1e+300 (its standard deviation)"},
		// The sum of a coordinate of 1e308 overflowed: "constant (+Inf)".
		{"constant 1e308", Points{N: 3, D: 1, Data: []float64{1e308, 1e308, 1e308}}, "coordinate 1 is constant (1e+308)"},
		{"constant -1.7e308", Points{N: 2, D: 1, Data: []float64{-1.7e308, -1.7e308}}, "coordinate 1 is constant (-1.7e+308)"},
		// Values of 1e-300 were summed at a loss of digits, and a spread
		// too small to divide by was called constant (-9.8e-302).
		{"constant 1e-300", Points{N: 3, D: 1, Data: []float64{1e-300, 1e-300, 1e-300}}, "coordinate 1 is constant (1e-300)"},
		{"spread 1e-300", Points{N: 3, D: 1, Data: []float64{0, 1e-300, 2e-300}}, "coordinate 1 spreads only 8.16e-301 (its standard deviation), below 1e-150: too little to standardise; rescale it"},
	} {
		if _, err := FitStandardizer(tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	numtest.WantPanic(t, "data: FitStandardizer: 3 values for 2 points", func() {
		FitStandardizer(Points{N: 2, D: 1, Data: []float64{1, 2, 3}})
	})
	s := Standardizer{Mean: []float64{0, 0}, Std: []float64{1, 1}}
	numtest.WantPanic(t, "data: Standardizer.Apply: len(x)=3", func() { s.Apply(make([]float64, 3)) })
	numtest.WantPanic(t, "data: Standardizer.Invert: 0 means", func() { Standardizer{}.Invert(nil) })
}

// FuzzReadPointsCSV: no input makes ReadPointsCSV panic, and what it
// accepts is consistent.
func FuzzReadPointsCSV(f *testing.F) {
	f.Add("x,y\n1,2\n3,4\n")
	f.Add("\ufeff1\n2\n")
	f.Add("a,b\n1,\"2\n")
	f.Add("\ufeff1e-300,1e308\n2e-300,1e308\n") // a BOM, no header; values at both ends of float64 (issue 22)
	f.Add("-1.7e308,1\n1.7e308,-1\n")           // a span beyond the largest float64
	f.Add(strings.Repeat("\x00", 1<<10))        // a .csv that is /dev/zero, cut short
	f.Fuzz(func(t *testing.T, s string) {
		p, header, err := ReadPointsCSV(strings.NewReader(s))
		if err != nil {
			if len(err.Error()) > 300 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if p.N < 2 || p.D < 1 || len(p.Data) != p.N*p.D || header != nil && len(header) != p.D {
			t.Fatalf("accepted %d×%d with %d values and header %q", p.N, p.D, len(p.Data), header)
		}
		// What is read can be standardised, or the error says why; a
		// Standardizer that fits is valid and maps the points to finite
		// values.
		std, err := FitStandardizer(p)
		if err != nil {
			return
		}
		if err := std.Validate(); err != nil {
			t.Fatalf("fitted an invalid Standardizer: %v", err)
		}
		z := slices.Clone(p.Data)
		std.Apply(z)
		for _, v := range z {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("standardised value %v", v)
			}
		}
	})
}

// TestStandardizerValidate checks the bounds that keep Apply and Invert
// finite for a Standardizer read from a file: a subnormal scale's
// reciprocal overflows (1/1e-320 = +Inf), a scale of 1e308 times a
// standard coordinate of 2 overflows, and so does a mean of 1e308 plus it.
func TestStandardizerValidate(t *testing.T) {
	good := Standardizer{Mean: []float64{-1e200, 3}, Std: []float64{1e-150, 1e150}}
	if err := good.Validate(); err != nil {
		t.Errorf("the bounds themselves: %v", err)
	}
	for _, tc := range []struct {
		name      string
		mean, std []float64
		want      string
	}{
		{"empty", nil, nil, "0 means and 0 scales"},
		{"lengths", []float64{0, 0}, []float64{1}, "2 means and 1 scales"},
		{"subnormal scale", []float64{0, 0}, []float64{1, 1e-320}, "coordinate 2: mean 0, scale 1e-320"},
		{"huge scale", []float64{0}, []float64{1e308}, "coordinate 1"},
		{"zero scale", []float64{0}, []float64{0}, "coordinate 1"},
		{"NaN scale", []float64{0}, []float64{math.NaN()}, "coordinate 1"},
		{"huge mean", []float64{1e308}, []float64{1}, "coordinate 1"},
		{"infinite mean", []float64{math.Inf(-1)}, []float64{1}, "coordinate 1"},
		{"NaN mean", []float64{math.NaN()}, []float64{1}, "coordinate 1"},
	} {
		err := Standardizer{Mean: tc.mean, Std: tc.std}.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
