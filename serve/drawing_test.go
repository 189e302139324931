package serve

import "math"

// ringAndBar returns the browser test's drawing as the page's pad makes it:
// a ring of radius 0.2 and a bar of length 0.3, strokes sampled every
// 0.005 of the way, coordinates rounded to 1e-4 (app.js, padAdd).
func ringAndBar() []float64 {
	var pts []float64
	stroke := func(ps [][2]float64) {
		var last *[2]float64
		for i := range ps {
			p := ps[i]
			if last == nil {
				pts = append(pts, p[0], p[1])
			} else {
				d := math.Hypot(p[0]-last[0], p[1]-last[1])
				m := max(1, int(math.Round(d/0.005)))
				for k := 1; k <= m; k++ {
					pts = append(pts, last[0]+(p[0]-last[0])*float64(k)/float64(m), last[1]+(p[1]-last[1])*float64(k)/float64(m))
				}
			}
			last = &ps[i]
		}
	}
	ring, bar := ringAndBarStrokes()
	stroke(ring)
	stroke(bar)
	for i := range pts {
		pts[i] = math.Round(pts[i]*1e4) / 1e4
	}
	return pts
}

// ringAndBarStrokes returns the strokes of the browser test's drawing in
// the pad's unit square, x1 up.
func ringAndBarStrokes() (ring, bar [][2]float64) {
	for k := 0; k <= 40; k++ {
		a := 2 * math.Pi * float64(k) / 40
		ring = append(ring, [2]float64{0.35 + 0.2*math.Cos(a), 0.6 + 0.2*math.Sin(a)})
	}
	for k := 0; k <= 20; k++ {
		bar = append(bar, [2]float64{0.6 + 0.3*float64(k)/20, 0.2})
	}
	return ring, bar
}
