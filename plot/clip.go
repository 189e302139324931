package plot

import (
	"math"

	"gonum.org/v1/plot/plotter"
)

// clipLines returns the parts of the polyline xys that lie in the
// rectangle r, in the coordinates of xys, as polylines of at least two points, broken where xys
// leaves r and at points that are not finite.
//
// Unlike draw.Canvas.ClipLinesXY, which interpolates from either end of a
// segment, it interpolates from the end nearer r, so that a segment from
// inside r to a point far outside it (a diverging Langevin chain reaches
// 1e65 and more) leaves r where it should rather than where rounding puts
// it. Points of xys in r are kept exactly.
func clipLines(xys plotter.XYs, r Box) []plotter.XYs {
	var lines []plotter.XYs
	var cur plotter.XYs
	flush := func() {
		if len(cur) > 1 {
			lines = append(lines, cur)
		}
		cur = nil
	}
	for k := 1; k < len(xys); k++ {
		p, q, ok := clipSegment(xys[k-1], xys[k], r)
		if !ok {
			flush()
			continue
		}
		if len(cur) == 0 || cur[len(cur)-1] != p {
			flush()
			cur = append(cur, p)
		}
		cur = append(cur, q)
	}
	flush()
	return lines
}

// clipSegment returns the part p–q of the segment a–b that lies in r, and
// false when none does or an end is not finite. An end in r is returned as
// it is.
func clipSegment(a, b plotter.XY, r Box) (p, q plotter.XY, ok bool) {
	if !finite(a.X) || !finite(a.Y) || !finite(b.X) || !finite(b.Y) {
		return p, q, false
	}
	if distance(b, r) < distance(a, r) {
		q, p, ok = clipSegment(b, a, r)
		return p, q, ok
	}
	// Liang–Barsky from a, the nearer end: the segment is a + t(b - a)
	// for t in [0, 1], and in r for t in [t0, t1].
	dx, dy := b.X-a.X, b.Y-a.Y
	if !finite(dx) || !finite(dy) {
		return p, q, false
	}
	t0, t1 := 0.0, 1.0
	for _, e := range [4]struct{ d, room float64 }{
		{-dx, a.X - r.Min[0]}, {dx, r.Max[0] - a.X},
		{-dy, a.Y - r.Min[1]}, {dy, r.Max[1] - a.Y},
	} {
		switch {
		case e.d == 0:
			if e.room < 0 {
				return p, q, false // parallel to this edge, outside it
			}
		case e.d < 0:
			t0 = math.Max(t0, e.room/e.d)
		default:
			t1 = math.Min(t1, e.room/e.d)
		}
	}
	if t0 > t1 {
		return p, q, false
	}
	at := func(t float64) plotter.XY {
		return plotter.XY{
			X: math.Min(math.Max(a.X+t*dx, r.Min[0]), r.Max[0]),
			Y: math.Min(math.Max(a.Y+t*dy, r.Min[1]), r.Max[1]),
		}
	}
	p, q = a, b
	if t0 > 0 {
		p = at(t0)
	}
	if t1 < 1 {
		q = at(t1)
	}
	return p, q, true
}

// distance is how far v lies outside r along the farther axis; it is
// negative inside r.
func distance(v plotter.XY, r Box) float64 {
	return math.Max(
		math.Max(r.Min[0]-v.X, v.X-r.Max[0]),
		math.Max(r.Min[1]-v.Y, v.Y-r.Max[1]),
	)
}
