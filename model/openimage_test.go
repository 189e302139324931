package model

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenImage reads a PNG as the distribution over its pixel centres and
// names the file when the image is no distribution (every pixel zero).
func TestOpenImage(t *testing.T) {
	dir := t.TempDir()
	writePNG := func(name string, lit bool) string {
		g := image.NewGray(image.Rect(0, 0, 3, 2))
		if lit {
			g.SetGray(1, 0, color.Gray{Y: 255})
		}
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, g); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, dark := writePNG("one.png", true), writePNG("dark.png", false)
	im, err := OpenImage(one)
	if err != nil {
		t.Fatalf("OpenImage(%s): %v", one, err)
	}
	if im.H != 2 || im.W != 3 {
		t.Errorf("OpenImage(%s): %dx%d pixels, want 2x3", one, im.H, im.W)
	}
	if tg, err := OpenTarget(one); err != nil || tg.Image == nil || tg.Image.W != 3 {
		t.Errorf("OpenTarget(%s) = %+v, %v; want the 2x3 image", one, tg, err)
	}
	_, err = OpenImage(dark)
	if err == nil || !strings.Contains(err.Error(), dark) {
		t.Errorf("OpenImage(all-zero image) = %v, want an error naming %s", err, dark)
	}
}
