package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// TestRun runs the program on a tiny model trained first, as sgm train
// would leave it (a checkpoint labelled with its image, a PNG of an L),
// and checks what it prints and draws: a program a new user copies from
// README has to run, not only compile.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "L.png")
	writeLetterL(t, spec)
	g, err := data.LoadImage(spec)
	if err != nil {
		t.Fatal(err)
	}
	im, err := dist.NewImage(g.H, g.W, g.Pix)
	if err != nil {
		t.Fatal(err)
	}
	backend, err := scorenet.GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	sigmas, err := sgm.Geometric(0.01, 0.5, 8) // level 0.0221 is level 2 of these
	if err != nil {
		t.Fatal(err)
	}
	net, err := scorenet.New(backend, scorenet.Config{Features: 32, Width: 32, Depth: 2, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	net.SetLabel(scorenet.ImageLabel, spec)
	model := filepath.Join(dir, "model")
	if _, err := train.Run(context.Background(), net, im, train.Settings{
		Steps: 300, Batch: 128, LearningRate: 3e-3, Objective: train.OneLevel, EMA: 0.9, CheckpointDir: model,
	}); err != nil {
		t.Fatal(err)
	}

	fig := filepath.Join(dir, "samples.png")
	var out bytes.Buffer
	if err := run(model, fig, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^hist_corr against (.*): (\S+)\nwrote (.*)\n$`).FindStringSubmatch(out.String())
	if m == nil || m[1] != spec || m[3] != fig {
		t.Fatalf("printed %q, want the hist_corr against %s and the figure's name", out.String(), spec)
	}
	// The example in package scorenet (the same network and training on
	// the same L) reaches more than 0.5; uniform points give about 0.
	if c, err := strconv.ParseFloat(m[2], 64); err != nil || !(c > 0.5) {
		t.Errorf("hist_corr %s, want above 0.5", m[2])
	}
	f, err := os.Open(fig)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.DecodeConfig(f); err != nil {
		t.Errorf("%s: %v", fig, err)
	}
}

// writeLetterL writes an 8×8 PNG of a white L on black.
func writeLetterL(t *testing.T, path string) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for r := 1; r < 7; r++ {
		img.SetGray(2, r, color.Gray{Y: 255})
	}
	for c := 2; c < 6; c++ {
		img.SetGray(c, 6, color.Gray{Y: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
