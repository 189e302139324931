package data

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	small := pointLimits{rows: 3, cols: 2, values: 5, bytes: 40}
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
		{"too many bytes", strings.Repeat("1,2\n", 20), pointLimits{100, 10, 1000, 40}, "larger than the limit of 40 bytes"},
		{"too many columns", "1,2,3\n4,5,6\n", small, "line 1: 3 columns, more than the limit of 2"},
		{"too many rows", "1\n2\n3\n4\n", small, "line 4: more than the limit of 3 points or 5 numbers"},
		{"too many values", "1,2\n3,4\n5,6\n", small, "line 3: more than the limit of 3 points or 5 numbers"},
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
