package scorenet

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/tensors"
)

// smallTimed is a small time-conditioned network for the tests.
func smallTimed(t *testing.T, process string) *Net {
	t.Helper()
	cfg := Config{Features: 8, Width: 16, Depth: 2, Activation: "softplus", Conditioning: "time", Process: process, TimeFeatures: 4}
	n, err := New(gobackend.GetBackend(), cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	// Perturb the conditioning away from its initial α = 1, β = 0 so that
	// the output depends on t.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range []string{varAlpha, varBeta} {
		v := n.store.GetVariable(VariablePath("rf/" + name))
		vals, err := tensors.CopyFlatData[float32](v.MustValue())
		if err != nil {
			t.Fatal(err)
		}
		for i := range vals {
			vals[i] += float32(rng.NormFloat64())
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestTimeConfig checks the time fields' defaults and refusals.
func TestTimeConfig(t *testing.T) {
	c := Config{Conditioning: "time", Process: "ve"}.WithDefaults()
	if c.TimeFeatures != defaultTimeFeatures || c.SigmaMax != 50 {
		t.Errorf("defaults: %+v", c)
	}
	if got := len(Layout(c)[2].Shape); got != 1 || Layout(c)[2].Shape[0] != 2*defaultTimeFeatures+1 {
		t.Errorf("rf/alpha shape %v, want [%d]", Layout(c)[2].Shape, 2*defaultTimeFeatures+1)
	}
	if Config.WithDefaults(Config{}).Conditioning != "levels" {
		t.Error("zero value is not levels")
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Conditioning: "clock"}, "unknown conditioning"},
		{Config{Conditioning: "time"}, "unknown process"},
		{Config{Conditioning: "time", Process: "vp", SigmaMax: 3}, "sigma_max applies only"},
		{Config{Conditioning: "time", Process: "ve", SigmaMax: 0.001}, "sigma-max"},
		{Config{Conditioning: "time", Process: "flow", TimeFeatures: 1000}, "time features"},
		{Config{Process: "vp"}, "apply only to conditioning"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestTimeOutputDivergence checks OutputDivAt's divergence against central
// differences of OutputAt, and that the output varies with t.
func TestTimeOutputDivergence(t *testing.T) {
	n := smallTimed(t, "flow")
	x := []float64{0.3, -0.7, 1.2, 0.4}
	out, div := make([]float64, 4), make([]float64, 2)
	if err := n.OutputDivAt(out, div, x, 0.4); err != nil {
		t.Fatal(err)
	}
	plain := make([]float64, 4)
	if err := n.OutputAt(plain, x, 0.4); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if math.Abs(out[i]-plain[i]) > 1e-6 {
			t.Errorf("output %d: %v with the divergence, %v without", i, out[i], plain[i])
		}
	}
	// float32 network: central differences with h = 1e-3 have rounding
	// error ~ 1e-7 |f| / h ~ 1e-4, and truncation h² |f'''| / 6 ~ 1e-4 with
	// features of angular frequency 2π|B| ~ 10 (h = 1e-2 gave errors of 1e-2).
	const h = 1e-3
	for p := range 2 {
		var fd float64
		for k := range 2 {
			xp, xm := append([]float64(nil), x[2*p:2*p+2]...), append([]float64(nil), x[2*p:2*p+2]...)
			xp[k] += h
			xm[k] -= h
			op, om := make([]float64, 2), make([]float64, 2)
			if err := n.OutputAt(op, xp, 0.4); err != nil {
				t.Fatal(err)
			}
			if err := n.OutputAt(om, xm, 0.4); err != nil {
				t.Fatal(err)
			}
			fd += (op[k] - om[k]) / (2 * h)
		}
		if math.Abs(fd-div[p]) > 1e-3*(1+math.Abs(fd)) {
			t.Errorf("point %d: divergence %v, central differences %v", p, div[p], fd)
		}
	}
}

// TestTimeSaveLoad checks that a time-conditioned network's outputs are the
// same after Save and Load, and that the score adapter divides by s(t).
func TestTimeSaveLoad(t *testing.T) {
	n := smallTimed(t, "vp")
	dir := t.TempDir()
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	m, err := Load(gobackend.GetBackend(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config().String() != n.Config().String() || !m.Config().Timed() {
		t.Fatalf("config %+v, saved %+v", m.Config(), n.Config())
	}
	x := []float64{0.1, 0.2, -1, 3}
	a, b := make([]float64, 4), make([]float64, 4)
	for _, tm := range []float64{0.01, 0.5, 1} {
		if err := n.OutputAt(a, x, tm); err != nil {
			t.Fatal(err)
		}
		if err := m.OutputAt(b, x, tm); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("t=%v output %d: %v saved, %v loaded", tm, i, a[i], b[i])
			}
		}
		ts, err := m.TimeScore()
		if err != nil {
			t.Fatal(err)
		}
		ts.ScoreAt(b, x, tm)
		_, s := ts.SDE().Marginal(tm)
		for i := range a {
			if math.Abs(b[i]*s-a[i]) > 1e-9*(1+math.Abs(a[i])) {
				t.Errorf("t=%v score %d: %v, want output/s = %v", tm, i, b[i], a[i]/s)
			}
		}
	}
	if _, err := m.Velocity(); err == nil {
		t.Error("a VP score network is a velocity field")
	}
}

// TestConfigOf checks that ConfigOf reads a directory's configuration
// without loading it, and refuses a directory without checkpoints.
func TestConfigOf(t *testing.T) {
	n := smallTimed(t, "subvp")
	dir := t.TempDir()
	if _, err := ConfigOf(dir); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("empty directory: error %v", err)
	}
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Timed() || cfg.Process != "subvp" || cfg.TimeFeatures != 4 {
		t.Errorf("ConfigOf: %+v", cfg)
	}
}

// TestTimeFastPath checks that a time-conditioned network's fast outputs
// (fastnet at the level set to α(t), β(t); its portable kernels where
// AVX-512 is missing) equal the graph's within float32 rounding (1e-5
// relative, as the levels' fast path) at several times, on a batch long
// enough for the blocked kernels and on one point.
func TestTimeFastPath(t *testing.T) {
	n := smallTimed(t, "vp")
	n.UseGraph(true)
	f, err := n.timeFastEval()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	x := make([]float64, 2*37)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	fast, graph := make([]float64, len(x)), make([]float64, len(x))
	fdiv, gdiv := make([]float64, 37), make([]float64, 37)
	for _, tm := range []float64{1e-5, 0.3, 1} {
		for _, pts := range []int{37, 1} {
			f.outputs(fast[:2*pts], nil, x[:2*pts], tm, -1)
			if err := n.OutputAt(graph[:2*pts], x[:2*pts], tm); err != nil {
				t.Fatal(err)
			}
			for i := range 2 * pts {
				if math.Abs(fast[i]-graph[i]) > 1e-5*(1+math.Abs(graph[i])) {
					t.Errorf("t=%v, %d points: output %d fast %v, graph %v", tm, pts, i, fast[i], graph[i])
				}
			}
			// The divergence: fastnet's forward-mode tangents against the
			// graph's reverse passes, both float32 (TestScoreDivergenceBatch
			// measured errors of at most 1e-6 between them).
			f.outputs(fast[:2*pts], fdiv[:pts], x[:2*pts], tm, -1)
			if err := n.OutputDivAt(graph[:2*pts], gdiv[:pts], x[:2*pts], tm); err != nil {
				t.Fatal(err)
			}
			for i := range pts {
				if math.Abs(fdiv[i]-gdiv[i]) > 1e-5*(1+math.Abs(gdiv[i])) {
					t.Errorf("t=%v, %d points: divergence %d fast %v, graph %v", tm, pts, i, fdiv[i], gdiv[i])
				}
			}
		}
	}
}

// TestTimeOutputVJP checks OutputVJPAt's products vᵀJ against central
// differences of v·out (h = 1e-3, as TestTimeOutputDivergence), and the
// score adapter's division by s(t).
func TestTimeOutputVJP(t *testing.T) {
	n := smallTimed(t, "subvp")
	x := []float64{0.3, -0.7, 1.2, 0.4}
	v := []float64{0.5, -2, 1, 1}
	out, vj := make([]float64, 4), make([]float64, 4)
	if err := n.OutputVJPAt(out, vj, x, v, 0.6); err != nil {
		t.Fatal(err)
	}
	const h = 1e-3
	vdot := func(xs []float64, p int) float64 {
		o := make([]float64, 2)
		if err := n.OutputAt(o, xs, 0.6); err != nil {
			t.Fatal(err)
		}
		return v[2*p]*o[0] + v[2*p+1]*o[1]
	}
	for p := range 2 {
		for k := range 2 {
			xp, xm := append([]float64(nil), x[2*p:2*p+2]...), append([]float64(nil), x[2*p:2*p+2]...)
			xp[k] += h
			xm[k] -= h
			fd := (vdot(xp, p) - vdot(xm, p)) / (2 * h)
			if got := vj[2*p+k]; math.Abs(fd-got) > 1e-3*(1+math.Abs(fd)) {
				t.Errorf("point %d, coordinate %d: vᵀJ %v, central differences %v", p, k, got, fd)
			}
		}
	}
	score, err := n.TimeScore()
	if err != nil {
		t.Fatal(err)
	}
	sdst, svj := make([]float64, 4), make([]float64, 4)
	score.ScoreVJPAt(sdst, svj, x, v, 0.6)
	_, s := score.SDE().Marginal(0.6)
	for i := range vj {
		if math.Abs(svj[i]*s-vj[i]) > 1e-9*(1+math.Abs(vj[i])) || math.Abs(sdst[i]*s-out[i]) > 1e-9*(1+math.Abs(out[i])) {
			t.Errorf("score adapter %d: %v, %v; want output/s %v, %v", i, sdst[i], svj[i], out[i]/s, vj[i]/s)
		}
	}
}

// TestTimeScoreV checks the score of a network that predicts v:
// -x - (a/s) out, with divergence -(a/s) ∇·out - d and vector-Jacobian
// products -(a/s) vᵀJ_out - v, against the network's own outputs; and that
// v is refused for any process but VP.
func TestTimeScoreV(t *testing.T) {
	cfg := Config{Features: 8, Width: 16, Depth: 2, Activation: "softplus", Conditioning: "time", Process: "vp", TimeFeatures: 4, Prediction: PredictV}
	n, err := New(gobackend.GetBackend(), cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := n.TimeScore()
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.3, -0.7, 1.2, 0.4}
	v := []float64{1, -2, 0.5, 0.25}
	const tt = 0.3
	a, s := ts.SDE().Marginal(tt)
	out, odiv, ovj := make([]float64, 4), make([]float64, 2), make([]float64, 4)
	if err := n.OutputDivAt(out, odiv, x, tt); err != nil {
		t.Fatal(err)
	}
	if err := n.OutputVJPAt(make([]float64, 4), ovj, x, v, tt); err != nil {
		t.Fatal(err)
	}
	score, div, vj := make([]float64, 4), make([]float64, 2), make([]float64, 4)
	ts.ScoreDivAt(score, div, x, tt)
	ts.ScoreVJPAt(make([]float64, 4), vj, x, v, tt)
	// The same float32 outputs through a few float64 operations.
	const tol = 1e-12
	for i := range x {
		if want := -x[i] - a/s*out[i]; math.Abs(score[i]-want) > tol {
			t.Errorf("score[%d] = %v, want %v", i, score[i], want)
		}
		if want := -v[i] - a/s*ovj[i]; math.Abs(vj[i]-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("vjp[%d] = %v, want %v", i, vj[i], want)
		}
	}
	for i := range div {
		if want := -2 - a/s*odiv[i]; math.Abs(div[i]-want) > tol {
			t.Errorf("divergence[%d] = %v, want %v", i, div[i], want)
		}
	}
	for _, p := range []string{"ve", "subvp", "flow"} {
		c := cfg
		c.Process = p
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "applies only to process vp") {
			t.Errorf("prediction v with %s: error %v", p, err)
		}
	}
	if DefaultPrediction("vp") != PredictV || DefaultPrediction("ve") != PredictNoise {
		t.Errorf("DefaultPrediction: vp %q, ve %q", DefaultPrediction("vp"), DefaultPrediction("ve"))
	}
}
