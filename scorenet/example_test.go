package scorenet_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// Load a trained model and draw the blog post's last figure (figure 6 of
// sgm demo): a histogram of Langevin samples with the learned score. The
// model here is a tiny one trained first on an 8×8 image of the letter L;
// Open a directory written by sgm train or sgm demo (sgm-demo/model) the
// same way.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sgm-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	im := letterL()
	if err := trainTiny(im, filepath.Join(dir, "model")); err != nil {
		log.Fatal(err)
	}

	net, err := scorenet.Open(filepath.Join(dir, "model")) // the Go backend; averaged weights where kept
	if err != nil {
		log.Fatal(err)
	}
	level := net.Config().Sigmas.Level(0.05)
	langevin, err := net.NewLangevin(level, 1e-3, 200)
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x := sample.Uniform(1000, 2, 0, 1, rng)
	if err := langevin.Run(x, 200, rng); err != nil {
		log.Fatal(err)
	}
	title := fmt.Sprintf("Langevin with the learned score, level %d (σ=%.3g)", level, net.Sigma(level))
	fig, err := plot.Histogram2D(x, 50, plot.UnitSquare, plot.ImageSpace, title)
	if err != nil {
		log.Fatal(err)
	}
	if err := plot.Save(fig, filepath.Join(dir, "6-learned-samples.png")); err != nil {
		log.Fatal(err)
	}
	fmt.Println(title)
	fmt.Println("samples look like the image:", metric.HistCorr(x, im.Pix, im.H, im.W) > 0.5)
	// Output:
	// Langevin with the learned score, level 3 (σ=0.0535)
	// samples look like the image: true
}

// letterL is an 8×8 image of the letter L.
func letterL() *dist.Image {
	pix := make([]float64, 64)
	for r := 1; r < 7; r++ {
		pix[r*8+2] = 1
	}
	for c := 2; c < 6; c++ {
		pix[6*8+c] = 1
	}
	im, err := dist.NewImage(8, 8, pix)
	if err != nil {
		log.Fatal(err)
	}
	return im
}

// trainTiny trains a tiny network on im with moving averages of its
// weights, checkpointed into dir.
func trainTiny(im *dist.Image, dir string) error {
	backend, err := scorenet.GoBackend()
	if err != nil {
		return err
	}
	sigmas, err := sgm.Geometric(0.01, 0.5, 8)
	if err != nil {
		return err
	}
	net, err := scorenet.New(backend, scorenet.Config{Features: 32, Width: 32, Depth: 2, Sigmas: sigmas}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		return err
	}
	_, err = train.Run(context.Background(), net, im, train.Settings{
		Steps: 300, Batch: 128, LearningRate: 3e-3, Objective: train.OneLevel, EMA: 0.9, CheckpointDir: dir,
	})
	return err
}
