// Command owndata trains a model on a CSV file of points, samples 2,000
// points from it and takes the negative log-likelihood of held-out points:
// README's "Use it from Go".
//
//	go run ./examples/owndata train.csv heldout.csv run
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: owndata TRAIN.csv HELDOUT.csv RUN_DIR")
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3], 2000, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run trains a score network under the VP SDE on the points of trainCSV
// in the run directory dir (steps steps), samples 2,000 points and prints
// the NLL of the points of heldOut, all in the data's own units.
func run(trainCSV, heldOut, dir string, steps int, w io.Writer) error {
	// A small network conditioned on time, a score under VP (which has a
	// likelihood), trained on the points standardised.
	m, _, err := model.Train(context.Background(), dir, model.TrainOptions{
		Data:     trainCSV,
		Net:      scorenet.Config{Conditioning: "time", Process: "vp", Width: 64, Features: 32, Depth: 2},
		Settings: train.Settings{Steps: steps, EMA: 0.999},
	})
	if err != nil {
		return err
	}
	x, stats, err := m.Sample(nil, 2000, rand.New(rand.NewPCG(1, 2)), model.SampleOptions{}) // the probability-flow ODE
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d samples by %s in %d evaluations\n", len(x)/m.Dim(), stats.Sampler, stats.NFE)
	held, err := data.ReadPointsFile(heldOut)
	if err != nil {
		return err
	}
	nll, err := m.NLL(held.Data, model.LikelihoodOptions{RTol: 1e-3, ATol: 1e-3})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "NLL of %d held-out points: %.3f ± %.3f nats\n", nll.N, nll.Mean, nll.SE)
	return nil
}
