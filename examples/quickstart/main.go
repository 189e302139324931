// Command quickstart loads a trained score network, samples it with
// Langevin dynamics, measures the samples against the training image and
// draws them: what sgm sample, sgm eval and sgm plot do, from Go. README's
// "Use it from Go" shows this file, and a test keeps the two the same;
// quickstart_test.go runs it on a tiny model trained first.
//
//	go run ./examples/quickstart sgm-demo/model
package main

import (
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: quickstart MODEL_DIR (a directory written by sgm train or sgm demo)")
	}
	if err := run(os.Args[1], "samples.png", os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run samples the model in dir at the blog post's level, prints how well
// the samples match the image it learned, and draws them to the file png.
func run(dir, png string, w io.Writer) error {
	net, err := scorenet.Open(dir) // pure-Go backend; averaged weights where kept
	if err != nil {
		return err
	}
	level := net.Config().Sigmas.Level(0.0221) // the blog post's level 17
	langevin, err := net.NewLangevin(level, 1e-3, 1000)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := sample.Uniform(2000, 2, 0, 1, rng)
	if err := langevin.Run(x, 1000, rng); err != nil {
		return err
	}
	if spec, ok := net.Label(scorenet.ImageLabel); ok { // the training image, as sgm train records it
		im, err := data.LoadImage(spec)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "hist_corr against %s: %.3f\n", spec, metric.HistCorr(x, im.Pix, im.H, im.W))
	}
	fig, err := plot.Histogram2D(x, 50, plot.UnitSquare, plot.ImageSpace, "Langevin with the learned score")
	if err != nil {
		return err
	}
	if err := plot.Save(fig, png); err != nil {
		return err
	}
	fmt.Fprintln(w, "wrote", png)
	return nil
}
