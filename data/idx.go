package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Gray is a grayscale image of H rows and W columns: Pix[r*W+c] is the
// intensity of row r, column c, in [0, 1]. Bright pixels carry the mass.
type Gray struct {
	H, W int
	Pix  []float64
}

// Inverted returns a new image with every intensity p replaced by 1-p, which
// turns a dark drawing on a light background into bright strokes on black.
func (g Gray) Inverted() Gray {
	pix := make([]float64, len(g.Pix))
	for i, p := range g.Pix {
		pix[i] = 1 - p
	}
	return Gray{H: g.H, W: g.W, Pix: pix}
}

// IDX is the content of an IDX file holding unsigned bytes (type code 0x08),
// the format of the MNIST images and labels. Data holds the product of Dims
// bytes in row-major order: the last dimension varies fastest. An image file
// has Dims (N, H, W), a label file Dims (N).
type IDX struct {
	Dims []int
	Data []byte
}

const (
	idxTypeUByte = 0x08

	// maxIDXBytes bounds the data that a header may announce, so that a
	// corrupt header (or a small gzipped file that unpacks to gigabytes)
	// is reported rather than allocated: 1 GiB, twenty times MNIST's
	// training images.
	maxIDXBytes = 1 << 30

	// readChunk is the most that ReadIDX allocates ahead of the bytes it has
	// actually read, so a short file lying about its size costs little.
	readChunk = 1 << 26
)

var idxTypeNames = map[byte]string{
	0x08: "unsigned byte",
	0x09: "signed byte",
	0x0B: "int16",
	0x0C: "int32",
	0x0D: "float32",
	0x0E: "float64",
}

// ReadIDX reads an IDX file of unsigned bytes from r, gunzipping it first
// when it starts with the gzip magic bytes 1f 8b. It returns an error unless
// the header is valid (two zero bytes, type code 0x08, 1 to 4 dimensions,
// each positive, at most 1 GiB in all, and images of three dimensions
// (N, H, W) of at most MaxImagePixels pixels each) and exactly the announced
// number of data bytes follows.
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
		defer zr.Close()
		m, err := readIDX(zr)
		if err != nil {
			return nil, fmt.Errorf("gzipped IDX: %w", err)
		}
		return m, nil
	}
	return readIDX(br)
}

func readIDX(r io.Reader) (*IDX, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, shortRead("header", len(magic), n, err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("bad IDX magic number 0x%02x%02x%02x%02x: the first two bytes must be zero",
			magic[0], magic[1], magic[2], magic[3])
	}
	if typ := magic[2]; typ != idxTypeUByte {
		name, ok := idxTypeNames[typ]
		if !ok {
			name = "unknown"
		}
		return nil, fmt.Errorf("IDX type code 0x%02x (%s) not supported: only 0x08 (unsigned byte) is", typ, name)
	}
	nd := int(magic[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("IDX header has %d dimensions, want 1 to 4", nd)
	}
	hdr := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, hdr); err != nil {
		return nil, shortRead("header", len(hdr), n, err)
	}
	dims := make([]int, nd)
	size := 1
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(hdr[4*i:]))
		if d == 0 {
			return nil, fmt.Errorf("IDX dimension %d is zero", i)
		}
		if int64(size)*d > maxIDXBytes {
			return nil, fmt.Errorf("IDX dimensions %v announce more than %d bytes", readDims(hdr), maxIDXBytes)
		}
		dims[i] = int(d)
		size *= int(d)
	}
	if nd == 3 && dims[1]*dims[2] > MaxImagePixels {
		return nil, fmt.Errorf("IDX images of %d×%d = %d pixels are larger than the limit of %d (%s)",
			dims[1], dims[2], dims[1]*dims[2], MaxImagePixels, maxImageWhy)
	}
	data, err := readExactly(r, size, readChunk)
	if err != nil {
		return nil, err
	}
	if err := noTrailing(r, fmt.Sprintf("the %d bytes that dimensions %v hold", size, dims)); err != nil {
		return nil, err
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readDims decodes every dimension of an IDX header, for error messages.
func readDims(hdr []byte) []uint32 {
	d := make([]uint32, len(hdr)/4)
	for i := range d {
		d[i] = binary.BigEndian.Uint32(hdr[4*i:])
	}
	return d
}

// shortRead describes a failed io.ReadFull of want bytes that got n.
func shortRead(what string, want, n int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated %s: want %d bytes, got %d", what, want, n)
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// readExactly reads n bytes from r into a buffer that starts at chunk bytes
// and grows as the bytes arrive.
func readExactly(r io.Reader, n, chunk int) ([]byte, error) {
	buf := make([]byte, 0, min(n, chunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), len(buf)))
		}
		m, err := io.ReadFull(r, buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("truncated: want %d bytes of data, got %d", n, len(buf))
		}
		if err != nil {
			return nil, fmt.Errorf("reading data: %w", err)
		}
	}
	return buf, nil
}

// ReadIDXFile reads the IDX file at path, gzipped or not, as ReadIDX does.
// Its errors name the path.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError names the path.
	}
	defer f.Close()
	m, err := ReadIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Len returns the number of items in the file, its first dimension.
func (m *IDX) Len() int {
	return m.Dims[0]
}

// Image returns image i of an image file of dimensions (N, H, W), with the
// bytes divided by 255. It returns an error if the file is not 3-dimensional
// or i is not in [0, N).
func (m *IDX) Image(i int) (Gray, error) {
	if len(m.Dims) != 3 {
		return Gray{}, fmt.Errorf("IDX dimensions %v are not those of images (N, H, W)", m.Dims)
	}
	n, h, w := m.Dims[0], m.Dims[1], m.Dims[2]
	if i < 0 || i >= n {
		return Gray{}, fmt.Errorf("index %d out of range [0, %d)", i, n)
	}
	if len(m.Data) != n*h*w {
		panic(fmt.Sprintf("data: IDX with dimensions %v holds %d bytes, want %d", m.Dims, len(m.Data), n*h*w))
	}
	src := m.Data[i*h*w : (i+1)*h*w]
	pix := make([]float64, len(src))
	for j, b := range src {
		pix[j] = float64(b) / 255
	}
	return Gray{H: h, W: w, Pix: pix}, nil
}

// idxCache holds the IDX files read through cachedIDX, so that a process
// looking up many MNIST digits reads the 47 MB of training images once.
var idxCache = struct {
	sync.Mutex
	m map[string]*idxEntry
}{m: make(map[string]*idxEntry)}

type idxEntry struct {
	mu   sync.Mutex
	info os.FileInfo // of the file when idx was read
	idx  *IDX
}

// cachedIDX returns the IDX file at path, reading it only if it was not read
// before or it changed (size or modification time) since. The returned IDX
// is shared and must not be modified.
func cachedIDX(path string) (*IDX, error) {
	key, err := filepath.Abs(path)
	if err != nil {
		key = filepath.Clean(path)
	}
	idxCache.Lock()
	e, ok := idxCache.m[key]
	if !ok {
		e = new(idxEntry)
		idxCache.m[key] = e
	}
	idxCache.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if e.idx != nil && info.Size() == e.info.Size() && info.ModTime().Equal(e.info.ModTime()) {
		return e.idx, nil
	}
	m, err := ReadIDXFile(path)
	if err != nil {
		e.idx, e.info = nil, nil
		return nil, err
	}
	e.idx, e.info = m, info
	return m, nil
}
