package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/likelihood"
	"github.com/sgm-dev/sgm/ode"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/sde"
)

// TestScoreErrors checks the score error per level of a model of an image
// against the smoothed image's exact score, and its refusals: a model of
// points has no exact score, a model conditioned on time no levels.
func TestScoreErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "image")
	net := scorenet.Config{Features: 8, Width: 16, Depth: 1, Sigmas: []float64{0.05, 0.1, 0.2}}
	if _, _, err := Train(context.Background(), dir, TrainOptions{Data: "mnist:train:0", Net: net, Settings: tinySettings(5)}); err != nil {
		t.Fatal(err)
	}
	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sigmas, err := m.NoiseLevels()
	if err != nil || len(sigmas) != 3 {
		t.Fatalf("NoiseLevels = %v, %v; want 3 levels", sigmas, err)
	}
	d, err := OpenData("mnist:train:0")
	if err != nil {
		t.Fatal(err)
	}
	errs, err := m.ScoreErrors(d.Image, 50, rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(errs) != 3 {
		t.Fatalf("ScoreErrors: %d levels, %v", len(errs), err)
	}
	for i, e := range errs {
		if e.Level != i || e.Sigma != sigmas[i] || !(e.Fisher > 0) || !(e.Relative > 0) || math.IsInf(e.Relative, 0) {
			t.Errorf("level %d: %+v", i, e)
		}
	}
	if _, err := tiny(t, "levels").ScoreErrors(d.Image, 50, rand.New(rand.NewPCG(1, 2))); err == nil || !strings.Contains(err.Error(), "point data") {
		t.Errorf("a model of points: %v, want an error saying it models point data", err)
	}
	if _, err := tiny(t, "vp").NoiseLevels(); err == nil || !strings.Contains(err.Error(), "a vp model has no noise levels") {
		t.Errorf("a vp model: %v, want an error saying it has no noise levels", err)
	}
}

// TestMixtureNLL checks the NLL of a mixture's draws through the
// probability-flow ODE of its exact score against its closed form: the
// ODE's log-density differs from the exact one only by the solver's error
// and the prior's mismatch at t = 1 (VP: a(1) = e^-5, so the data's
// trace at t = 1 is 7e-3 of its width), which at rtol = atol = 1e-5 is
// below 0.01 nats a point here; and the report's statistics.
func TestMixtureNLL(t *testing.T) {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	x := m.Sample(nil, 100, rand.New(rand.NewPCG(1, 2)))
	r, err := MixtureNLL(x, sde.VP{BetaMin: 0.1, BetaMax: 20}, m, likelihood.ODE{RTol: 1e-5, ATol: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 100 || r.Exact == nil || math.Abs(r.NLL-*r.Exact) > 0.01 || !(r.SE > 0) || r.NFE < 10 || r.Probes != 0 {
		t.Errorf("report %+v (exact %v): want the ODE's NLL within 0.01 of the exact one", r, *r.Exact)
	}
	if want := r.NLL / (2 * math.Ln2); math.Abs(r.BitsPerDim-want) > 1e-12 {
		t.Errorf("bits per dimension %v, want %v", r.BitsPerDim, want)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil || !strings.HasPrefix(b.String(), "sde                      vp") || !strings.Contains(b.String(), "\nnll_exact_nats ") {
		t.Errorf("text %q, %v", b.String(), err)
	}
	// A model's report names its process with its parameters.
	vp := tiny(t, "vp")
	r, err = vp.EvaluateNLL(x[:20], m, LikelihoodOptions{RTol: 1e-3, ATol: 1e-3})
	if err != nil || r.Process != vp.Kind().(Diffusion).SDE.String() || r.N != 10 || r.Exact == nil {
		t.Errorf("a vp model's report %+v, %v", r, err)
	}
}

// TestPointError checks that an ODE's failure names the point and its
// coordinates, and leaves other errors alone.
func TestPointError(t *testing.T) {
	x := []float64{0, 0, 1e50, 0, 1, 2}
	err := PointError(fmt.Errorf("model: %w", &ode.NotFiniteError{T: 0.5, Index: 2, Point: 1}), x, 2)
	if want := "point 2 (1e+50, 0): the probability-flow ODE is not finite there (at t=0.5)"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("%v, want %q", err, want)
	}
	other := errors.New("other")
	if err := PointError(other, x, 2); err != other {
		t.Errorf("%v, want the error itself", err)
	}
}

// TestNFECurves runs the exact score of a mixture through the samplers
// of models (SampleScore): DPM-Solver++(2M) at 32 evaluations comes far
// closer than Euler-Maruyama at 2, and the ODE sampler runs at each of
// NFETolerances.
func TestNFECurves(t *testing.T) {
	m, err := dist.Preset("seed-mog")
	if err != nil {
		t.Fatal(err)
	}
	p := sde.VP{BetaMin: 0.1, BetaMax: 20}
	score, err := sde.NewMixture(p, m)
	if err != nil {
		t.Fatal(err)
	}
	run := func(n int, rng *rand.Rand, o SampleOptions) ([]float64, Stats, error) {
		return SampleScore(nil, n, p, score, rng, o)
	}
	var done []int
	pts, floor, err := NFECurves(run, m, []string{EM, DPM2M, ODE}, []int{2, 32}, 200, 3, 1, func(d, total int) { done = append(done, d, total) })
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 4+len(NFETolerances) || floor.Reps != 3 || !(floor.Mean > 0) {
		t.Fatalf("%d runs, floor %+v; want %d runs and a floor of 3 pairs", len(pts), floor, 4+len(NFETolerances))
	}
	if !(pts[3].W2 < pts[0].W2/2) || pts[0].NFE != 2 || pts[3].NFE != 32 || pts[4].Sampler != ODE {
		t.Errorf("runs %+v: want dpm2m at 32 far closer than em at 2", pts)
	}
	if !slices.Equal(done[:2], []int{0, 9}) || done[len(done)-2] != 9 {
		t.Errorf("progress %v, want 0 of 9 first and 9 of 9 last", done)
	}
	if _, _, err := SampleScore(nil, 5, sde.VE{SigmaMin: 0.01, SigmaMax: 5}, score, rand.New(rand.NewPCG(1, 1)), SampleOptions{Sampler: DDIM}); err == nil {
		t.Error("ddim under VE: no error")
	}
	if _, _, err := SampleScore(nil, 5, p, score, rand.New(rand.NewPCG(1, 1)), SampleOptions{Sampler: Annealed}); err == nil {
		t.Error("annealed Langevin of an exact time score: no error")
	}
}

// TestDataDraw checks the points Draw gives: a file's own (a subset of
// at most max), n draws of a toy or a mixture.
func TestDataDraw(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte("x,y\n1,2\n3,4\n5,6\n7,8\n9,10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		spec   string
		n, max int
		want   int // values
	}{
		{path, 100, 0, 10}, {path, 100, 3, 6}, {"toy:moons", 7, 3, 14}, {"seed-mog", 4, 0, 8},
	} {
		d, err := OpenData(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Draw(tc.n, tc.max, rng); len(got) != tc.want {
			t.Errorf("%s: Draw(%d, %d) gave %d values, want %d", tc.spec, tc.n, tc.max, len(got), tc.want)
		}
	}
}

func TestUnionLabels(t *testing.T) {
	s := data.Labelled{Points: data.Points{Data: make([]float64, 6), N: 3, D: 2}, Labels: []int{0, 1, 0}, Names: []string{"b", "z"}}
	names, labels := UnionLabels([]string{"a", "b"}, s)
	if !slices.Equal(names, []string{"a", "b", "z"}) || !slices.Equal(labels, []int{1, 2, 1}) {
		t.Errorf("names %v, labels %v; want [a b z], [1 2 1]", names, labels)
	}
}

// TestEvaluateLabels checks the per-label report of labelled draws of
// 8gaussians against the toy: each label at its floor, every sample in
// its label's component; and a label the target lacks.
func TestEvaluateLabels(t *testing.T) {
	_, src, names, err := OpenLabelled("toy:8gaussians", ComponentLabels)
	if err != nil {
		t.Fatal(err)
	}
	x, l := src.SampleLabelled(nil, 800, rand.New(rand.NewPCG(1, 2)))
	s := data.Labelled{Points: data.Points{Data: x, N: 800, D: 2}, Labels: l, Names: names}
	r, err := EvaluateLabels(s, "toy:8gaussians", ComponentLabels, 0, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Labels) != 8 || r.Accuracy == nil || *r.Accuracy < 0.99 {
		t.Fatalf("report %+v: want 8 labels and an accuracy near 1", r)
	}
	for _, lw := range r.Labels {
		// One more draw of what the floor averages over 8 pairs: within
		// 4 of its standard deviations (see metric's TestEvaluateLabels).
		if lw.W2Floor == nil || math.Abs(lw.W2-*lw.W2Floor) > 4**lw.W2FloorSD*math.Sqrt(1+1.0/8) {
			t.Errorf("label %s: W₂ %v, floor %v", lw.Label, lw.W2, lw.W2Floor)
		}
	}
	s.Names = append(slices.Clone(names[:7]), "ninth")
	if _, err := EvaluateLabels(s, "toy:8gaussians", ComponentLabels, 0, rand.New(rand.NewPCG(3, 4))); err == nil || !strings.Contains(err.Error(), `label "ninth" is not one of the target's`) {
		t.Errorf("an unknown label: %v", err)
	}
}

func TestNFESamplers(t *testing.T) {
	if got := NFESamplers(sde.VP{BetaMin: 0.1, BetaMax: 20}); !slices.Equal(got, []string{EM, PC, ODE, Heun, DPM2M, DDIM}) {
		t.Errorf("under VP: %v", got)
	}
	if got := NFESamplers(sde.VE{SigmaMin: 0.01, SigmaMax: 5}); slices.Contains(got, DDIM) || len(got) != 5 {
		t.Errorf("under VE: %v", got)
	}
}
