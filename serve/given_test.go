package serve

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
)

// eight is the 8gaussians toy, a Gaussian mixture whose conditionals are
// known: centre 2 is (0, 4/1.414), centre 3 (0, -4/1.414), the others
// at x0 = ±2 or ±2.83, all with standard deviation 0.5/1.414.
var eight = Spec{Toy: "8gaussians"}

// x1Share returns the share of the particles x whose x1 is above 0, and
// whether every x0 equals v exactly.
func x1Share(x []float64, v float64) (above float64, held bool) {
	held = true
	k := 0
	for i := 0; i < len(x); i += 2 {
		if x[i+1] > 0 {
			k++
		}
		held = held && x[i] == v
	}
	return float64(k) / float64(len(x)/2), held
}

// TestStepConditionExact samples 8gaussians with the exact score given
// x0 = 0.3, where the conditional's weight sits on centres 2 and 3 (the
// others are at x0 = ±2 or more, 4.8 standard deviations away): x0 stays
// exactly 0.3; unconditioned on a label, the share of particles above
// x1 = 0 is /api/given's weight of centre 2 (0.5), within 4 binomial
// standard errors; with label 2 nearly all (0.99: one standard
// deviation of the conditional is 0.35, its mean 2.83), with and without
// guidance; the answers repeat the conditioning. Plain Langevin holds x0
// too.
func TestStepConditionExact(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	const n = 1000
	v := 0.3
	var g givenResponse
	postOK(t, ts.URL+"/api/given", givenRequest{Target: eight, V: v}, &g)
	if len(g.Weights) != 8 || math.Abs(g.Weights[2]-0.5) > 1e-3 || math.Abs(g.Weights[3]-0.5) > 1e-3 {
		t.Fatalf("weights given x0 = %v: %v, want about 0.5 at centres 2 and 3", v, g.Weights)
	}
	for _, c := range []struct {
		label    string
		guidance float64
		sampler  string
		lo, hi   float64
	}{
		{"", 0, samplerAnnealed, g.Weights[2] - 4*math.Sqrt(0.25/n), g.Weights[2] + 4*math.Sqrt(0.25/n)},
		{"2", 0, samplerAnnealed, 0.99, 1},
		{"2", 2, samplerAnnealed, 0.99, 1},
		{"3", 0, samplerLangevin, 0, 0.01},
	} {
		req := stepRequest{Target: eight, Sampler: c.sampler, Level: 0, N: n, K: 100, PerLevel: 30, Seed: 3, Label: c.label, Guidance: c.guidance, Given: &v}
		if c.sampler == samplerLangevin {
			// From a uniform start, 300 steps relax N(μ, 0.125) by
			// exp(-300 η/(2 · 0.125)) = e^-12.
			req.StepSize = 0.01
		}
		res := runSampler(t, ts.URL, req, 300)
		x, err := decodePoints("x", res.X, n)
		if err != nil {
			t.Fatal(err)
		}
		above, held := x1Share(x, float64(float32(v)))
		t.Logf("%s label %q guidance %v: %.3f above x1 = 0", c.sampler, c.label, c.guidance, above)
		if !held {
			t.Errorf("%s label %q: x0 moved from %v", c.sampler, c.label, v)
		}
		if above < c.lo || above > c.hi {
			t.Errorf("%s label %q guidance %v: %.3f of the particles above x1 = 0, want [%.3f, %.3f]", c.sampler, c.label, c.guidance, above, c.lo, c.hi)
		}
		if res.Label != c.label || res.Guidance != c.guidance || res.Given == nil || *res.Given != v {
			t.Errorf("the answer repeats label %q, guidance %v, given %v", res.Label, res.Guidance, res.Given)
		}
	}
}

// TestGivenDensity: /api/given's density of x1 given x0 integrates to
// about 1 over the view (the trapezoid rule on 200 points; the view's
// box holds nearly all the mass) and peaks at the centres' x1, the
// label's alone when given; a target without a closed form is refused.
func TestGivenDensity(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	for _, c := range []struct {
		label string
		peaks []float64
	}{{"", []float64{2.83, -2.83}}, {"2", []float64{2.83}}} {
		var g givenResponse
		postOK(t, ts.URL+"/api/given", givenRequest{Target: eight, V: 0.3, Sigma: 0.05, Label: c.label}, &g)
		var mass float64
		for i := 1; i < len(g.X); i++ {
			mass += (g.X[i] - g.X[i-1]) * (g.Density[i] + g.Density[i-1]) / 2
		}
		if math.Abs(mass-1) > 0.01 {
			t.Errorf("label %q: the density integrates to %v over the view", c.label, mass)
		}
		for _, p := range c.peaks {
			best := 0
			for i := range g.X {
				if math.Abs(g.X[i]-p) < math.Abs(g.X[best]-p) {
					best = i
				}
			}
			if g.Density[best] < 0.3 {
				t.Errorf("label %q: density %v at x1 = %v, want a peak there", c.label, g.Density[best], g.X[best])
			}
		}
		if g.V != 0.3 || g.Sigma != 0.05 || g.Label != c.label || g.Key == "" {
			t.Errorf("the answer repeats v %v, sigma %v, label %q, key %q", g.V, g.Sigma, g.Label, g.Key)
		}
	}
	for _, c := range []struct {
		req  givenRequest
		want string
	}{
		{givenRequest{Target: Spec{Toy: "moons"}, V: 0}, "not known in closed form"},
		{givenRequest{Target: eight, V: 0, Label: "8"}, "components 0 to 7"},
		{givenRequest{Target: eight, V: 1e300}, "must be finite"},
		{givenRequest{Target: eight, V: 0, Sigma: -1}, "sigma -1"},
		{givenRequest{Target: eight, V: 0, Grid: 1}, "grid 1"},
	} {
		code, b := post(t, ts.URL+"/api/given", c.req)
		if msg, ok := oneLineError(b); code != http.StatusBadRequest || !ok || !strings.Contains(msg, c.want) {
			t.Errorf("%+v: %d %s, want 400 with %q", c.req, code, b, c.want)
		}
	}
}

// TestStepConditionRefuses: conditioning that does not apply gets a 400
// that says why.
func TestStepConditionRefuses(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	v, huge := 0.3, 1e300
	for _, c := range []struct {
		req  stepRequest
		want string
	}{
		{stepRequest{Target: eight, Guidance: 1}, "needs a label"},
		{stepRequest{Target: eight, Label: "1", Guidance: -1}, "guidance must be in [0, 100]"},
		{stepRequest{Target: eight, Label: "1", Guidance: 1e9}, "guidance must be in [0, 100]"},
		{stepRequest{Target: eight, Label: "8"}, "components 0 to 7"},
		{stepRequest{Target: eight, Label: "x"}, "components 0 to 7"},
		{stepRequest{Target: Spec{Toy: "moons"}, Label: "0"}, "no components to pick"},
		{stepRequest{Target: eight, Sampler: samplerMALA, Given: &v}, "apply to langevin and annealed"},
		{stepRequest{Target: eight, Given: &huge}, "must be finite"},
		{stepRequest{Target: eight, Source: "learned", Label: "0"}, "no trained model"},
	} {
		c.req.N, c.req.K = 10, 1
		code, b := post(t, ts.URL+"/api/step", c.req)
		if msg, ok := oneLineError(b); code/100 != 4 || !ok || !strings.Contains(msg, c.want) {
			t.Errorf("%+v: %d %s, want a 4xx with %q", c.req, code, b, c.want)
		}
	}
}

// TestTrainLabels trains a class-conditional model of 8gaussians in the
// explorer (labels: its components) and samples it by label with
// guidance, given x0 = 0.3: the model's labels are the components', x0
// stays put and most particles of label 2 sit above x1 = 0 (the exact
// conditional puts 0.99 there; 200 steps of batch 256 put 0.998 and
// 1.000 at W = 0 and 2); a label the model lacks is refused, and
// labels of data without components.
func TestTrainLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	s, ts := newTestServer(t, Limits{})
	res := startTraining(t, context.Background(), ts.URL, trainRequest{Target: eight, Labels: true, Steps: 200, Batch: 256, Every: 200})
	ch := make(chan event, 16)
	go readEvents(res.Body, ch)
	var done doneEvent
	for ev := range ch {
		if ev.name == "done" {
			if err := json.Unmarshal(ev.data, &done); err != nil {
				t.Fatal(err)
			}
		}
	}
	res.Body.Close()
	if done.Error != "" || done.Step != 200 {
		t.Fatalf("training: %+v", done)
	}
	info := s.modelInfo()
	if info == nil || strings.Join(info.Labels, ",") != "0,1,2,3,4,5,6,7" {
		t.Fatalf("model info %+v", info)
	}
	const n = 500
	v := 0.3
	for _, w := range []float64{0, 2} {
		req := stepRequest{Target: eight, Source: "learned", Sampler: samplerAnnealed, N: n, K: 100, PerLevel: 30, Seed: 5, Label: "2", Guidance: w, Given: &v}
		r := runSampler(t, ts.URL, req, 300)
		x, err := decodePoints("x", r.X, n)
		if err != nil {
			t.Fatal(err)
		}
		above, held := x1Share(x, float64(float32(v)))
		t.Logf("learned, label 2, guidance %v: %.3f above x1 = 0", w, above)
		if !held || above < 0.8 {
			t.Errorf("learned, label 2, guidance %v, given x0 = %v: x0 held %v, %.3f above x1 = 0, want at least 0.8", w, v, held, above)
		}
	}
	code, b := post(t, ts.URL+"/api/step", stepRequest{Target: eight, Source: "learned", Label: "9", N: 10})
	if msg, ok := oneLineError(b); code != http.StatusBadRequest || !ok || !strings.Contains(msg, "unknown label") {
		t.Errorf("label 9 of the learned model: %d %s", code, b)
	}
	r := startTraining(t, context.Background(), ts.URL, trainRequest{Target: Spec{Preset: "standard-normal"}, Labels: true})
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "no components to label") {
		t.Errorf("labels of a one-component mixture: %d %s", r.StatusCode, body)
	}
}
