package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sgm-dev/sgm/internal/atomicfile"
)

// WriteCSV writes the points, a flat row-major slice of n points in R^d with
// d = len(header), as CSV: the header row naming the coordinates, then one
// point a row, each number in the shortest form that reads back exactly
// (strconv 'g', precision -1). It panics if header is empty or len(points)
// is not a multiple of len(header).
func WriteCSV(w io.Writer, header []string, points []float64) error {
	checkCSV("WriteCSV", header, points)
	d := len(header)
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, d)
	for i := 0; i < len(points); i += d {
		for j, v := range points[i : i+d] {
			row[j] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func checkCSV(who string, header []string, points []float64) {
	if len(header) == 0 {
		panic("data: " + who + " with an empty header")
	}
	if len(points)%len(header) != 0 {
		panic(fmt.Sprintf("data: %s: len(points)=%d is not a multiple of len(header)=%d", who, len(points), len(header)))
	}
}

// maxEcho is the most bytes of a field that an error message repeats.
const maxEcho = 40

// clip returns s, or its first maxEcho bytes (whole runes) and how long it
// is, for an error message.
func clip(s string) string {
	head, cut := clipHead(s)
	if !cut {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes)", head, len(s))
}

// clipHead returns s's first maxEcho bytes, cut back to a rune boundary,
// and whether that left anything out.
func clipHead(s string) (head string, cut bool) {
	if len(s) <= maxEcho {
		return s, false
	}
	return clipTo(s, maxEcho), true
}

// clipTo returns s's first n < len(s) bytes, cut back to a rune boundary.
func clipTo(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// graphic returns s, or s quoted with Go's escapes if it holds invalid
// UTF-8 or a character a terminal does not print as text: the "header" of
// a binary file read as CSV (a .npy file's starts "\x93NUMPY\x01\x00").
func graphic(s string) string {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }) {
		return strconv.QuoteToGraphic(s)
	}
	return s
}

// clipAll clips each of the strings and at most maxEcho of them.
func clipAll(ss []string) []string {
	out := make([]string, 0, min(len(ss), maxEcho))
	for _, s := range ss[:min(len(ss), maxEcho)] {
		out = append(out, clip(s))
	}
	if len(ss) > maxEcho {
		out = append(out, fmt.Sprintf("... (%d in all)", len(ss)))
	}
	return out
}

// ReadCSV reads a table of named columns written by WriteCSV or by hand (a
// loss history): a header row naming the d columns, then rows of d numbers
// each. It returns the header and the numbers, a flat row-major slice of
// length n*d. Points, whose header is optional, are read by ReadPointsCSV.
// Surrounding spaces and a leading UTF-8 byte order mark are ignored. The
// error for a malformed file gives the line and, for a bad number, the
// column's name; a first row of numbers only is reported as a missing
// header. Fields repeated in errors are cut to 40 bytes. It applies the
// limits of ReadPointsCSV (MaxCSVBytes bytes, lines of MaxLineBytes,
// MaxPointValues numbers), each before more is read.
func ReadCSV(r io.Reader) (header []string, points []float64, err error) {
	return readCSV(r, defaultLimits)
}

func readCSV(r io.Reader, lim pointLimits) (header []string, points []float64, err error) {
	cr, g := newCSVReader(r, lim)
	rec, err := read(cr, g)
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("empty CSV: want a header row naming the coordinates")
	}
	if err != nil {
		return nil, nil, err // *csv.ParseError gives the line.
	}
	header = make([]string, len(rec))
	numeric := true
	for j, name := range rec {
		header[j] = strings.TrimSpace(name)
		if _, err := strconv.ParseFloat(header[j], 64); err != nil {
			numeric = false
		}
	}
	if numeric {
		return nil, nil, fmt.Errorf("line 1: want a header row naming the coordinates, got numbers %q", clipAll(header))
	}
	d := len(header)
	cr.ReuseRecord = true
	var nums numbers
	for {
		rec, err := read(cr, g)
		if errors.Is(err, io.EOF) {
			return header, nums.Slice(), nil
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != d {
			return nil, nil, fmt.Errorf("line %d: %d fields, want %d (%s)", line, len(rec), d, graphic(strings.Join(clipAll(header), ",")))
		}
		if nums.Len()+d > lim.values {
			return nil, nil, fmt.Errorf("line %d: more than the limit of %d numbers", line, lim.values)
		}
		for j, f := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d, column %q: bad number %q", line, clip(header[j]), clip(f))
			}
			nums.add(v)
		}
	}
}

// WriteCSVFile writes the points to path as WriteCSV does. The file appears
// complete or not at all: it is written to a temporary file that is renamed
// to path at the end. It panics as WriteCSV does.
func WriteCSVFile(path string, header []string, points []float64) error {
	checkCSV("WriteCSVFile", header, points) // before any file is created
	return atomicfile.Write(path, func(w io.Writer) error {
		return WriteCSV(w, header, points)
	})
}

// ReadCSVFile reads the point cloud at path as ReadCSV does. Its errors name
// the path.
func ReadCSVFile(path string) (header []string, points []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err // *fs.PathError names the path.
	}
	defer f.Close()
	header, points, err = ReadCSV(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return header, points, nil
}

// CSVFileFirstRow returns the fields of the first row of the CSV file at
// path, surrounding spaces and a leading byte order mark removed, or nil if
// path does not end in .csv or that row cannot be read (a missing file, a
// line past MaxLineBytes, a malformed row). It reads only that row, under
// the limits of ReadPointsCSV, so the file may be anything (/dev/zero); its
// full reader says what is wrong with it. Callers decide whether the row
// is a header: a row of numbers is data.
func CSVFileFirstRow(path string) []string {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	rec, err := read(newCSVReader(f, defaultLimits))
	if err != nil {
		return nil
	}
	for j := range rec {
		rec[j] = strings.TrimSpace(rec[j])
	}
	return rec
}
