package data

import (
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		err = png.Encode(f, img)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
	default:
		t.Fatalf("writeImage: no encoder for %s", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadImageFile(t *testing.T) {
	dir := t.TempDir()

	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	rgba.Set(0, 0, color.NRGBA{255, 255, 255, 255}) // white: 1
	rgba.Set(1, 0, color.NRGBA{0, 0, 0, 255})       // black: 0
	rgba.Set(2, 0, color.NRGBA{255, 0, 0, 255})     // red: 0.299
	rgba.Set(0, 1, color.NRGBA{255, 255, 255, 128}) // half-transparent white: 128/255
	rgba.Set(1, 1, color.NRGBA{100, 100, 100, 255}) // gray: 100/255
	rgba.Set(2, 1, color.NRGBA{0, 0, 255, 0})       // transparent blue: 0
	wantRGBA := []float64{1, 0, 0.299, 128.0 / 255, 100.0 / 255, 0}

	gray := image.NewGray(image.Rect(0, 0, 2, 2))
	copy(gray.Pix, []byte{0, 51, 204, 255})
	wantGray := []float64{0, 0.2, 0.8, 1}

	uniform := func(c color.Color) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, 16, 8))
		for i := 0; i < len(img.Pix); i += 4 {
			r, g, b, a := c.RGBA()
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(r>>8), byte(g>>8), byte(b>>8), byte(a>>8)
		}
		return img
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		h, w int
		want []float64
		tol  float64
	}{
		{"rgba.png", rgba, 2, 3, wantRGBA, 1e-4},
		{"gray.png", gray, 2, 2, wantGray, 1e-15},
		// JPEG is lossy: a uniform picture at quality 100 comes back within
		// a couple of levels of 255.
		{"gray.jpg", uniform(color.Gray{200}), 8, 16, []float64{200.0 / 255, 200.0 / 255}, 2.0 / 255},
		{"red.JPEG", uniform(color.RGBA{255, 0, 0, 255}), 8, 16, []float64{0.299, 0.299}, 0.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			writeImage(t, path, tc.img)
			g, err := ReadImageFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkGray(t, g, tc.h, tc.w, tc.want, tc.tol)
			// The spec of a picture is its path.
			g2, err := LoadImage(path)
			if err != nil {
				t.Fatal(err)
			}
			checkGray(t, g2, tc.h, tc.w, g.Pix, 0)
		})
	}
}

func TestReadImageFileErrors(t *testing.T) {
	dir := t.TempDir()
	// A valid PNG cut short after its header.
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	full := filepath.Join(dir, "full.png")
	writeImage(t, full, img)
	b, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"truncated.png": b[:len(b)/2],
		"garbage.png":   append([]byte("\x89PNG\r\n\x1a\n"), strings.Repeat("x", 40)...),
		"text.jpg":      []byte("not a picture\n"),
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadImageFile(path)
			if err == nil || !strings.HasPrefix(err.Error(), path+": decode image: ") {
				t.Errorf("got error %v, want one starting %q", err, path+": decode image: ")
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "missing.png")
		_, err := ReadImageFile(path)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
			t.Errorf("got error %v, want a not-exist error naming %s", err, path)
		}
	})
}
