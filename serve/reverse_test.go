package serve

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/dist"
)

// coordMoments returns the mean, the variance and the fourth central moment of
// coordinate j of flat 2-D points x.
func coordMoments(x []float64, j int) (mean, v, m4 float64) {
	n := float64(len(x) / 2)
	for i := j; i < len(x); i += 2 {
		mean += x[i] / n
	}
	for i := j; i < len(x); i += 2 {
		d := x[i] - mean
		v += d * d / n
		m4 += d * d * d * d / n
	}
	return mean, v, m4
}

// TestReverseMoments runs every SDE sampler of POST /api/reverse on the
// exact score of two presets under each SDE and compares the particles'
// per-coordinate mean and variance with the mixture's,
//
//	E x_j = Σ_k w_k μ_kj,   Var x_j = Σ_k w_k (σ_kj² + μ_kj²) - (E x_j)²,
//
// in standard errors of the estimates: √(Var/n) for the mean and
// √((m₄ - Var²)/n) for the variance (m₄ the fourth central moment).
// Exact samples stay within 4.5 of them at this test's 17 × 2 × 4
// comparisons (two-sided p = 7e-6 each); the samplers' discretisation
// bias at their default NFE and the stop at t = 10⁻³ add a little, which
// the 0.02 absolute allowance (2% of a unit variance) covers. A broken
// sampler, a missing final step or the wrong SDE misses by tens of
// standard errors.
func TestReverseMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 17 samplers on 4,000 particles")
	}
	s, _ := newTestServer(t, Limits{})
	for _, preset := range []string{"seed-mog", "two-modes-unequal"} {
		tg, err := resolve(Spec{Preset: preset}, s.lim)
		if err != nil {
			t.Fatal(err)
		}
		mix, _ := dist.Preset(preset)
		var wantMean, wantVar [2]float64
		for _, c := range mix.Components() {
			for j := range 2 {
				wantMean[j] += c.Weight * c.Mean[j]
				wantVar[j] += c.Weight * (c.Std[j]*c.Std[j] + c.Mean[j]*c.Mean[j])
			}
		}
		for j := range 2 {
			wantVar[j] -= wantMean[j] * wantMean[j]
		}
		for _, sdeName := range []string{"ve", "vp", "subvp"} {
			for _, smp := range reverseSamplers {
				if smp == "ddim" && sdeName != "vp" {
					continue
				}
				if preset == "two-modes-unequal" && (smp == "em" || smp == "pc") {
					continue // the slow ones once is enough
				}
				req := &reverseRequest{SDE: sdeName, Sampler: smp, N: 4000, Seed: 7, Frames: 10}
				res, err := s.reverse(context.Background(), req, tg)
				if err != nil {
					t.Fatalf("%s %s %s: %v", preset, sdeName, smp, err)
				}
				last := res.Frames[len(res.Frames)-1]
				x, err := decodePoints("x", last.X, 5000)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Frames) < 11 || len(res.Frames) > 22 || res.Frames[0].T != 1 {
					t.Errorf("%s %s %s: %d frames, the first at t = %v; want 11 to 21 from t = 1", preset, sdeName, smp, len(res.Frames), res.Frames[0].T)
				}
				for j := range 2 {
					m, v, m4 := coordMoments(x, j)
					n := float64(len(x) / 2)
					zm := math.Abs(m-wantMean[j]) / (math.Sqrt(v/n) + 0.02)
					zv := math.Abs(v-wantVar[j]) / (math.Sqrt((m4-v*v)/n) + 0.02*wantVar[j])
					if zm > 4.5 || zv > 4.5 {
						t.Errorf("%s %s %s (NFE %d) x%d: mean %.4f, var %.4f; want %.4f, %.4f (%.1f and %.1f standard errors off)",
							preset, sdeName, smp, res.NFE, j, m, v, wantMean[j], wantVar[j], zm, zv)
					}
				}
			}
		}
	}
}

// TestReverseAPI checks the endpoint's answer and its one-line refusals.
func TestReverseAPI(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	var res reverseResponse
	postOK(t, ts.URL+"/api/reverse", map[string]any{"target": Spec{Preset: "seed-mog"}, "sde": "vp", "sampler": "heun", "n": 500, "frames": 8}, &res)
	if res.NFE != 35 || res.Sampler != "heun" || !strings.HasPrefix(res.SDE, "vp") {
		t.Errorf("got NFE %d, sampler %q, SDE %q; want 35, heun, vp(...)", res.NFE, res.Sampler, res.SDE)
	}
	if len(res.Frames) < 9 || res.Metrics.W2 == nil || len(res.Metrics.Modes) != 2 {
		t.Errorf("got %d frames and metrics %+v", len(res.Frames), res.Metrics)
	}
	for _, c := range []struct {
		body any
		want string
	}{
		{map[string]any{"target": Spec{Toy: "moons"}}, "only mixtures"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "sde": "xx"}, "must be one of ve, vp, subvp"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "sampler": "rk4"}, "must be one of em, pc, ode"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "sampler": "ddim", "sde": "ve"}, "ddim needs the vp SDE"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "sampler": "ode", "nfe": 10}, "leave nfe 0"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "nfe": 1}, "nfe 1: must be in"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "n": 5001}, "n 5001: must be in"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "frames": 1}, "frames 1: must be in"},
		{map[string]any{"target": Spec{Preset: "seed-mog"}, "sampler": "em", "nfe": 2000, "n": 5000}, "nfe × n: at most"},
	} {
		code, b := post(t, ts.URL+"/api/reverse", c.body)
		if code != http.StatusBadRequest || !strings.Contains(string(b), c.want) || strings.Count(string(b), "\n") != 1 {
			t.Errorf("%v: status %d, %s; want 400 with %q", c.body, code, b, c.want)
		}
	}
}

// TestRecorderThins checks that the recorder keeps between max and 2 max
// frames, evenly spaced from the first evaluation, for any NFE.
func TestRecorderThins(t *testing.T) {
	for _, calls := range []int{1, 5, 9, 10, 11, 100, 1001} {
		r := &recorder{score: nopScore{}, max: 5, stride: 1}
		x := []float64{0, 0}
		for c := range calls {
			x[0] = float64(c)
			r.ScoreAt(make([]float64, 2), x, 0)
		}
		if n := len(r.frames); n > 10 || n < min(calls, 5) {
			t.Errorf("%d calls: %d frames, want %d to 10", calls, n, min(calls, 5))
		}
		for i, f := range r.frames {
			if f.x[0] != float64(i*r.stride) {
				t.Errorf("%d calls: frame %d is of call %v, want %d", calls, i, f.x[0], i*r.stride)
			}
		}
	}
}

type nopScore struct{}

func (nopScore) Dim() int                            { return 2 }
func (nopScore) ScoreAt(dst, x []float64, t float64) {}
