package model

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/sgm-dev/sgm/metric"
)

// TestAutoLevel: a model of an image gets metric.AutoLevel's choice from
// its own score errors (the same level as the rule applied by hand to
// metric.ScoreErrors with the same source), and models of points and of
// other kinds are refused.
func TestAutoLevel(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "dot.png")
	if err := os.WriteFile(png, tinyPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	m, _, err := Train(context.Background(), run, TrainOptions{Data: png, Net: kinds[0].net, Settings: tinySettings(5)})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := OpenTarget(png)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.AutoLevel(ref.Image, 1e-3, 0.1, 50, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	sigmas := m.Kind().(Levels).Sigmas
	errs := metric.ScoreErrors(m.Net().AtLevel, sigmas, ref.Image.Smoothed, 50, rand.New(rand.NewPCG(1, 2)))
	want, _ := metric.AutoLevel(errs, metric.Sharpness(ref.Image, sigmas), 1e-3, 0.1)
	if got != want {
		t.Errorf("AutoLevel %+v, want %+v", got, want)
	}
	for _, name := range []string{"levels", "vp"} { // a model of the moons' points; a diffusion
		if _, err := tiny(t, name).AutoLevel(ref.Image, 1e-3, 0.1, 50, rand.New(rand.NewPCG(1, 2))); err == nil {
			t.Errorf("%s model of points: no error", name)
		}
	}
}

// TestImageAnnealedDefaults: annealed Langevin of a model of an image runs
// by default down to its level nearest the blog post's σ₁₇ without the
// denoising step (sgm sample's samples of an image), Denoise and Lowest
// override both, and a model of points anneals over all its levels and
// denoises.
func TestImageAnnealedDefaults(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "dot.png")
	if err := os.WriteFile(png, tinyPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	im, _, err := Train(context.Background(), filepath.Join(dir, "run"), TrainOptions{Data: png, Net: kinds[0].net, Settings: tinySettings(5)})
	if err != nil {
		t.Fatal(err)
	}
	yes, zero := true, 0
	for _, c := range []struct {
		m             *Model
		o             SampleOptions
		levels, steps int
	}{
		{im, SampleOptions{}, 13, 13}, // levels 29 down to 17, no denoising step
		{im, SampleOptions{Denoise: &yes, Lowest: &zero}, 30, 31},
		{tiny(t, "levels"), SampleOptions{}, 30, 31},
	} {
		c.o.Sampler, c.o.StepsPerLevel = Annealed, 1
		_, st, err := c.m.Sample(nil, 2, rand.New(rand.NewPCG(1, 2)), c.o)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Sigmas) != c.levels || st.Steps != c.steps {
			t.Errorf("image %v, %+v: %d levels, %d steps; want %d and %d", c.m.Image(), c.o, len(st.Sigmas), st.Steps, c.levels, c.steps)
		}
	}
}
