package data

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sgm-dev/sgm"
)

// Limits on the labels of a labelled point file: how many distinct ones,
// and how long one may be (the limits of a network's labels).
const (
	MaxLabels     = 4096
	MaxLabelBytes = 256
)

// Labelled are points each with a class label: Labels[i] is point i's,
// an index into Names.
type Labelled struct {
	Points
	Labels []int
	// Names are the distinct labels, in ascending order (numeric order
	// when every one is an integer, byte order otherwise).
	Names []string
}

// ReadLabelledCSV reads a CSV file of points with a label column: column,
// named in the header row (which it needs), holds each point's class
// label, any string or integer, and the other columns its coordinates,
// read as ReadPointsCSV reads them (the same limits and errors, with the
// same line numbers). A label must be non-empty printable UTF-8 of at most
// MaxLabelBytes bytes, and there may be at most MaxLabels distinct ones.
func ReadLabelledCSV(r io.Reader, column string) (Labelled, error) {
	rows := newCSVRows(r)
	var (
		rest   bytes.Buffer // the other columns, each record on its own line
		w      = csv.NewWriter(&rest)
		lines  int // lines written to rest
		col    = -1
		labels []string
	)
	for {
		rec, line, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Labelled{}, err
		}
		if col < 0 {
			for j, f := range rec {
				if strings.TrimSpace(f) == column {
					col = j
				}
			}
			if col < 0 {
				return Labelled{}, fmt.Errorf("line %d: no column %s in the header row (the label column must be named there; the first row is %s)", line, echo(column), echo(strings.Join(rec, ",")))
			}
			if len(rec) < 2 {
				return Labelled{}, fmt.Errorf("line %d: the label column is the only column: no coordinates", line)
			}
		} else {
			if col >= len(rec) {
				return Labelled{}, fmt.Errorf("line %d: %d fields, no label column %d", line, len(rec), col+1)
			}
			l := strings.TrimSpace(rec[col])
			if err := checkLabel(l); err != nil {
				return Labelled{}, fmt.Errorf("line %d, column %d (%s): %w", line, col+1, echo(column), err)
			}
			labels = append(labels, l)
		}
		// Pad with blank lines (which ReadPointsCSV skips) so that its
		// errors give the file's own line numbers.
		for ; lines < line-1; lines++ {
			w.Flush()
			rest.WriteByte('\n')
		}
		if err := w.Write(slices.Delete(slices.Clone(rec), col, col+1)); err != nil {
			return Labelled{}, err
		}
		lines++
	}
	w.Flush()
	if col < 0 {
		return Labelled{}, errors.New("no points: want a header row naming the label column, then rows of numbers and labels")
	}
	p, _, err := ReadPointsCSV(&rest)
	if err != nil {
		return Labelled{}, err
	}
	if len(labels) != p.N {
		return Labelled{}, fmt.Errorf("%d labels for %d points", len(labels), p.N)
	}
	return labelIndices(p, labels)
}

// ReadLabelledFile is ReadLabelledCSV of the file at path, whose errors
// name the path.
func ReadLabelledFile(path, column string) (Labelled, error) {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return Labelled{}, fmt.Errorf("%s: a label column needs a .csv file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Labelled{}, err
	}
	defer f.Close()
	l, err := ReadLabelledCSV(f, column)
	if err != nil {
		return Labelled{}, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// csvRows reads the records of a CSV file through the package's guarded
// reader (newCSVReader: the size and line limits of point files), with
// the line of each.
type csvRows struct {
	cr *csv.Reader
	g  *guard
}

func newCSVRows(r io.Reader) *csvRows {
	cr, g := newCSVReader(r, defaultLimits)
	return &csvRows{cr, g}
}

// next returns the next record and its line, io.EOF after the last, and
// the guard's error past a limit.
func (c *csvRows) next() ([]string, int, error) {
	rec, err := read(c.cr, c.g)
	if err != nil {
		return nil, 0, err // io.EOF, a limit, or a *csv.ParseError that gives the line
	}
	line, _ := c.cr.FieldPos(0)
	return rec, line, nil
}

// checkLabel returns an error unless l is a valid label.
func checkLabel(l string) error {
	switch {
	case l == "":
		return errors.New("empty label")
	case len(l) > MaxLabelBytes:
		return fmt.Errorf("label of %d bytes, more than the limit of %d", len(l), MaxLabelBytes)
	case !utf8.ValidString(l):
		return fmt.Errorf("label %s is not valid UTF-8", echo(l))
	case strings.IndexFunc(l, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("label %s holds a character that is not printable", echo(l))
	}
	return nil
}

// labelIndices numbers the distinct labels (SortLabels' order) and returns
// p with them.
func labelIndices(p Points, labels []string) (Labelled, error) {
	index := map[string]int{}
	for _, l := range labels {
		if _, ok := index[l]; !ok {
			if len(index) == MaxLabels {
				return Labelled{}, fmt.Errorf("more than the limit of %d distinct labels", MaxLabels)
			}
			index[l] = 0
		}
	}
	names := make([]string, 0, len(index))
	for l := range index {
		names = append(names, l)
	}
	SortLabels(names)
	for i, l := range names {
		index[l] = i
	}
	out := Labelled{Points: p, Labels: make([]int, len(labels)), Names: names}
	for i, l := range labels {
		out.Labels[i] = index[l]
	}
	return out, nil
}

// SortLabels sorts label names in place: numerically when every one is an
// integer, in byte order otherwise.
func SortLabels(names []string) {
	ints := true
	for _, l := range names {
		if _, err := strconv.ParseInt(l, 10, 64); err != nil {
			ints = false
			break
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if ints {
			x, _ := strconv.ParseInt(a, 10, 64)
			y, _ := strconv.ParseInt(b, 10, 64)
			return cmp.Compare(x, y)
		}
		return strings.Compare(a, b)
	})
}

// SampleLabelled draws n of the points with their labels, uniformly with
// replacement, as Points.Sample draws them (the same points for the same
// rng), into dst or a new slice if dst is nil.
func (l Labelled) SampleLabelled(dst []float64, n int, rng *rand.Rand) ([]float64, []int) {
	x := sgm.SampleDst("data: Labelled.SampleLabelled", dst, n, l.D)
	if l.N < 1 || len(l.Data) != l.N*l.D || len(l.Labels) != l.N {
		panic(fmt.Sprintf("data: Labelled.SampleLabelled: %d values and %d labels for %d points of dimension %d", len(l.Data), len(l.Labels), l.N, l.D))
	}
	labels := make([]int, n)
	for i := range n {
		k := rng.IntN(l.N)
		copy(x[i*l.D:(i+1)*l.D], l.Data[k*l.D:(k+1)*l.D])
		labels[i] = l.Labels[k]
	}
	return x, labels
}
