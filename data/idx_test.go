package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

// idxBytes builds an IDX file of type code typ with the given dimensions
// followed by data.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tinyData is the content of testdata/tiny.idx: two 2×3 images, the second
// the mirror of the first.
var tinyData = []byte{0, 51, 102, 153, 204, 255, 255, 204, 153, 102, 51, 0}

func TestReadIDX(t *testing.T) {
	labels := []byte{5, 0, 4}
	for _, tc := range []struct {
		name string
		file []byte
		dims []int
		data []byte
	}{
		{"images", idxBytes(8, []uint32{2, 2, 3}, tinyData), []int{2, 2, 3}, tinyData},
		{"labels", idxBytes(8, []uint32{3}, labels), []int{3}, labels},
		{"4-d", idxBytes(8, []uint32{1, 1, 2, 1}, []byte{7, 9}), []int{1, 1, 2, 1}, []byte{7, 9}},
	} {
		for _, gz := range []bool{false, true} {
			name := tc.name
			file := tc.file
			if gz {
				name += "/gzip"
				file = gzipBytes(t, file)
			}
			t.Run(name, func(t *testing.T) {
				// OneByteReader checks that short reads are handled.
				m, err := ReadIDX(iotest.OneByteReader(bytes.NewReader(file)))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(m.Dims, tc.dims) || !bytes.Equal(m.Data, tc.data) {
					t.Errorf("got dims %v data %v, want %v %v", m.Dims, m.Data, tc.dims, tc.data)
				}
				if m.Len() != tc.dims[0] {
					t.Errorf("Len() = %d, want %d", m.Len(), tc.dims[0])
				}
			})
		}
	}
}

func TestReadIDXCorrupt(t *testing.T) {
	good := idxBytes(8, []uint32{2, 2, 3}, tinyData)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated header: want 4 bytes, got 0"},
		{"short magic", []byte{0, 0}, "truncated header: want 4 bytes, got 2"},
		{"truncated dims", good[:9], "truncated header: want 12 bytes, got 5"},
		{"bad magic", append([]byte{1}, good[1:]...), "bad IDX magic number 0x01000803: the first two bytes must be zero"},
		{"bad magic second byte", append([]byte{0, 7}, good[2:]...), "bad IDX magic number 0x00070803"},
		{"float32", idxBytes(0x0D, []uint32{1}, []byte{1, 2, 3, 4}), "IDX type code 0x0d (float32) not supported: only 0x08 (unsigned byte) is"},
		{"unknown type", idxBytes(0x42, []uint32{1}, []byte{1}), "IDX type code 0x42 (unknown) not supported"},
		{"no dims", idxBytes(8, nil, nil), "IDX header has 0 dimensions, want 1 to 4"},
		{"five dims", idxBytes(8, []uint32{1, 1, 1, 1, 1}, []byte{1}), "IDX header has 5 dimensions, want 1 to 4"},
		{"zero dim", idxBytes(8, []uint32{2, 0, 3}, nil), "IDX dimension 1 is zero"},
		{"absurd size", idxBytes(8, []uint32{1 << 16, 1 << 16}, nil), "IDX dimensions [65536 65536] announce more than 1073741824 bytes"},
		// The attack of the reliability issue: 1.5 MB gzipped, 12.8 GB as
		// float64 pixels.
		{"one huge image", idxBytes(8, []uint32{1, 40000, 40000}, nil), "IDX dimensions [1 40000 40000] announce more than 1073741824 bytes"},
		{"too many pixels", idxBytes(8, []uint32{1, 1025, 1024}, nil), "IDX images of 1025×1024 = 1049600 pixels are larger than the limit of 1048576"},
		{"truncated data", good[:len(good)-1], "truncated: want 12 bytes of data, got 11"},
		{"no data", good[:16], "truncated: want 12 bytes of data, got 0"},
		{"trailing bytes", append(slices.Clip(good), 1, 2), "trailing data: more bytes after the 12 bytes that dimensions [2 2 3] hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(tc.file))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got error %v, want one starting %q", err, tc.want)
			}
		})
		t.Run(tc.name+"/gzip", func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(gzipBytes(t, tc.file)))
			if want := "gzipped IDX: " + tc.want; err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got error %v, want one starting %q", err, want)
			}
		})
	}
}

func TestReadIDXBadGzip(t *testing.T) {
	gz := gzipBytes(t, idxBytes(8, []uint32{2, 2, 3}, tinyData))
	badCRC := slices.Clone(gz)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 is the 8th to 5th last byte
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"bad header", []byte{0x1f, 0x8b, 0, 0, 0, 0}, "gunzip: "},
		{"garbage", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{0xab}, 30)...), "gunzip: "},
		{"truncated stream", gz[:len(gz)-12], "gzipped IDX: "},
		{"bad checksum", badCRC, "gzipped IDX: reading past the data: gzip: invalid checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(tc.file))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got error %v, want one starting %q", err, tc.want)
			}
		})
	}
}

func TestReadExactly(t *testing.T) {
	src := make([]byte, 100)
	for i := range src {
		src[i] = byte(i)
	}
	// A chunk far smaller than the data exercises the buffer's growth.
	for _, chunk := range []int{1, 3, 64, 1000} {
		got, err := readExactly(iotest.HalfReader(bytes.NewReader(src)), len(src), chunk)
		if err != nil || !bytes.Equal(got, src) {
			t.Errorf("chunk %d: got %v, %v", chunk, got, err)
		}
		_, err = readExactly(bytes.NewReader(src[:77]), len(src), chunk)
		if want := "truncated: want 100 bytes of data, got 77"; err == nil || err.Error() != want {
			t.Errorf("chunk %d: got error %v, want %q", chunk, err, want)
		}
	}
	errBoom := errors.New("boom")
	_, err := readExactly(iotest.ErrReader(errBoom), 10, 4)
	if !errors.Is(err, errBoom) {
		t.Errorf("got error %v, want it to wrap %v", err, errBoom)
	}
}

func TestIDXImage(t *testing.T) {
	m, err := ReadIDXFile(filepath.Join("testdata", "tiny.idx"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]float64{{0, 0.2, 0.4, 0.6, 0.8, 1}, {1, 0.8, 0.6, 0.4, 0.2, 0}} {
		g, err := m.Image(i)
		if err != nil {
			t.Fatal(err)
		}
		checkGray(t, g, 2, 3, want, 1e-15)
	}
	for _, i := range []int{-1, 2, 60000} {
		_, err := m.Image(i)
		if want := "index " + strconv.Itoa(i) + " out of range [0, 2)"; err == nil || err.Error() != want {
			t.Errorf("Image(%d): got error %v, want %q", i, err, want)
		}
	}
	labels := &IDX{Dims: []int{3}, Data: []byte{1, 2, 3}}
	if _, err := labels.Image(0); err == nil || !strings.Contains(err.Error(), "not those of images") {
		t.Errorf("Image of a 1-d file: got error %v", err)
	}
}

func TestReadIDXFile(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.idx")
	if err := os.WriteFile(corrupt, []byte{0, 0, 8}, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadIDXFile(corrupt)
	if want := corrupt + ": truncated header: want 4 bytes, got 3"; err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
	missing := filepath.Join(dir, "missing.idx")
	_, err = ReadIDXFile(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("got error %v, want a not-exist error naming %s", err, missing)
	}
}

func TestCachedIDX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.idx")
	write := func(data []byte) {
		t.Helper()
		if err := os.WriteFile(path, idxBytes(8, []uint32{uint32(len(data))}, data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write([]byte{1, 2})
	a, err := cachedIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cachedIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("second read of an unchanged file was not served from the cache")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if m, err := cachedIDX(path); err != nil || m != a {
				t.Errorf("concurrent read: got %p, %v, want the cached %p", m, err, a)
			}
		})
	}
	wg.Wait()
	write([]byte{1, 2, 3})
	// Make the change visible even where timestamps are coarse.
	if err := os.Chtimes(path, time.Time{}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c, err := cachedIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	if c == a || c.Len() != 3 {
		t.Errorf("changed file: got %v, want it reread with 3 items", c.Dims)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := cachedIDX(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed file: got error %v, want not-exist", err)
	}
}

func TestInverted(t *testing.T) {
	g := Gray{H: 1, W: 3, Pix: []float64{0, 0.25, 1}}
	inv := g.Inverted()
	checkGray(t, inv, 1, 3, []float64{1, 0.75, 0}, 0)
	if g.Pix[1] != 0.25 {
		t.Error("Inverted modified its receiver")
	}
}

func checkGray(t *testing.T, g Gray, h, w int, want []float64, tol float64) {
	t.Helper()
	if g.H != h || g.W != w || len(g.Pix) != h*w {
		t.Fatalf("got %dx%d image with %d pixels, want %dx%d", g.H, g.W, len(g.Pix), h, w)
	}
	for i, v := range want {
		if math.Abs(g.Pix[i]-v) > tol {
			t.Errorf("pixel %d = %v, want %v ± %v", i, g.Pix[i], v, tol)
		}
	}
}
