package plot

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sgm-dev/sgm/internal/atomicfile"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// AnimOptions configures an animation of a particle's path. The zero
// value gives 300×300-pixel frames, at most 100 of them, 0.1 s apart, in
// Cartesian space, with no title.
type AnimOptions struct {
	// Size is the width and height of a frame in pixels; 0 means 300.
	Size int
	// Frames is the most frames to draw: a longer path is shown at that
	// many evenly spaced steps, the last frame showing the whole path.
	// 0 means 100.
	Frames int
	// Delay is the time between frames; 0 means 100 ms. GIF rounds it to
	// hundredths of a second and shows the last frame for at least 1 s
	// before it loops.
	Delay time.Duration
	// Space is the space of the density and the path.
	Space Space
	// Title is drawn above every frame.
	Title string
}

func (o AnimOptions) withDefaults() (AnimOptions, error) {
	if o.Size == 0 {
		o.Size = 300
	}
	if o.Frames == 0 {
		o.Frames = 100
	}
	if o.Delay == 0 {
		o.Delay = 100 * time.Millisecond
	}
	switch {
	case o.Size < 50:
		return o, fmt.Errorf("animation frames must be at least 50 pixels wide, got %d", o.Size)
	case o.Frames < 1:
		return o, fmt.Errorf("animation needs at least 1 frame, got %d", o.Frames)
	case o.Delay < 0:
		return o, fmt.Errorf("animation frame delay must be positive, got %v", o.Delay)
	}
	return o, nil
}

// AnimatePathGIF writes to w an animated GIF of a particle moving along
// path over the contours of the density p: frame k shows the path up to
// the k-th of opts.Frames evenly spaced steps, with the particle's current
// position marked in red. path is flat row-major as in DensityPath, and
// likewise drawn without dots when longer than 2000 positions.
func AnimatePathGIF(w io.Writer, p Grid, path []float64, opts AnimOptions) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	a, err := newAnimation(p, path, opts)
	if err != nil {
		return err
	}
	q := newQuantizer(a.finalFrame())
	delay := max(1, int(math.Round(opts.Delay.Seconds()*100)))
	anim := &gif.GIF{}
	var prev *image.Paletted
	err = a.frames(func(k int, img *image.RGBA) error {
		// Each frame after the first holds only the rectangle that
		// changed, drawn over the frame before.
		frame := q.paletted(img)
		sub := frame
		if prev != nil {
			sub = frame.SubImage(changed(prev, frame)).(*image.Paletted)
		}
		prev = frame
		anim.Image = append(anim.Image, sub)
		anim.Delay = append(anim.Delay, delay)
		anim.Disposal = append(anim.Disposal, gif.DisposalNone)
		return nil
	})
	if err != nil {
		return err
	}
	anim.Delay[len(anim.Delay)-1] = max(delay, 100)
	return gif.EncodeAll(w, anim)
}

// AnimatePathFile writes the animation of AnimatePathGIF to path: a GIF
// for .gif, or an MP4 for .mp4 when ffmpeg is on the PATH (see
// HaveFFmpeg). The file is written atomically. Any other extension, or
// .mp4 without ffmpeg, is an error naming the path.
func AnimatePathFile(path string, p Grid, particle []float64, opts AnimOptions) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".gif":
		return atomicfile.Write(path, func(w io.Writer) error {
			return AnimatePathGIF(w, p, particle, opts)
		})
	case ".mp4":
		return writeMP4(path, p, particle, opts)
	}
	return fmt.Errorf("animate %s: unknown animation format %q: use .gif or .mp4", path, filepath.Ext(path))
}

// HaveFFmpeg reports whether ffmpeg is on the PATH, so that
// AnimatePathFile can write MP4.
func HaveFFmpeg() bool {
	_, err := exec.LookPath("ffmpeg")
	return err == nil
}

// writeMP4 renders the frames as PNGs in a temporary directory and has
// ffmpeg encode them next to path before renaming the result over it.
func writeMP4(path string, p Grid, particle []float64, opts AnimOptions) error {
	ffmpeg, lookErr := exec.LookPath("ffmpeg")
	if lookErr != nil {
		return fmt.Errorf("animate %s: ffmpeg not found on PATH; write a .gif instead", path)
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	a, err := newAnimation(p, particle, opts)
	if err != nil {
		return err
	}
	// Frames that an earlier, killed sgm left in the temporary directory
	// go first.
	atomicfile.Sweep(os.TempDir())
	dir, err := atomicfile.TempDir()
	if err != nil {
		return fmt.Errorf("animate %s: %w", path, err)
	}
	defer atomicfile.RemoveTempDir(dir)
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	err = a.frames(func(k int, img *image.RGBA) error {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%05d.png", k)))
		if err != nil {
			return err
		}
		if err := enc.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		return fmt.Errorf("animate %s: %w", path, err)
	}

	// ffmpeg picks the container from the name, which WriteNamed's
	// temporary file ends in .mp4 too for.
	rate := fmt.Sprintf("%d/%d", time.Second.Microseconds(), max(1, opts.Delay.Microseconds()))
	return atomicfile.WriteNamed(path, func(tmp string) error {
		cmd := exec.Command(ffmpeg, "-y", "-loglevel", "error",
			"-framerate", rate, "-i", filepath.Join(dir, "%05d.png"),
			"-pix_fmt", "yuv420p", "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2",
			tmp)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ffmpeg: %w: %s", err, lastLines(out, 5))
		}
		return nil
	})
}

// changed returns the smallest rectangle holding every pixel where a and b
// differ, at least one pixel.
func changed(a, b *image.Paletted) image.Rectangle {
	r := image.Rectangle{}
	bounds := a.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		ra := a.Pix[a.PixOffset(bounds.Min.X, y):][:bounds.Dx()]
		rb := b.Pix[b.PixOffset(bounds.Min.X, y):][:bounds.Dx()]
		if bytes.Equal(ra, rb) {
			continue
		}
		x0 := 0
		for ra[x0] == rb[x0] {
			x0++
		}
		x1 := len(ra)
		for ra[x1-1] == rb[x1-1] {
			x1--
		}
		r = r.Union(image.Rect(bounds.Min.X+x0, y, bounds.Min.X+x1, y+1))
	}
	if r.Empty() {
		return image.Rect(bounds.Min.X, bounds.Min.Y, bounds.Min.X+1, bounds.Min.Y+1)
	}
	return r
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// animation draws the frames of a path over a density. The contours and
// axes are drawn once; each frame adds the path's new segments to the
// same image and marks the particle's position on it only while the frame
// is handed out.
type animation struct {
	canvas  *draw.Canvas // the data area
	img     *image.RGBA  // the image under canvas
	pts     []vg.Point   // the path on the page, NaN where not finite
	steps   []int        // index into pts of each frame's last point
	markers bool
}

func newAnimation(p Grid, path []float64, opts AnimOptions) (*animation, error) {
	pl, err := densityPlot(p, path, opts.Space, opts.Title)
	if err != nil {
		return nil, err
	}
	if len(path) == 0 {
		return nil, fmt.Errorf("path to animate is empty")
	}
	side := vg.Length(opts.Size) * vg.Inch / DPI
	// Shrink a title too wide for the frame, down to 8 points.
	ts := &pl.Title.TextStyle
	if w, room := ts.Width(pl.Title.Text), side-8; w > room {
		ts.Font.Size = max(8, ts.Font.Size*room/w)
	}
	c := newImageCanvas(side, side)
	fig := &Chart{Plot: pl, W: side, H: side, Square: true}
	fig.Draw(draw.New(c))
	main, _ := fig.layout(draw.New(c))
	da := pl.DataCanvas(main)
	trX, trY := pl.Transforms(&da)
	xys := opts.Space.points(path)
	a := &animation{canvas: &da, img: c.Image().(*image.RGBA), pts: make([]vg.Point, len(xys))}
	for k, q := range xys {
		a.pts[k] = vg.Point{X: vg.Length(math.NaN()), Y: vg.Length(math.NaN())}
		if finite(q.X) && finite(q.Y) {
			a.pts[k] = vg.Point{X: trX(q.X), Y: trY(q.Y)}
		}
	}
	n, f := len(a.pts), min(opts.Frames, len(a.pts))
	a.steps = make([]int, f)
	for k := range a.steps {
		a.steps[k] = n - 1
		if f > 1 {
			a.steps[k] = int(math.Round(float64(k) * float64(n-1) / float64(f-1)))
		}
	}
	a.markers = n <= maxMarkers
	return a, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// drawPath draws the path from point from to point to, both included.
func (a *animation) drawPath(from, to int) {
	run := make(plotter.XYs, 0, to-max(0, from-1)+1)
	for _, q := range a.pts[max(0, from-1) : to+1] {
		run = append(run, plotter.XY{X: float64(q.X), Y: float64(q.Y)})
	}
	c := a.canvas
	for _, l := range clipLines(run, Box{Min: [2]float64{float64(c.Min.X), float64(c.Min.Y)}, Max: [2]float64{float64(c.Max.X), float64(c.Max.Y)}}) {
		line := make([]vg.Point, len(l))
		for k, q := range l {
			line[k] = vg.Point{X: vg.Length(q.X), Y: vg.Length(q.Y)}
		}
		c.StrokeLines(pathLine, line)
	}
	if a.markers {
		for _, q := range a.pts[from : to+1] {
			if finite(float64(q.X)) {
				a.canvas.DrawGlyph(pathDot, q)
			}
		}
	}
}

// withHead marks the particle at point k, calls f with the image, and
// takes the mark off again.
func (a *animation) withHead(k int, f func(*image.RGBA) error) error {
	saved := slices.Clone(a.img.Pix)
	if q := a.pts[k]; finite(float64(q.X)) {
		a.canvas.DrawGlyph(headDot, q)
	}
	err := f(a.img)
	copy(a.img.Pix, saved)
	return err
}

// finalFrame returns a copy of the last frame, leaving the animation at
// its start.
func (a *animation) finalFrame() *image.RGBA {
	background := slices.Clone(a.img.Pix)
	last := a.steps[len(a.steps)-1]
	a.drawPath(0, last)
	var final *image.RGBA
	a.withHead(last, func(img *image.RGBA) error {
		final = &image.RGBA{Pix: slices.Clone(img.Pix), Stride: img.Stride, Rect: img.Rect}
		return nil
	})
	copy(a.img.Pix, background)
	return final
}

// frames calls emit with each frame in turn. The image is reused: emit
// must copy what it keeps.
func (a *animation) frames(emit func(k int, img *image.RGBA) error) error {
	next := 0
	for k, s := range a.steps {
		if s >= next {
			a.drawPath(next, s)
			next = s + 1
		}
		if err := a.withHead(s, func(img *image.RGBA) error { return emit(k, img) }); err != nil {
			return err
		}
	}
	return nil
}

// quantizer maps frames to a fixed palette of the commonest colours of a
// representative image, remembering the nearest palette entry of each
// colour it has seen. It does not dither, so that what does not move
// stays the same from frame to frame.
type quantizer struct {
	pal   color.Palette
	index map[[4]uint8]uint8
}

func newQuantizer(img *image.RGBA) *quantizer {
	count := map[[4]uint8]int{}
	for i := 0; i+3 < len(img.Pix); i += 4 {
		count[[4]uint8(img.Pix[i:i+4])]++
	}
	cols := make([][4]uint8, 0, len(count))
	for c := range count {
		cols = append(cols, c)
	}
	slices.SortFunc(cols, func(a, b [4]uint8) int {
		if d := cmp.Compare(count[b], count[a]); d != 0 {
			return d
		}
		return bytes.Compare(a[:], b[:])
	})
	cols = cols[:min(len(cols), 256)]
	q := &quantizer{pal: make(color.Palette, len(cols)), index: map[[4]uint8]uint8{}}
	for k, c := range cols {
		q.pal[k] = color.RGBA{R: c[0], G: c[1], B: c[2], A: c[3]}
	}
	return q
}

func (q *quantizer) paletted(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	out := image.NewPaletted(b, q.pal)
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*b.Dx()]
		dst := out.Pix[y*out.Stride : y*out.Stride+b.Dx()]
		for x := range dst {
			c := [4]uint8(row[4*x : 4*x+4])
			k, ok := q.index[c]
			if !ok {
				k = uint8(q.pal.Index(color.RGBA{R: c[0], G: c[1], B: c[2], A: c[3]}))
				q.index[c] = k
			}
			dst[x] = k
		}
	}
	return out
}
