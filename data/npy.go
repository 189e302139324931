package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// The .npy format (numpy's lib/format.py, "NEP 1"): the magic string
// "\x93NUMPY", a major and a minor version byte, the header length (2 bytes
// little-endian in version 1, 4 bytes in versions 2 and 3), and a header
// that is a Python dict literal such as
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 2), }
//
// padded with spaces and ended by a newline; the array's bytes follow.
const (
	npyMagic = "\x93NUMPY"

	// maxNPYHeader bounds the header length: numpy itself refuses headers
	// over 10000 bytes unless told otherwise.
	maxNPYHeader = 1 << 16
)

// npyHeader is what ReadNPY takes from a header.
type npyHeader struct {
	order     binary.ByteOrder
	kind      byte // 'f', 'i' or 'u'
	size      int  // bytes per element
	descr     string
	n, d      int
	dataBytes int64
}

// ReadNPY reads a numpy array from r as points: a 2-D array of shape
// (N, D) is N points in R^D, a 1-D array of shape (N,) is N points in R.
// The elements may be float32, float64, int8/16/32/64 or uint8/16/32/64,
// little- or big-endian; they are converted to float64 (integers beyond
// 2^53 are rounded). The array must be in C order (row-major): a Fortran
// order array is refused, as are other element types, other shapes, NaN or
// infinite values, fewer than 2 points, more than MaxPoints points, MaxDim
// coordinates or MaxPointValues values, a malformed header, and bytes
// missing or left over after the data. The data is read in chunks as it
// arrives, so a header announcing more than the input holds costs little.
func ReadNPY(r io.Reader) (Points, error) {
	return readNPY(bufio.NewReader(r), -1, defaultLimits)
}

// ReadNPYFile reads the .npy file at path as ReadNPY does, checking the
// size that the header announces against the file's length before reading
// the data. Its errors name the path.
func ReadNPYFile(path string) (Points, error) {
	f, err := os.Open(path)
	if err != nil {
		return Points{}, err // *fs.PathError names the path.
	}
	defer f.Close()
	size := int64(-1)
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	p, err := readNPY(bufio.NewReader(f), size, defaultLimits)
	if err != nil {
		return Points{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// readNPY reads an array from r; fileSize is the length of the whole input
// when known, -1 otherwise.
func readNPY(r io.Reader, fileSize int64, lim pointLimits) (Points, error) {
	h, headerBytes, err := readNPYHeader(r, lim)
	if err != nil {
		return Points{}, err
	}
	if fileSize >= 0 && fileSize-headerBytes != h.dataBytes {
		return Points{}, fmt.Errorf("file of %d bytes: the header (%d bytes) announces %d×%d %s values, %d bytes of data, but %d follow",
			fileSize, headerBytes, h.n, h.d, h.descr, h.dataBytes, fileSize-headerBytes)
	}
	raw, err := readExactly(r, int(h.dataBytes), readChunk)
	if err != nil {
		return Points{}, err
	}
	if err := noTrailing(r, fmt.Sprintf("the %d that shape (%d, %d) of %s holds", h.dataBytes, h.n, h.d, h.descr)); err != nil {
		return Points{}, err
	}
	data := make([]float64, h.n*h.d)
	for k := range data {
		v := h.decode(raw[k*h.size:])
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Points{}, fmt.Errorf("row %d, column %d: not finite: %v", k/h.d, k%h.d, v)
		}
		data[k] = v
	}
	return Points{N: h.n, D: h.d, Data: data}, nil
}

// decode returns the element at the start of b as a float64.
func (h *npyHeader) decode(b []byte) float64 {
	switch h.size {
	case 1:
		if h.kind == 'i' {
			return float64(int8(b[0]))
		}
		return float64(b[0])
	case 2:
		v := h.order.Uint16(b)
		if h.kind == 'i' {
			return float64(int16(v))
		}
		return float64(v)
	case 4:
		v := h.order.Uint32(b)
		switch h.kind {
		case 'f':
			return float64(math.Float32frombits(v))
		case 'i':
			return float64(int32(v))
		}
		return float64(v)
	}
	v := h.order.Uint64(b)
	switch h.kind {
	case 'f':
		return math.Float64frombits(v)
	case 'i':
		return float64(int64(v))
	}
	return float64(v)
}

// readNPYHeader reads and checks the magic string, version and header, and
// returns the header and the number of bytes before the data.
func readNPYHeader(r io.Reader, lim pointLimits) (*npyHeader, int64, error) {
	var pre [10]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil {
		return nil, 0, shortRead("npy preamble", 8, n, err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, 0, fmt.Errorf("not a .npy file: it starts %q, want %q", pre[:6], npyMagic)
	}
	major, minor := pre[6], pre[7]
	var hlen int64
	switch major {
	case 1:
		if n, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, 0, shortRead("npy header length", 2, n, err)
		}
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var b [4]byte
		if n, err := io.ReadFull(r, b[:]); err != nil {
			return nil, 0, shortRead("npy header length", 4, n, err)
		}
		hlen = int64(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, 0, fmt.Errorf("npy format version %d.%d not supported: want 1.0, 2.0 or 3.0", major, minor)
	}
	if hlen > maxNPYHeader {
		return nil, 0, fmt.Errorf("npy header of %d bytes: more than the limit of %d", hlen, maxNPYHeader)
	}
	hdr := make([]byte, hlen)
	if n, err := io.ReadFull(r, hdr); err != nil {
		return nil, 0, shortRead("npy header", int(hlen), n, err)
	}
	h, err := parseNPYHeader(string(hdr), lim)
	if err != nil {
		return nil, 0, fmt.Errorf("npy header %s: %w", echo(strings.TrimSpace(string(hdr))), err)
	}
	prefix := int64(10)
	if major > 1 {
		prefix = 12
	}
	return h, prefix + hlen, nil
}

// parseNPYHeader parses the dict literal of a header.
func parseNPYHeader(s string, lim pointLimits) (*npyHeader, error) {
	fields, err := parsePyDict(s)
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := fields[key]; !ok {
			return nil, fmt.Errorf("no %q key", key)
		}
	}
	if len(fields) != 3 {
		return nil, fmt.Errorf("%d keys, want descr, fortran_order and shape only", len(fields))
	}
	h := new(npyHeader)
	descr, ok := fields["descr"].(string)
	if !ok {
		return nil, errors.New("descr is not a string: structured arrays are not supported")
	}
	if err := h.setDescr(descr); err != nil {
		return nil, err
	}
	switch fields["fortran_order"] {
	case false:
	case true:
		return nil, errors.New("fortran_order True (column-major data) is not supported: " +
			"save a C-order array, np.save(f, np.ascontiguousarray(a))")
	default:
		return nil, errors.New("fortran_order is not True or False")
	}
	shape, ok := fields["shape"].([]int)
	if !ok {
		return nil, errors.New("shape is not a tuple of whole numbers")
	}
	switch len(shape) {
	case 1:
		h.n, h.d = shape[0], 1
	case 2:
		h.n, h.d = shape[0], shape[1]
	default:
		return nil, fmt.Errorf("shape %v: want (N,) or (N, D)", shape)
	}
	if err := lim.check(h.n, h.d); err != nil {
		return nil, err
	}
	h.dataBytes = int64(h.n) * int64(h.d) * int64(h.size)
	return h, nil
}

// setDescr sets the byte order, kind and size from a descr such as '<f8'.
func (h *npyHeader) setDescr(descr string) error {
	bad := fmt.Errorf("element type %q not supported: want float32, float64, int8/16/32/64 or uint8/16/32/64 "+
		"('<f4', '>f8', '|u1', ...)", descr)
	if len(descr) != 3 {
		return bad
	}
	h.descr = descr
	h.kind = descr[1]
	size, err := strconv.Atoi(descr[2:])
	if err != nil {
		return bad
	}
	h.size = size
	switch {
	case h.kind == 'f' && (size == 4 || size == 8):
	case (h.kind == 'i' || h.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8):
	default:
		return bad
	}
	switch descr[0] {
	case '<':
		h.order = binary.LittleEndian
	case '>':
		h.order = binary.BigEndian
	case '|':
		if size != 1 {
			return fmt.Errorf("element type %q: byte order '|' (not applicable) for a %d-byte type", descr, size)
		}
		h.order = binary.LittleEndian
	default:
		return fmt.Errorf("element type %q: byte order %q, want '<', '>' or '|'", descr, descr[0])
	}
	return nil
}

// parsePyDict parses the Python dict literals that numpy writes as .npy
// headers: string keys, and values that are strings, True, False, or
// tuples of non-negative whole numbers (returned as string, bool and []int).
func parsePyDict(s string) (map[string]any, error) {
	p := &pyParser{s: s}
	if !p.eat('{') {
		return nil, p.errorf("want '{'")
	}
	out := make(map[string]any)
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, p.errorf("key %q repeated", key)
		}
		if !p.eat(':') {
			return nil, p.errorf("want ':' after key %q", key)
		}
		if out[key], err = p.value(); err != nil {
			return nil, err
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, p.errorf("want ',' or '}'")
			}
			break
		}
	}
	if p.skip(); p.i != len(p.s) {
		return nil, p.errorf("text after the dict")
	}
	return out, nil
}

type pyParser struct {
	s string
	i int
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *pyParser) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// eat skips spaces and then c if it is next, reporting whether it was.
func (p *pyParser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str parses a quoted string without escapes, the only kind numpy writes
// for keys and simple descrs.
func (p *pyParser) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.errorf("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", p.errorf("escapes in strings are not supported")
	}
	p.i += end + 2
	return v, nil
}

func (p *pyParser) value() (any, error) {
	p.skip()
	switch {
	case p.i >= len(p.s):
		return nil, p.errorf("want a value")
	case p.s[p.i] == '\'' || p.s[p.i] == '"':
		return p.str()
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	case p.s[p.i] == '(':
		p.i++
		return p.tuple()
	case p.s[p.i] == '[':
		return nil, p.errorf("a list value: structured arrays are not supported")
	}
	return nil, p.errorf("want a string, True, False or a tuple")
}

// tuple parses the rest of a tuple of whole numbers after its '(': (),
// (n,) or (n, m, ...) with an optional trailing comma. Python writes longs
// of old numpy versions with an L suffix, which is accepted.
func (p *pyParser) tuple() ([]int, error) {
	out := []int{}
	for {
		if p.eat(')') {
			return out, nil
		}
		p.skip()
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.i == start {
			return nil, p.errorf("want a whole number in the shape")
		}
		v, err := strconv.Atoi(p.s[start:p.i])
		if err != nil || v > math.MaxInt32 {
			return nil, p.errorf("dimension %s too large", echo(p.s[start:p.i]))
		}
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		out = append(out, v)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, p.errorf("want ',' or ')' in the shape")
			}
			return out, nil
		}
	}
}
