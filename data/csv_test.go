package data

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCSVRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		points []float64
	}{
		{"2-d", []string{"x", "y"}, []float64{0, 1, -2.5, 0.1, 1e300, -1e-300, math.Pi, math.MaxFloat64}},
		{"1-d", []string{"value"}, []float64{3, 2, 1}},
		{"special", []string{"a", "b", "c"}, []float64{math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.NaN(), 5e-324, 1}},
		{"quoted header", []string{"x, the first", `"y"`}, []float64{1, 2}},
		{"no points", []string{"x", "y"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCSV(&buf, tc.header, tc.points); err != nil {
				t.Fatal(err)
			}
			header, points, err := ReadCSV(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(header, tc.header) {
				t.Errorf("header %q, want %q", header, tc.header)
			}
			if len(points) != len(tc.points) {
				t.Fatalf("%d values, want %d", len(points), len(tc.points))
			}
			for i, v := range tc.points {
				if math.Float64bits(points[i]) != math.Float64bits(v) {
					t.Errorf("value %d = %v, want %v exactly", i, points[i], v)
				}
			}
		})
	}
}

func TestReadCSV(t *testing.T) {
	header, points, err := ReadCSV(strings.NewReader(" x , y\n\n1, 2 \n-3e2,+4.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(header, []string{"x", "y"}) || !slices.Equal(points, []float64{1, 2, -300, 4.5}) {
		t.Errorf("got %q %v", header, points)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty CSV: want a header row naming the coordinates"},
		{"no header", "1,2\n3,4\n", `line 1: want a header row naming the coordinates, got numbers ["1" "2"]`},
		{"short row", "x,y\n1,2\n3\n", "line 3: 1 fields, want 2 (x,y)"},
		{"long row", "x,y\n1,2,3\n", "line 2: 3 fields, want 2 (x,y)"},
		// A binary file, a .npy, read as CSV: its header is quoted, not
		// echoed with its NUL and invalid bytes.
		{"binary", "\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'shape': (50,2),}\n\x00\x01\x02\n", `line 2: 1 fields, want 4 ("\x93NUMPY\x01\x00v\x00{'descr': '<f8','shape': (50,2),}")`},
		{"bad number", "x,y\n\n1,2\n3,abc\n", `line 4, column "y": bad number "abc"`},
		{"empty field", "x,y\n,2\n", `line 2, column "x": bad number ""`},
		{"bad quote", "x,y\n1,\"2\n", "parse error on line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestWriteCSVPanics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		points []float64
		want   string
	}{
		{"empty header", nil, []float64{1}, "data: WriteCSV with an empty header"},
		{"ragged", []string{"x", "y"}, []float64{1, 2, 3}, "data: WriteCSV: len(points)=3 is not a multiple of len(header)=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			WriteCSV(new(bytes.Buffer), tc.header, tc.points)
		})
	}
}

func TestCSVFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "points.csv")
	header, points := []string{"x", "y"}, []float64{1, 2, 3, 4}
	if err := WriteCSVFile(path, header, points); err != nil {
		t.Fatal(err)
	}
	h, p, err := ReadCSVFile(path)
	if err != nil || !slices.Equal(h, header) || !slices.Equal(p, points) {
		t.Errorf("ReadCSVFile = %q, %v, %v", h, p, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries after WriteCSVFile, want only points.csv", len(entries))
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("x,y\n1,z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadCSVFile(bad); err == nil || err.Error() != bad+`: line 2, column "y": bad number "z"` {
		t.Errorf("bad file: got error %v", err)
	}
	missing := filepath.Join(dir, "missing.csv")
	if _, _, err := ReadCSVFile(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got error %v", err)
	}
	noDir := filepath.Join(dir, "no", "such", "dir.csv")
	if err := WriteCSVFile(noDir, header, points); err == nil || !strings.Contains(err.Error(), noDir) {
		t.Errorf("write into a missing folder: got error %v", err)
	}
}

func ExampleWriteCSV() {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, []string{"x", "y"}, []float64{0.1, -2, 1e-7, 3}); err != nil {
		panic(err)
	}
	fmt.Print(buf.String())
	header, points, err := ReadCSV(&buf)
	fmt.Println(header, points, err)
	// Output:
	// x,y
	// 0.1,-2
	// 1e-07,3
	// [x y] [0.1 -2 1e-07 3] <nil>
}
