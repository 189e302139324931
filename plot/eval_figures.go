package plot

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sgm-dev/sgm"
)

// Figures as sgm's commands compose them from plain data: the histogram of
// samples, the default region of a mixture, score fields per noise level,
// a loss history read from its CSV file, and the score error per level.

// PointsBox is the smallest box holding the finite 2-D points, each side
// widened by pad times its width, or by 0.5 along an axis on which all the
// points lie at one value. It reports false when no point is finite.
func PointsBox(pts []float64, pad float64) (b Box, ok bool) {
	for i := 0; i+1 < len(pts); i += 2 {
		p := pts[i : i+2]
		if !finite(p[0]) || !finite(p[1]) {
			continue
		}
		if !ok {
			b = Box{Min: [2]float64{p[0], p[1]}, Max: [2]float64{p[0], p[1]}}
			ok = true
		}
		for k := range 2 {
			b.Min[k], b.Max[k] = min(b.Min[k], p[k]), max(b.Max[k], p[k])
		}
	}
	for k := range 2 {
		w := pad * (b.Max[k] - b.Min[k])
		if w == 0 {
			w = 0.5
		}
		b.Min[k], b.Max[k] = b.Min[k]-w, b.Max[k]+w
	}
	return b, ok
}

// GuessSpace is the space 2-D points look to be in: ImageSpace when at least
// 95% of the finite ones lie within 0.1 of the unit square, as samples of
// an image do (samplers leave a few outliers around it), Cartesian
// otherwise.
func GuessSpace(pts []float64) Space {
	near := Box{Min: [2]float64{-0.1, -0.1}, Max: [2]float64{1.1, 1.1}}
	n := 0 // finite points
	for i := 0; i+1 < len(pts); i += 2 {
		if finite(pts[i]) && finite(pts[i+1]) {
			n++
		}
	}
	if n > 0 && float64(near.Count(pts)) >= 0.95*float64(n) {
		return ImageSpace
	}
	return Cartesian
}

// ErrEmptyBox is the error of SamplesHistogram when no sample lies in its
// box.
var ErrEmptyBox = errors.New("no sample lies in the box")

// SamplesHistogram is the 2-D histogram of samples (the blog post's last
// figure) in space, with bins per axis, over box, or, when box is nil,
// over the unit square in ImageSpace and the finite samples' range padded
// by 5% otherwise (PointsBox), titled by how many samples it counts of how
// many. It returns an error when no sample is finite, or none lies in the
// box (wrapping ErrEmptyBox).
func SamplesHistogram(pts []float64, bins int, space Space, box *Box) (*Chart, error) {
	var b Box
	switch {
	case box != nil:
		b = *box
	case space == ImageSpace:
		b = UnitSquare
	default:
		var ok bool
		if b, ok = PointsBox(pts, 0.05); !ok {
			return nil, errors.New("no sample is finite")
		}
	}
	in, n := b.Count(pts), len(pts)/2
	if in == 0 {
		return nil, fmt.Errorf("none of the %d samples lies in the box %g,%g,%g,%g: %w", n, b.Min[0], b.Max[0], b.Min[1], b.Max[1], ErrEmptyBox)
	}
	title := fmt.Sprintf("%d samples", n)
	if in < n {
		title = fmt.Sprintf("%d of %d samples in the box", in, n)
	}
	return Histogram2D(pts, bins, b, space, title)
}

// FitBox returns the region to draw a 2-D density in by default: fixed
// when inner (its modes, say their means ± one standard deviation) lies
// strictly inside it and fixed is at most twice as wide and tall as the
// larger side of outer (the means ± a few standard deviations); otherwise
// the square around outer's centre with that larger side.
func FitBox(fixed, inner, outer Box) Box {
	inside := inner.Min[0] > fixed.Min[0] && inner.Max[0] < fixed.Max[0] && inner.Min[1] > fixed.Min[1] && inner.Max[1] < fixed.Max[1]
	half := max(outer.Max[0]-outer.Min[0], outer.Max[1]-outer.Min[1]) / 2
	if inside && fixed.Max[0]-fixed.Min[0] <= 4*half && fixed.Max[1]-fixed.Min[1] <= 4*half {
		return fixed
	}
	var b Box
	for k := range 2 {
		mid := (outer.Min[k] + outer.Max[k]) / 2
		b.Min[k], b.Max[k] = mid-half, mid+half
	}
	return b
}

// LevelFields is the blog post's Figure 3: the score at(l) at each of the
// levels over box, arrows per axis, a panel a level titled "level l:
// σ=..." followed by suffix, in rows of at most 3; o's Space and Under are
// used, its Titles and Cols set here. It returns an error naming a level
// outside 0..len(sigmas)-1.
func LevelFields(at func(level int) sgm.Scorer, sigmas []float64, levels []int, box Box, arrows int, suffix string, o FieldOptions) (*Panels, error) {
	fields := make([]Field, len(levels))
	o.Titles = make([]string, len(levels))
	for i, l := range levels {
		if l < 0 || l >= len(sigmas) {
			return nil, fmt.Errorf("level %d out of range: the model has levels 0..%d", l, len(sigmas)-1)
		}
		fields[i] = ScoreField(at(l), box, arrows)
		o.Titles[i] = fmt.Sprintf("level %d: σ=%.3g%s", l, sigmas[l], suffix)
	}
	o.Cols = min(3, len(levels))
	return FieldPanels(fields, o)
}

// maxLossLine is the longest line of a loss CSV: two numbers.
const maxLossLine = 1024

// ReadLossCSV reads a loss history CSV file (a step,loss header, then one
// step and loss a line, as sgm train writes it) as a stream into a
// LossSeries of DefaultLossPoints, in bounded memory whatever the file's
// length. Errors name the file and line.
func ReadLossCSV(path string) (*LossSeries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError names the path
	}
	defer f.Close()
	s := NewLossSeries(DefaultLossPoints)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, maxLossLine), maxLossLine)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			if h := strings.ReplaceAll(text, " ", ""); h != "step,loss" {
				return nil, fmt.Errorf("%s: header %q, want step,loss", path, cut(text, 40))
			}
			continue
		}
		if text == "" {
			continue
		}
		a, b, ok := strings.Cut(text, ",")
		var step, loss float64
		if ok {
			step, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
			if err == nil {
				loss, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
			}
		}
		if !ok || err != nil {
			return nil, fmt.Errorf("%s: line %d: %q is not a step and a loss", path, line, cut(text, 40))
		}
		s.Add(step, loss)
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return nil, fmt.Errorf("%s: line %d is longer than %d bytes", path, line+1, maxLossLine)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty file: want a step,loss header", path)
	}
	return s, nil
}

// cut returns s, or its first n bytes and "..." when it is longer.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Density is a 2-D density with its score, such as dist.Mixture: what
// MixtureScore and SavePath draw.
type Density interface {
	sgm.Scorer
	LogProb(x []float64) float64
	Prob(x []float64) float64
}

// MixtureScore is the blog post's Figure 1 of a density m: contours of
// log p on a 100×100 grid over box, with its score as arrows, arrows per
// axis, centred on cells so that none sticks out of the axes.
func MixtureScore(m Density, box Box, arrows int, title string) (*Chart, error) {
	return LogDensityField(DensityGrid(m.LogProb, box, 100), ScoreField(m, box, arrows), Cartesian, title)
}

// SavePath saves the blog post's Figure 2 into path: the density m's
// contours over box with a particle's path, a still (.png, .svg) or an
// animation (.gif, .mp4), by path's extension.
func SavePath(path string, m Density, box Box, particle []float64, title string) error {
	grid := DensityGrid(m.Prob, box, 100)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".gif", ".mp4":
		return AnimatePathFile(path, grid, particle, AnimOptions{Title: title})
	}
	fig, err := DensityPath(grid, particle, Cartesian, title)
	if err != nil {
		return err
	}
	return Save(fig, path)
}

// SaveTo returns a function that saves a figure into path, or returns the
// error it is given: SaveTo(path)(Curves(...)) draws and saves in one.
func SaveTo(path string) func(Figure, error) error {
	return func(fig Figure, err error) error {
		if err != nil {
			return err
		}
		return Save(fig, path)
	}
}
