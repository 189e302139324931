package data

import (
	"bytes"
	"image"
	"image/png"
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

// TestReadCSVValueLimit checks that ReadCSV stops at maxCSVValues numbers.
func TestReadCSVValueLimit(t *testing.T) {
	defer func(v int) { maxCSVValues = v }(maxCSVValues)
	maxCSVValues = 6
	if _, pts, err := ReadCSV(strings.NewReader("a,b\n1,2\n3,4\n5,6\n")); err != nil || len(pts) != 6 {
		t.Errorf("6 numbers: %v, error %v", pts, err)
	}
	_, _, err := ReadCSV(strings.NewReader("a,b\n1,2\n3,4\n5,6\n7,8\n"))
	if want := "line 5: more than 6 numbers, the most ReadCSV reads"; err == nil || err.Error() != want {
		t.Errorf("8 numbers: error %v, want %q", err, want)
	}
}
