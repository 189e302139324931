package numtest

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that notes a failure instead of reporting it.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Error(...any)          { r.failed = true }
func (r *recorder) Errorf(string, ...any) { r.failed = true }

// TestCheckFigure checks that a blank PNG, a tiny one and a missing file
// fail and a PNG with a gradient passes.
func TestCheckFigure(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, w, h int, fill func(x, y int) color.Color) string {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, fill(x, y))
			}
		}
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gradient := func(x, y int) color.Color { return color.Gray{Y: uint8(x)} }
	for _, c := range []struct {
		path string
		fail bool
	}{
		{write("gradient.png", 200, 200, gradient), false},
		{write("blank.png", 200, 200, func(int, int) color.Color { return color.White }), true},
		{write("tiny.png", 50, 50, gradient), true},
		{filepath.Join(dir, "missing.png"), true},
	} {
		r := &recorder{TB: t}
		CheckFigure(r, c.path)
		if r.failed != c.fail {
			t.Errorf("%s: failed %v, want %v", filepath.Base(c.path), r.failed, c.fail)
		}
	}
}
