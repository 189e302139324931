package data

import (
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG for image.Decode
	_ "image/png"  // register PNG for image.Decode
	"io"
	"os"
)

// MaxImagePixels is the most pixels that an image read by this package may
// have: 2^20, 1024×1024. A smoothed image is a mixture with one Gaussian
// per pixel (dist.Image.Smoothed), about 80 bytes each, and every score
// evaluation visits all of them; a small compressed file can declare far
// more pixels than that.
const MaxImagePixels = 1 << 20

// maxImageWhy says why for error messages.
const maxImageWhy = "1024×1024; every pixel is a Gaussian of the smoothed image"

// ReadImageFile reads a PNG or JPEG picture as a Gray image of the same size.
// The intensity of a pixel is its luminance times its opacity,
//
//	p = α (0.299 R + 0.587 G + 0.114 B),
//
// with R, G, B, α in [0, 1], so bright, opaque pixels carry the mass and
// transparent ones none. Use Gray.Inverted for dark drawings on a light
// background; dark strokes on a transparent background read as almost all
// zero, so flatten such a picture onto white first. The errors of an
// unreadable, corrupt, unsupported or too large (over MaxImagePixels) file
// name the path.
func ReadImageFile(path string) (Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return Gray{}, err // *fs.PathError names the path.
	}
	defer f.Close()
	g, err := ReadImage(f)
	if err != nil {
		return Gray{}, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// ReadImage reads a PNG or JPEG picture from r, from its current offset,
// as ReadImageFile does. It
// reads the picture's size first (image.DecodeConfig) and refuses one of
// more than MaxImagePixels pixels before decoding it.
func ReadImage(r io.ReadSeeker) (Gray, error) {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return Gray{}, fmt.Errorf("decode image: %w", err)
	}
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return Gray{}, fmt.Errorf("decode image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Gray{}, fmt.Errorf("%s image is empty (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxImagePixels {
		return Gray{}, fmt.Errorf("%s image of %dx%d = %d pixels is larger than the limit of %d (%s)",
			format, cfg.Width, cfg.Height, px, MaxImagePixels, maxImageWhy)
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return Gray{}, fmt.Errorf("decode image: %w", err)
	}
	img, format, err := image.Decode(r)
	if err != nil {
		return Gray{}, fmt.Errorf("decode image: %w", err)
	}
	b := img.Bounds()
	if b.Empty() || b.Dx()*b.Dy() > MaxImagePixels {
		return Gray{}, fmt.Errorf("%s image is %dx%d, not the %dx%d its header says", format, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return grayOf(img), nil
}

// grayOf converts img to intensities in [0, 1] as ReadImageFile documents.
func grayOf(img image.Image) Gray {
	b := img.Bounds()
	g := Gray{H: b.Dy(), W: b.Dx(), Pix: make([]float64, b.Dx()*b.Dy())}
	if gi, ok := img.(*image.Gray); ok {
		for y := range g.H {
			off := gi.PixOffset(b.Min.X, b.Min.Y+y)
			row := gi.Pix[off : off+g.W]
			for x, v := range row {
				g.Pix[y*g.W+x] = float64(v) / 255
			}
		}
		return g
	}
	for y := range g.H {
		for x := range g.W {
			// RGBA returns colour premultiplied by alpha, 16 bits a channel,
			// so this luminance is already scaled by the opacity.
			r, gr, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			p := (0.299*float64(r) + 0.587*float64(gr) + 0.114*float64(bl)) / 0xffff
			g.Pix[y*g.W+x] = min(max(p, 0), 1)
		}
	}
	return g
}
