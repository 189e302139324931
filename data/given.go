package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sgm-dev/sgm/internal/atomicfile"
)

// ParseGiven reads one row of given values for points of dimension d, as
// I=V[,I=V...]: I a coordinate's index from 0, its name xI, or one of
// names (the columns of the data a model learned; nil if none), V a
// finite number; each coordinate at most once and at least one left
// free. It returns d values, NaN where free. An error starts with the
// spec, quoted.
func ParseGiven(spec string, d int, names []string) ([]float64, error) {
	v := make([]float64, d)
	for i := range v {
		v[i] = math.NaN()
	}
	for _, part := range strings.Split(spec, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("%q: want I=V[,I=V...], got %q", spec, part)
		}
		name = strings.TrimSpace(name)
		i := slices.Index(names, name)
		if i < 0 {
			var err error
			i, err = strconv.Atoi(strings.TrimPrefix(name, "x"))
			if err != nil || i < 0 || i >= d || (strings.HasPrefix(name, "x") && name != fmt.Sprintf("x%d", i)) {
				known := fmt.Sprintf("a name x0..x%d", d-1)
				if names != nil {
					known = fmt.Sprintf("a column name (%s)", strings.Join(names, ", "))
				}
				return nil, fmt.Errorf("%q: coordinate %q: want an index 0..%d or %s", spec, name, d-1, known)
			}
		}
		if !math.IsNaN(v[i]) {
			return nil, fmt.Errorf("%q: coordinate %d given twice", spec, i)
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%q: value %q of coordinate %d: want a finite number", spec, val, i)
		}
		v[i] = x
	}
	if slices.ContainsFunc(v, math.IsNaN) {
		return v, nil
	}
	return nil, fmt.Errorf("%q gives every one of the %d coordinates: leave at least one to sample", spec, d)
}

// ReadGivenCSV reads a table of given values for conditional sampling:
// rows of d fields, one sample's given values a row, an empty field (or
// NaN, nan, NA) where the coordinate is free, optionally under a header
// row of names only. It returns the values flat, row-major, NaN for the
// free ones, and the header (nil when there is none). It refuses, naming
// the line and column: a row of another length, a field that is not a
// number, an infinite value, and more than MaxCSVBytes bytes or MaxPoints
// rows; and a table without rows.
func ReadGivenCSV(r io.Reader, d int) ([]float64, []string, error) {
	csvr := newCSVRows(r)
	var (
		header []string
		vals   []float64
		rows   int
	)
	for {
		rec, line, err := csvr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if len(rec) != d {
			return nil, nil, fmt.Errorf("line %d: %d fields, want %d (one a coordinate; empty where it is free)", line, len(rec), d)
		}
		if rows == 0 && header == nil && firstNumber(rec) < 0 && !allFree(rec) {
			header = make([]string, d)
			for j, f := range rec {
				header[j] = strings.TrimSpace(f)
			}
			continue
		}
		if rows++; rows > MaxPoints || rows > MaxPointValues/d {
			return nil, nil, fmt.Errorf("line %d: more than the limit of %d rows", line, min(MaxPoints, MaxPointValues/d))
		}
		for j, f := range rec {
			f = strings.TrimSpace(f)
			if isFree(f) {
				vals = append(vals, math.NaN())
				continue
			}
			v, err := strconv.ParseFloat(f, 64)
			switch {
			case err != nil && !errors.Is(err, strconv.ErrRange):
				return nil, nil, fmt.Errorf("line %d, %s: not a number or empty: %s", line, column(header, j), echo(f))
			case math.IsInf(v, 0):
				return nil, nil, fmt.Errorf("line %d, %s: not finite: %s", line, column(header, j), echo(f))
			}
			vals = append(vals, v)
		}
	}
	if rows == 0 {
		return nil, nil, errors.New("no rows of given values")
	}
	return vals, header, nil
}

// isFree reports whether a field of a given-values table marks a free
// coordinate.
func isFree(f string) bool {
	switch strings.ToLower(f) {
	case "", "nan", "na":
		return true
	}
	return false
}

// allFree reports whether every field of rec marks a free coordinate.
func allFree(rec []string) bool {
	for _, f := range rec {
		if !isFree(strings.TrimSpace(f)) {
			return false
		}
	}
	return true
}

// ReadGivenFile is ReadGivenCSV of the file at path, whose errors name it.
func ReadGivenFile(path string, d int) ([]float64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	v, h, err := ReadGivenCSV(f, d)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, h, nil
}

// WriteLabelledCSVFile writes points (flat, of dimension len(header)) with
// a label column named labelName holding labels[i] for point i, as CSV
// through a temporary file and a rename, as WriteCSVFile does.
// ReadLabelledCSV reads it back. It panics if the lengths disagree.
func WriteLabelledCSVFile(path string, header []string, points []float64, labelName string, labels []string) error {
	d := len(header)
	if d == 0 || len(points)%d != 0 || len(labels) != len(points)/d {
		panic(fmt.Sprintf("data: WriteLabelledCSVFile: %d values, %d labels for %d columns", len(points), len(labels), d))
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(append(append([]string(nil), header...), labelName)); err != nil {
			return err
		}
		row := make([]string, d+1)
		for i, l := range labels {
			for j := range d {
				row[j] = strconv.FormatFloat(points[i*d+j], 'g', -1, 64)
			}
			row[d] = l
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}
