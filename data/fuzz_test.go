package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// The fuzz targets below check that the readers of untrusted files return
// an error, never panic, and return what they promise when they succeed.
// Their seed corpora hold small versions of the inputs that crashed or
// exhausted memory in the reliability issue, so a plain "go test" replays
// them; "go test -fuzz FuzzReadIDX ./data" explores further.

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(8, []uint32{2, 2, 3}, tinyData))
	f.Add(idxBytes(8, []uint32{1, 40000, 40000}, nil)) // 12.8 GB of pixels from 1.5 MB
	f.Add(idxBytes(8, []uint32{1, 1025, 1024}, nil))
	f.Add(idxBytes(8, []uint32{1 << 16, 1 << 16}, nil))
	f.Add(idxBytes(8, []uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, nil))
	f.Add(idxBytes(0x0d, []uint32{1}, []byte{1, 2, 3, 4}))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		size := 1
		for _, d := range m.Dims {
			size *= d
		}
		if len(m.Data) != size || size > maxIDXBytes {
			t.Fatalf("dims %v with %d bytes", m.Dims, len(m.Data))
		}
		if len(m.Dims) == 3 {
			g, err := m.Image(0)
			if err != nil || len(g.Pix) != g.H*g.W || len(g.Pix) > MaxImagePixels {
				t.Fatalf("image 0 of dims %v: %d×%d with %d pixels, error %v", m.Dims, g.H, g.W, len(g.Pix), err)
			}
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add("x0,x1\n0.5,0.5\n-1,2\n")
	f.Add("a,b\n1," + strings.Repeat("9", 200) + "x\n") // a bad number echoed whole
	f.Add(strings.Repeat("1,", 100) + "1\n")            // a header of numbers
	f.Add("a,b\n1,2,3\n")
	f.Add("a\n\"unterminated\n")
	f.Add("a,b\n1e308,-1e308\nNaN,Inf\n")
	f.Add("\ufeffstep,loss\n1,1e308\n2,-1e308\n")        // a byte order mark; losses of ±1e308 (issue 22)
	f.Add("step,loss\n" + strings.Repeat("\x00", 1<<10)) // a .csv that is /dev/zero, cut short
	f.Fuzz(func(t *testing.T, s string) {
		header, pts, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			if len(err.Error()) > 4000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if len(header) == 0 || len(pts)%len(header) != 0 {
			t.Fatalf("%d header fields, %d numbers", len(header), len(pts))
		}
	})
}

// pngHeader returns a PNG whose IHDR declares a w×h grey picture, with a
// valid checksum, and no image data: DecodeConfig reads it, Decode fails.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	chunk := []byte("IHDR")
	chunk = binary.BigEndian.AppendUint32(chunk, w)
	chunk = binary.BigEndian.AppendUint32(chunk, h)
	chunk = append(chunk, 8, 0, 0, 0, 0) // 8-bit grey, no interlace
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

func FuzzReadImage(f *testing.F) {
	f.Add(pngBytes(f, 3, 2))
	f.Add(pngHeader(10000, 10000)) // 97 KB in the issue, > 10 GB decoded
	f.Add(pngHeader(1<<31-1, 1<<31-1))
	f.Add(pngHeader(0, 5))
	f.Add([]byte("not a picture"))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03")) // a JPEG frame header of 65535×65535
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ReadImage(bytes.NewReader(b))
		if err != nil {
			return
		}
		if g.H < 1 || g.W < 1 || len(g.Pix) != g.H*g.W || len(g.Pix) > MaxImagePixels {
			t.Fatalf("%d×%d image with %d pixels", g.H, g.W, len(g.Pix))
		}
		for _, p := range g.Pix {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("intensity %v outside [0, 1]", p)
			}
		}
	})
}
