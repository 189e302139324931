package plot

import "fmt"

// The figures of sgm demo (and of the sgm plot and eval commands that draw
// the same things), composed from plain numbers.

// ModeWeights draws the share of n chains each sampler of groups leaves
// near each mode of a mixture, with error bars (metric.BinomialSE), against the true weights
// truth: Song & Ermon's point that plain Langevin gets the weights of
// separated modes wrong and annealing fixes them. means are the modes'
// centres (2-D), target names the mixture. It panics if truth or a
// group's values do not have one value per mode.
func ModeWeights(target string, means [][]float64, truth []float64, groups []BarGroup, n int) (*Chart, error) {
	modes := make([]string, len(means))
	for i, m := range means {
		modes[i] = fmt.Sprintf("mode %d at (%g, %g)", i+1, m[0], m[1])
	}
	title := fmt.Sprintf("%s: mode weights of %d chains ± 1 s.e.", target, n)
	return GroupedBars(modes, groups, truth, "true weight", "share of the chains", title)
}

// ScoreErrorCurves draws a network's score error per noise level: the
// weighted Fisher divergence σ² E‖s − s*‖² and its size relative to
// σ² E‖s*‖² against σ, with a mark at the tolerance tol of the automatic
// level and, when picked >= 0, a vertical mark at the σ of the level
// picked (named a fallback when fallback is set).
func ScoreErrorCurves(sigma, fisher, relative []float64, tol float64, picked int, fallback bool, title string) (*Chart, error) {
	s := Series{Name: "σ² E‖s(x, σ; θ) − s*(x, σ)‖²", X: sigma, Y: fisher}
	r := Series{Name: "relative to σ² E‖s*(x, σ)‖²", X: sigma, Y: relative}
	marks := []Mark{{Name: fmt.Sprintf("tolerance %g of sample --level auto", tol), At: tol}}
	if picked < 0 {
		marks[0].Name += ": no level usable"
	} else {
		name := fmt.Sprintf("level it picks: %d (σ=%.3g)", picked, sigma[picked])
		if fallback {
			name += ", a fallback"
		}
		marks = append(marks, Mark{Name: name, Vertical: true, At: sigma[picked]})
	}
	return Curves([]Series{s, r}, "noise level σ", "score error", title, marks...)
}

// NFEPoint is one sampler's run in an NFECurves figure: its number of
// score evaluations and the W₂ of its samples to exact ones.
type NFEPoint struct {
	Sampler string
	NFE     int
	W2      float64
}

// NFECurves draws sample quality against cost: one curve per sampler of
// names through its points of pts (in their order), and the noise floor
// floor, W₂ between two sets of exact samples, which the curves approach
// from above.
func NFECurves(names []string, pts []NFEPoint, floor float64, title string) (*Chart, error) {
	var series []Series
	for _, name := range names {
		s := Series{Name: name}
		for _, pt := range pts {
			if pt.Sampler == name {
				s.X = append(s.X, float64(pt.NFE))
				s.Y = append(s.Y, pt.W2)
			}
		}
		series = append(series, s)
	}
	return Curves(series, "score evaluations (NFE)", "W₂ to exact samples", title,
		Mark{Name: "floor: W₂ between exact samples", At: floor, Floor: true})
}

// Loss draws a training loss history (loss[i] at steps[i]) with its moving
// average over a fiftieth of the steps, as sgm train's loss.png, in the
// bounded memory of a LossSeries of DefaultLossPoints. It panics if the
// slices differ in length.
func Loss(steps, loss []float64, title string) (*Chart, error) {
	if len(steps) != len(loss) {
		panic(fmt.Sprintf("plot: Loss: %d steps, %d losses", len(steps), len(loss)))
	}
	s := NewLossSeries(DefaultLossPoints)
	for i := range steps {
		s.Add(steps[i], loss[i])
	}
	return LossSeriesCurve(s, max(1, s.Len()/50), title)
}

// FieldLevels picks the levels of a figure of learned fields (FieldPanels)
// for a schedule of L levels, as the blog post does, which zips its 3×3
// grid with range(0, 30, 3) and so draws levels 0, 3, ..., 24 of its 30:
// nine levels a tenth of the schedule apart (every level when L < 20), or
// all L when L <= 9.
func FieldLevels(L int) []int {
	step := max(1, L/10)
	out := make([]int, 0, 9)
	for l := 0; l < L && len(out) < 9; l += step {
		out = append(out, l)
	}
	return out
}
