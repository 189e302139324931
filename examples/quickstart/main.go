// Command quickstart loads a trained score network, samples it with
// Langevin dynamics, measures the samples against the training image and
// draws them: what sgm sample, sgm eval and sgm plot do, from Go. README's
// "Use it from Go" shows this file, and a test keeps the two the same.
//
//	go run ./examples/quickstart sgm-demo/model
package main

import (
	"fmt"
	"log"
	"math/rand/v2"
	"os"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: quickstart MODEL_DIR (a directory written by sgm train or sgm demo)")
	}
	net, err := scorenet.Open(os.Args[1]) // pure-Go backend; averaged weights where kept
	if err != nil {
		log.Fatal(err)
	}
	level := net.Config().Sigmas.Level(0.0221) // the blog post's level 17
	langevin, err := net.NewLangevin(level, 1e-3, 1000)
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := sample.Uniform(2000, 2, 0, 1, rng)
	if err := langevin.Run(x, 1000, rng); err != nil {
		log.Fatal(err)
	}
	if spec, ok := net.Label("image"); ok { // the training image, as sgm train records it
		g, err := data.LoadImage(spec)
		if err != nil {
			log.Fatal(err)
		}
		im, err := dist.NewImage(g.H, g.W, g.Pix)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("hist_corr against %s: %.3f\n", spec, metric.HistCorr(x, im.Pix, im.H, im.W))
	}
	fig, err := plot.Histogram2D(x, 50, plot.UnitSquare, plot.ImageSpace, "Langevin with the learned score")
	if err != nil {
		log.Fatal(err)
	}
	if err := plot.Save(fig, "samples.png"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote samples.png")
}
