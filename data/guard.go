package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// guard is the reader under every CSV reader of this package: it stops
// with an error once more than limit bytes in all, or a line of more than
// line bytes, have come through, so that encoding/csv, which holds a whole
// line (a quoted field may span lines: a whole record) in memory, never
// holds more than line bytes of it. A file of NUL bytes (a CSV path that
// is /dev/zero) is refused after line bytes instead of growing a buffer
// until memory runs out.
type guard struct {
	r        io.Reader
	lim      pointLimits
	total    int64 // bytes passed on
	run      int   // bytes since the last newline
	newlines int   // newlines passed on
	tooLong  bool  // the line limit was passed
	tooBig   bool  // the byte limit was passed
}

// errGuard is what guard's Read returns once a limit is passed; the
// reader using it asks the guard for the message (guard.err).
var errGuard = errors.New("data: CSV limit passed")

func (g *guard) Read(p []byte) (int, error) {
	if g.tooLong || g.tooBig {
		return 0, errGuard
	}
	// Read no more than one byte beyond the limit: enough to know that
	// it is passed.
	if rest := g.lim.bytes + 1 - g.total; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := g.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			g.run += len(b)
			break
		}
		if g.run+i > g.lim.line {
			g.run += i
			break
		}
		g.run, g.newlines, b = 0, g.newlines+1, b[i+1:]
	}
	g.total += int64(n)
	switch {
	case g.run > g.lim.line:
		g.tooLong = true
		return n, errGuard
	case g.total > g.lim.bytes:
		g.tooBig = true
		return n, errGuard
	}
	return n, err
}

// err returns the error for the limit g passed, or nil.
func (g *guard) err() error {
	switch {
	case g.tooLong:
		return fmt.Errorf("line %d: longer than the limit of %d bytes (not a text file of numbers?)", g.newlines+1, g.lim.line)
	case g.tooBig:
		return fmt.Errorf("larger than the limit of %d bytes", g.lim.bytes)
	}
	return nil
}

// newCSVReader returns the CSV reader that every reader of this package
// reads through, and its guard: at most lim.bytes bytes and lines of at
// most lim.line bytes, a leading UTF-8 byte order mark (which spreadsheets
// write) skipped, surrounding spaces ignored, any number of fields a row
// (the callers check it, to say which line is wrong).
func newCSVReader(r io.Reader, lim pointLimits) (*csv.Reader, *guard) {
	g := &guard{r: r, lim: lim}
	br := bufio.NewReader(g)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	return cr, g
}

// read returns the next record of cr, read through g, with the guard's
// error when a limit was passed.
func read(cr *csv.Reader, g *guard) ([]string, error) {
	rec, err := cr.Read()
	if gerr := g.err(); gerr != nil {
		return nil, gerr
	}
	return rec, err // a *csv.ParseError gives the line
}

// noTrailing returns an error unless r is at its end: the data of a binary
// file (.npy, IDX) has been read, and data is what its header said it
// holds, for the message. It reads one byte, not on to the end: counting
// the bytes that follow would never end on an endless stream (a pipe).
func noTrailing(r io.Reader, data string) error {
	var b [1]byte
	switch n, err := io.ReadFull(r, b[:]); {
	case n > 0:
		return fmt.Errorf("trailing data: more bytes after %s", data)
	case !errors.Is(err, io.EOF):
		return fmt.Errorf("reading past the data: %w", err)
	}
	return nil
}

// numbers accumulates the numbers a reader reads in chunks of up to
// maxChunk, so that reading up to the limit of MaxPointValues costs that
// much memory and one copy at the end (Slice), not the copies of append's
// doubling and the garbage they leave: a CSV file refused at the limit,
// 512 MiB of numbers, took 2.3 GB.
type numbers struct {
	full [][]float64
	cur  []float64
	n    int
}

const maxChunk = 1 << 20 // 8 MiB

func (s *numbers) add(v float64) {
	if len(s.cur) == cap(s.cur) {
		if s.cur != nil {
			s.full = append(s.full, s.cur)
		}
		s.cur = make([]float64, 0, min(max(2*cap(s.cur), 64), maxChunk))
	}
	s.cur = append(s.cur, v)
	s.n++
}

// Len returns how many numbers s holds.
func (s *numbers) Len() int { return s.n }

// Slice returns the numbers, in one slice of their length, not nil.
func (s *numbers) Slice() []float64 {
	if len(s.full) == 0 && s.cur != nil {
		return s.cur
	}
	out := make([]float64, 0, s.n)
	for _, c := range s.full {
		out = append(out, c...)
	}
	return append(out, s.cur...)
}
