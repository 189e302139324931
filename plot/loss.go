package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LossSeries holds a training-loss history in bounded memory: it keeps the
// losses in at most Max buckets of consecutive steps, each with the
// smallest, mean and largest loss and the mean step, doubling the steps
// per bucket whenever the buckets would exceed Max. A history of at most
// Max losses is kept exactly, one loss per bucket. Losses or steps that
// are NaN or infinite are counted and left out.
//
// The zero value is not usable: make one with NewLossSeries.
type LossSeries struct {
	max     int
	per     int // losses per full bucket
	buckets []lossBucket
	n       int // finite losses added
	dropped int // non-finite ones
}

type lossBucket struct {
	n            int
	sumX, sumY   float64
	minY, maxY   float64
	firstX, endX float64
}

// DefaultLossPoints is the number of buckets LossCurve keeps: more than
// the pixels across a loss figure.
const DefaultLossPoints = 10000

// NewLossSeries returns an empty series of at most max buckets. It panics
// if max < 2.
func NewLossSeries(max int) *LossSeries {
	if max < 2 {
		panic(fmt.Sprintf("plot: NewLossSeries(%d): need at least 2 buckets", max))
	}
	return &LossSeries{max: max, per: 1}
}

// Add appends the loss at step.
func (s *LossSeries) Add(step, loss float64) {
	if !finite(step) || !finite(loss) {
		s.dropped++
		return
	}
	s.n++
	if k := len(s.buckets) - 1; k >= 0 && s.buckets[k].n < s.per {
		b := &s.buckets[k]
		b.n++
		b.sumX += step
		b.sumY += loss
		b.minY, b.maxY = math.Min(b.minY, loss), math.Max(b.maxY, loss)
		b.endX = step
		return
	}
	if len(s.buckets) == s.max {
		s.halve()
	}
	s.buckets = append(s.buckets, lossBucket{n: 1, sumX: step, sumY: loss, minY: loss, maxY: loss, firstX: step, endX: step})
}

// halve merges the buckets in pairs and doubles the losses per bucket.
func (s *LossSeries) halve() {
	out := s.buckets[:0]
	for k := 0; k < len(s.buckets); k += 2 {
		b := s.buckets[k]
		if k+1 < len(s.buckets) {
			c := s.buckets[k+1]
			b.n += c.n
			b.sumX += c.sumX
			b.sumY += c.sumY
			b.minY, b.maxY = math.Min(b.minY, c.minY), math.Max(b.maxY, c.maxY)
			b.endX = c.endX
		}
		out = append(out, b)
	}
	s.buckets = out
	s.per *= 2
}

// Len returns the number of finite losses added.
func (s *LossSeries) Len() int { return s.n }

// Dropped returns the number of losses left out for not being finite.
func (s *LossSeries) Dropped() int { return s.dropped }

// PerBucket returns the number of losses in each full bucket: 1 while
// the series holds every loss.
func (s *LossSeries) PerBucket() int { return s.per }

// means returns each bucket's mean step and mean loss.
func (s *LossSeries) means() plotter.XYs {
	xys := make(plotter.XYs, len(s.buckets))
	for k, b := range s.buckets {
		xys[k] = plotter.XY{X: b.sumX / float64(b.n), Y: b.sumY / float64(b.n)}
	}
	return xys
}

// LossCurve draws the training loss against the step. steps is nil (the
// index is the step) or has one step per loss; other lengths panic (the
// caller's error). It is LossSeriesCurve of the losses kept in
// DefaultLossPoints buckets.
func LossCurve(steps, loss []float64, window int, title string) (*Chart, error) {
	if steps != nil && len(steps) != len(loss) {
		panic(fmt.Sprintf("plot: LossCurve: %d steps for %d losses", len(steps), len(loss)))
	}
	s := NewLossSeries(DefaultLossPoints)
	for k, l := range loss {
		x := float64(k)
		if steps != nil {
			x = steps[k]
		}
		s.Add(x, l)
	}
	return LossSeriesCurve(s, window, title)
}

// LossSeriesCurve draws the losses of s against the step. Losses or steps
// that were not finite are left out, and the title says how many; it is
// an error if none is left. The loss axis is logarithmic when every loss
// drawn is positive and linear otherwise; a loss that never changes is
// drawn across the middle of the axis. When s keeps more than one loss
// per bucket, the line goes through the buckets' means over a pale band
// from their smallest to their largest loss. A window > 1 draws the
// moving average over that many losses on top, the raw curve then pale,
// when there are more losses than that; the legend then sits in space
// left for it above the curves.
func LossSeriesCurve(s *LossSeries, window int, title string) (*Chart, error) {
	if s.n == 0 {
		if s.dropped == 0 {
			return nil, fmt.Errorf("no losses to draw")
		}
		return nil, fmt.Errorf("no finite loss to draw: %d NaN or infinite", s.dropped)
	}
	xys := s.means()
	p := newChartPlot(withNote(title, leftOutNote(s.dropped, "loss", "losses")), "step", "loss")
	p.Add(plotter.NewGrid())
	name := "loss"
	_, _, lo, hi := plotter.XYRange(xys)
	if s.per > 1 {
		band := make(plotter.XYs, 0, 2*len(s.buckets))
		for _, b := range s.buckets {
			band = append(band, plotter.XY{X: b.firstX, Y: b.maxY}, plotter.XY{X: b.endX, Y: b.maxY})
		}
		for k := len(s.buckets) - 1; k >= 0; k-- {
			b := s.buckets[k]
			band = append(band, plotter.XY{X: b.endX, Y: b.minY}, plotter.XY{X: b.firstX, Y: b.minY})
			lo, hi = math.Min(lo, b.minY), math.Max(hi, b.maxY)
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		poly.Color, poly.LineStyle.Width = blendWhite(blue, 0.2), 0
		p.Add(poly)
		name = fmt.Sprintf("loss, mean over %d steps (band: min to max)", s.per)
	}
	raw := &plotter.Line{XYs: xys, LineStyle: draw.LineStyle{Color: blue, Width: 1.2}}
	p.Add(raw)
	if len(xys) == 1 { // a line through one point draws nothing
		p.Add(&plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{Color: blue, Radius: 3, Shape: draw.CircleGlyph{}}})
	}
	w := window / s.per // the window in buckets
	if window > 1 && s.n > window && w > 1 && len(xys) > w {
		raw.LineStyle.Color = paleBlue
		raw.LineStyle.Width = 1
		avg := &plotter.Line{XYs: movingAverage(xys, w), LineStyle: draw.LineStyle{Color: orange, Width: 2}}
		p.Add(avg)
		p.Legend.Add(name, raw)
		p.Legend.Add(fmt.Sprintf("moving average of %d", w*s.per), avg)
		p.Legend.Top = true
		p.Legend.XOffs = -vg.Points(12) // keep the sample lines inside the canvas
	}
	useLogScale(&p.Y, lo, hi)
	if p.Legend.Top {
		makeRoom(&p.Y, hi, 0.2) // the legend's two lines
	}
	return &Chart{Plot: p, W: lossW, H: lossH}, nil
}

var paleBlue = blendWhite(blue, 0.45)

// movingAverage returns the mean of each window of w consecutive points,
// placed at the mean step of the window.
func movingAverage(xys plotter.XYs, w int) plotter.XYs {
	out := make(plotter.XYs, 0, len(xys)-w+1)
	var sx, sy float64
	for k, q := range xys {
		sx += q.X
		sy += q.Y
		if k >= w {
			sx -= xys[k-w].X
			sy -= xys[k-w].Y
		}
		if k >= w-1 {
			out = append(out, plotter.XY{X: sx / float64(w), Y: sy / float64(w)})
		}
	}
	return out
}
