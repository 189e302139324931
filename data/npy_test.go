package data

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyBytes builds a .npy file of the given version (1 or 2) whose header
// dict is dict, padded as numpy pads it (to a multiple of 64 bytes, ended
// by a newline), followed by data.
func npyBytes(version byte, dict string, data []byte) []byte {
	prefix := 10
	if version > 1 {
		prefix = 12
	}
	hdr := dict
	for (prefix+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	b := append([]byte(npyMagic), version, 0)
	if version == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	}
	return append(append(b, hdr...), data...)
}

// dict is the header dict that numpy writes for descr and shape.
func dict(descr, shape string) string {
	return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
}

// TestReadNPYTypes reads the values 1, -2, 3, 4, 5, 6 as a (3, 2) array of
// every supported element type and byte order (unsigned types hold 254 for
// -2, as numpy's astype wraps it).
func TestReadNPYTypes(t *testing.T) {
	vals := []float64{1, -2, 3, 4, 5, 6}
	for _, tc := range []struct {
		descr string
		put   func(b []byte, order binary.AppendByteOrder, v float64) []byte
		neg   float64 // what -2 reads as
	}{
		{"f8", func(b []byte, o binary.AppendByteOrder, v float64) []byte {
			return o.AppendUint64(b, math.Float64bits(v))
		}, -2},
		{"f4", func(b []byte, o binary.AppendByteOrder, v float64) []byte {
			return o.AppendUint32(b, math.Float32bits(float32(v)))
		}, -2},
		{"i8", func(b []byte, o binary.AppendByteOrder, v float64) []byte { return o.AppendUint64(b, uint64(int64(v))) }, -2},
		{"i4", func(b []byte, o binary.AppendByteOrder, v float64) []byte { return o.AppendUint32(b, uint32(int32(v))) }, -2},
		{"i2", func(b []byte, o binary.AppendByteOrder, v float64) []byte { return o.AppendUint16(b, uint16(int16(v))) }, -2},
		{"i1", func(b []byte, o binary.AppendByteOrder, v float64) []byte { return append(b, byte(int8(v))) }, -2},
		{"u8", func(b []byte, o binary.AppendByteOrder, v float64) []byte {
			return o.AppendUint64(b, uint64(uint8(int8(v))))
		}, 254},
		{"u4", func(b []byte, o binary.AppendByteOrder, v float64) []byte {
			return o.AppendUint32(b, uint32(uint8(int8(v))))
		}, 254},
		{"u2", func(b []byte, o binary.AppendByteOrder, v float64) []byte {
			return o.AppendUint16(b, uint16(uint8(int8(v))))
		}, 254},
		{"u1", func(b []byte, o binary.AppendByteOrder, v float64) []byte { return append(b, uint8(int8(v))) }, 254},
	} {
		orders := map[string]binary.AppendByteOrder{"<": binary.LittleEndian, ">": binary.BigEndian}
		if tc.descr[1] == '1' {
			orders = map[string]binary.AppendByteOrder{"|": binary.LittleEndian}
		}
		for prefix, order := range orders {
			descr := prefix + tc.descr
			t.Run(descr, func(t *testing.T) {
				var data []byte
				for _, v := range vals {
					data = tc.put(data, order, v)
				}
				for _, version := range []byte{1, 2} {
					p, err := ReadNPY(bytes.NewReader(npyBytes(version, dict(descr, "(3, 2)"), data)))
					if err != nil {
						t.Fatalf("version %d: %v", version, err)
					}
					want := slices.Clone(vals)
					want[1] = tc.neg
					if p.N != 3 || p.D != 2 || !slices.Equal(p.Data, want) {
						t.Errorf("version %d: got %d×%d %v, want 3×2 %v", version, p.N, p.D, p.Data, want)
					}
				}
			})
		}
	}
}

// TestReadNPYOneDim: shape (N,) is N points in R, and numpy's other
// spellings of a header (no trailing comma, double quotes, keys in another
// order) are read too.
func TestReadNPYOneDim(t *testing.T) {
	data := []byte{7, 8, 9}
	for _, d := range []string{
		dict("|u1", "(3,)"),
		`{"shape": (3,), "fortran_order": False, "descr": "|u1"}`,
	} {
		p, err := ReadNPY(bytes.NewReader(npyBytes(1, d, data)))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if p.N != 3 || p.D != 1 || !slices.Equal(p.Data, []float64{7, 8, 9}) {
			t.Errorf("%s: got %+v", d, p)
		}
	}
}

func TestReadNPYErrors(t *testing.T) {
	f8 := func(vals ...float64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	good := npyBytes(1, dict("<f8", "(2, 2)"), f8(1, 2, 3, 4))
	tooLong := binary.LittleEndian.AppendUint32(append([]byte(npyMagic), 2, 0), 1<<20)
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "truncated npy preamble: want 8 bytes, got 0"},
		{"not npy", []byte("x,y\n1,2\n3,4\n"), `not a .npy file: it starts "x,y\n1,"`},
		{"version", append([]byte(npyMagic), 4, 0, 0, 0), "npy format version 4.0 not supported"},
		{"header too long", tooLong, "npy header of 1048576 bytes: more than the limit of 65536"},
		{"fortran", npyBytes(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", f8(1, 2, 3, 4)), "fortran_order True (column-major data) is not supported"},
		{"float16", npyBytes(1, dict("<f2", "(2, 2)"), make([]byte, 8)), `element type "<f2" not supported`},
		{"complex", npyBytes(1, dict("<c16", "(2,)"), make([]byte, 32)), `element type "<c16" not supported`},
		{"object", npyBytes(1, dict("|O", "(2,)"), make([]byte, 16)), `element type "|O" not supported`},
		{"bad order", npyBytes(1, dict("|f8", "(2,)"), f8(1, 2)), `byte order '|' (not applicable) for a 8-byte type`},
		{"structured", npyBytes(1, "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (2,), }", f8(1, 2)), "structured arrays are not supported"},
		{"3-d", npyBytes(1, dict("<f8", "(1, 2, 2)"), f8(1, 2, 3, 4)), "shape [1 2 2]: want (N,) or (N, D)"},
		{"scalar", npyBytes(1, dict("<f8", "()"), f8(1)), "shape []: want (N,) or (N, D)"},
		{"one point", npyBytes(1, dict("<f8", "(1, 2)"), f8(1, 2)), "1 point(s): want at least 2"},
		{"zero columns", npyBytes(1, dict("<f8", "(2, 0)"), nil), "points of dimension 0: want at least 1"},
		{"huge", npyBytes(1, dict("<f8", "(2147483647, 2147483647)"), nil), "points of dimension 2147483647: more than the limit of 65536"},
		{"many rows", npyBytes(1, dict("<f8", "(100000000, 1)"), nil), "100000000 points: more than the limit of 16777216"},
		{"many values", npyBytes(1, dict("<f8", "(10000000, 1000)"), nil), "10000000 points of dimension 1000: more than the limit of 67108864 values"},
		{"overflow dim", npyBytes(1, dict("<f8", "(99999999999999999999, 2)"), nil), "too large"},
		{"no shape", npyBytes(1, "{'descr': '<f8', 'fortran_order': False}", nil), `no "shape" key`},
		{"extra key", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", nil), "want a string, True, False or a tuple"},
		{"garbage", npyBytes(1, "not a dict", nil), "at byte 0: want '{'"},
		{"truncated data", good[:len(good)-1], "truncated: want 32 bytes of data, got 31"},
		{"trailing", append(slices.Clone(good), 0), "trailing data: more bytes after the 32"},
		{"nan", npyBytes(1, dict("<f8", "(2, 2)"), f8(1, 2, math.NaN(), 4)), "row 1, column 0: not finite: NaN"},
		{"inf f4", npyBytes(1, dict(">f4", "(2,)"), binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 0), math.Float32bits(float32(math.Inf(-1))))), "row 1, column 0: not finite: -Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadNPY(bytes.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestReadNPYFileSize: a header that announces more data than the file
// holds is refused from the file's length, before any data is read.
func TestReadNPYFileSize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "short.npy")
	if err := os.WriteFile(path, npyBytes(1, dict("<f8", "(1000000, 50)"), make([]byte, 64)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadNPYFile(path)
	want := "short.npy: file of 192 bytes: the header (128 bytes) announces 1000000×50 <f8 values, 400000000 bytes of data, but 64 follow"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got error %v, want one containing %q", err, want)
	}
}

// FuzzReadNPY: no input makes ReadNPY panic, and what it accepts is
// consistent: N*D finite values, N >= 2.
func FuzzReadNPY(f *testing.F) {
	f.Add(npyBytes(1, dict("<f8", "(2, 2)"), make([]byte, 32)))
	f.Add(npyBytes(1, dict("<f8", "(2, 1)"), make([]byte, 16+4096))) // trailing data, as a pipe sends endlessly (issue 22)
	f.Add(npyBytes(2, dict(">i2", "(3,)"), make([]byte, 6)))
	f.Add(npyBytes(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 1), }", []byte{1, 2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		if p.N < 2 || p.D < 1 || len(p.Data) != p.N*p.D {
			t.Fatalf("accepted %d×%d with %d values", p.N, p.D, len(p.Data))
		}
		for _, v := range p.Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("accepted %v", v)
			}
		}
	})
}
