package numtest

import (
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// CheckFigure checks that the figure file at path shows something: a PNG
// of at least 100×100 pixels and five colours, a GIF of two frames or
// more (an animation), an MP4 that is not empty.
func CheckFigure(t testing.TB, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	switch filepath.Ext(path) {
	case ".png":
		img, err := png.Decode(f)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		b := img.Bounds()
		colours := map[[4]uint32]bool{}
		for y := b.Min.Y; y < b.Max.Y; y += 3 {
			for x := b.Min.X; x < b.Max.X; x += 3 {
				r, g, bl, a := img.At(x, y).RGBA()
				colours[[4]uint32{r, g, bl, a}] = true
			}
		}
		if b.Dx() < 100 || b.Dy() < 100 || len(colours) < 5 {
			t.Errorf("%s: %dx%d with %d colours looks empty", path, b.Dx(), b.Dy(), len(colours))
		}
	case ".gif":
		g, err := gif.DecodeAll(f)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		if len(g.Image) < 2 {
			t.Errorf("%s: %d frames, want an animation", path, len(g.Image))
		}
	case ".mp4":
		if fi, err := f.Stat(); err != nil || fi.Size() == 0 {
			t.Errorf("%s: empty", path)
		}
	}
}
