package data

import (
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG for image.Decode
	_ "image/png"  // register PNG for image.Decode
	"os"
)

// ReadImageFile reads a PNG or JPEG picture as a Gray image of the same size.
// The intensity of a pixel is its luminance times its opacity,
//
//	p = α (0.299 R + 0.587 G + 0.114 B),
//
// with R, G, B, α in [0, 1], so bright, opaque pixels carry the mass and
// transparent ones none. Use Gray.Inverted for dark drawings on a light
// background; dark strokes on a transparent background read as almost all
// zero, so flatten such a picture onto white first. The errors of an unreadable, corrupt or unsupported file name
// the path.
func ReadImageFile(path string) (Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return Gray{}, err // *fs.PathError names the path.
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil {
		return Gray{}, fmt.Errorf("%s: decode image: %w", path, err)
	}
	b := img.Bounds()
	if b.Empty() {
		return Gray{}, fmt.Errorf("%s: %s image is empty (%dx%d)", path, format, b.Dx(), b.Dy())
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
