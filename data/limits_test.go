package data

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestReadIDXPixelLimit checks that an IDX header is checked against
// MaxImagePixels before its data is read: the limit itself is allowed (the
// error is then the missing data), one pixel more is not.
func TestReadIDXPixelLimit(t *testing.T) {
	_, err := ReadIDX(bytes.NewReader(idxBytes(8, []uint32{1, 1024, 1024}, nil)))
	if err == nil || !strings.HasPrefix(err.Error(), "truncated: want 1048576 bytes") {
		t.Errorf("1×1024×1024: error %v, want the data missing", err)
	}
	_, err = ReadIDX(bytes.NewReader(idxBytes(8, []uint32{1, 1, 1048577}, nil)))
	if err == nil || !strings.Contains(err.Error(), "larger than the limit of 1048576") {
		t.Errorf("1×1×1048577: error %v, want the pixel limit", err)
	}
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadImagePixelLimit checks that a picture's size is read before it
// is decoded: a small PNG declaring more than MaxImagePixels is refused.
func TestReadImagePixelLimit(t *testing.T) {
	g, err := ReadImage(bytes.NewReader(pngBytes(t, 1024, 1024)))
	if err != nil || g.H != 1024 || g.W != 1024 {
		t.Errorf("1024×1024: %d×%d, error %v", g.H, g.W, err)
	}
	big := pngBytes(t, 1025, 1024)
	_, err = ReadImage(bytes.NewReader(big))
	if err == nil || !strings.Contains(err.Error(), "png image of 1025x1024 = 1049600 pixels is larger than the limit of 1048576") {
		t.Errorf("1025×1024: error %v, want the pixel limit", err)
	}
	// From an offset: the size is read, then the picture from there.
	r := bytes.NewReader(append([]byte("junk"), pngBytes(t, 3, 2)...))
	r.Seek(4, 0)
	if g, err := ReadImage(r); err != nil || g.H != 2 || g.W != 3 {
		t.Errorf("at offset 4: %d×%d, error %v", g.H, g.W, err)
	}
}

// TestReadCSVClipsEcho checks that an error repeats at most 40 bytes of a
// field: a 1 MB bad number gives a short message.
func TestReadCSVClipsEcho(t *testing.T) {
	long := strings.Repeat("9", 1<<20) + "x"
	for name, file := range map[string]string{
		"number":            "a,b\n1," + long + "\n",
		"header of numbers": strings.Repeat("1,", 1000) + "1\n",
		"field count":       strings.Repeat("c,", 1000) + "c\n1,2\n",
	} {
		// The whole file would be 2 to 4 KB in the message; 40 fields of one
		// byte each, quoted, take 200.
		_, _, err := ReadCSV(strings.NewReader(file))
		if err == nil || len(err.Error()) > 400 {
			t.Errorf("%s: error %.500v, want a short one", name, err)
		}
	}
	_, _, err := ReadCSV(strings.NewReader("a,b\n1," + long + "\n"))
	if want := `line 2, column "b": bad number "9999999999999999999999999999999999999999... (1048577 bytes)"`; err == nil || err.Error() != want {
		t.Errorf("error %.200v, want %s", err, want)
	}
}

// TestReadCSVValueLimit checks that ReadCSV stops at the limit of numbers.
func TestReadCSVValueLimit(t *testing.T) {
	lim := defaultLimits
	lim.values = 6
	if _, pts, err := readCSV(strings.NewReader("a,b\n1,2\n3,4\n5,6\n"), lim); err != nil || len(pts) != 6 {
		t.Errorf("6 numbers: %v, error %v", pts, err)
	}
	_, _, err := readCSV(strings.NewReader("a,b\n1,2\n3,4\n5,6\n7,8\n"), lim)
	if want := "line 5: more than the limit of 6 numbers"; err == nil || err.Error() != want {
		t.Errorf("8 numbers: error %v, want %q", err, want)
	}
}

// endless is an input of n bytes of b (or of trailing after head), made up
// as it is read, counting what was read: a CSV path that is /dev/zero, or
// a pipe that does not end.
type endless struct {
	head     []byte
	b        byte
	n, taken int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.taken >= e.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), e.n-e.taken)]
	k := copy(p, e.head[min(int(e.taken), len(e.head)):])
	for i := k; i < len(p); i++ {
		p[i] = e.b
	}
	e.taken += int64(len(p))
	return len(p), nil
}

// TestCSVReadersEndlessLine checks that a CSV input without a newline (a
// .csv path that is /dev/zero: 9.5 GB of memory in the issue, and growing)
// is refused after MaxLineBytes, not held in memory until the byte limit,
// by every CSV reader. The input is 64 MiB here, not endless, so that a
// reader without the line limit ends (and fails the test) instead of
// hanging.
func TestCSVReadersEndlessLine(t *testing.T) {
	const slack = 1 << 16 // read-ahead of bufio and encoding/csv
	for name, read := range map[string]func(io.Reader) error{
		"ReadPointsCSV": func(r io.Reader) error { _, _, err := ReadPointsCSV(r); return err },
		"ReadCSV":       func(r io.Reader) error { _, _, err := ReadCSV(r); return err },
	} {
		for _, b := range []byte{0, '7'} {
			in := &endless{b: b, n: 64 << 20}
			err := read(in)
			want := fmt.Sprintf("line 1: longer than the limit of %d bytes", MaxLineBytes)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("%s of %q bytes: error %v, want %q", name, b, err, want)
			}
			if in.taken > MaxLineBytes+slack {
				t.Errorf("%s of %q bytes: read %d bytes, want at most %d", name, b, in.taken, MaxLineBytes+slack)
			}
		}
	}
	// The line that passes the limit is the one named, after good lines.
	lim := defaultLimits
	lim.line = 8
	_, _, err := readPointsCSV(strings.NewReader("1,2\n3,4\n123456,78\n"), lim)
	if want := "line 3: longer than the limit of 8 bytes"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("a long third line: error %v, want %q", err, want)
	}
	if p, _, err := readPointsCSV(strings.NewReader("1234,678\n3,4\n"), lim); err != nil || p.N != 2 {
		t.Errorf("lines of exactly the limit: %+v, error %v", p, err)
	}
}

// TestReadCSVByteOrderMark checks that ReadCSV, as ReadPointsCSV, skips a
// byte order mark rather than making it part of the first column's name.
func TestReadCSVByteOrderMark(t *testing.T) {
	header, pts, err := ReadCSV(strings.NewReader("\ufeffstep,loss\n1,0.5\n"))
	if err != nil || !slices.Equal(header, []string{"step", "loss"}) || !slices.Equal(pts, []float64{1, 0.5}) {
		t.Errorf("header %q, numbers %v, error %v", header, pts, err)
	}
}

// TestReadNPYEndlessTrailing checks that bytes after an array's data are
// refused on the first one, not counted to the end: a pipe of endless
// trailing data ran on forever (and past SIGTERM). The trailing data is
// 256 MiB here, not endless, so that a reader that counts it ends.
func TestReadNPYEndlessTrailing(t *testing.T) {
	good := npyBytes(1, dict("<f8", "(2, 1)"), make([]byte, 16))
	for name, read := range map[string]func(io.Reader) error{
		"ReadNPY": func(r io.Reader) error { _, err := ReadNPY(r); return err },
		"ReadIDX": func(r io.Reader) error { _, err := ReadIDX(r); return err },
	} {
		head := good
		if name == "ReadIDX" {
			head = idxBytes(8, []uint32{2, 2, 3}, tinyData)
		}
		in := &endless{head: head, b: 1, n: int64(len(head)) + 256<<20}
		err := read(in)
		if err == nil || !strings.Contains(err.Error(), "trailing data: more bytes after") {
			t.Errorf("%s: error %v, want trailing data", name, err)
		}
		if in.taken > int64(len(head))+1<<16 {
			t.Errorf("%s: read %d bytes of %d, want the data and at most one buffer more", name, in.taken, len(head))
		}
	}
}

// TestNumbers checks that the chunked accumulator of the CSV readers gives
// back what was added, in order, across chunk boundaries, and an empty,
// non-nil slice when nothing was.
func TestNumbers(t *testing.T) {
	for _, n := range []int{0, 1, 64, 65, maxChunk, 2*maxChunk + 7} {
		var s numbers
		for i := range n {
			s.add(float64(i))
		}
		got := s.Slice()
		if got == nil || len(got) != n || s.Len() != n {
			t.Fatalf("%d numbers: Slice of length %d (nil %v), Len %d", n, len(got), got == nil, s.Len())
		}
		for i, v := range got {
			if v != float64(i) {
				t.Fatalf("%d numbers: [%d] = %v", n, i, v)
			}
		}
	}
}
