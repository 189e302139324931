package metric_test

import (
	"encoding/json"
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/metric"
)

func ExampleWasserstein1D() {
	// Two points against three: the quantile functions 0|1 (steps at 1/2)
	// and 0|1|2 (steps at 1/3, 2/3) differ by 1 on (1/3, 1/2] and (2/3, 1].
	w := metric.Wasserstein1D([]float64{0, 1}, []float64{0, 1, 2})
	fmt.Printf("W₂ = %.4f = sqrt(1/6 + 1/3)\n", w)

	// Output:
	// W₂ = 0.7071 = sqrt(1/6 + 1/3)
}

func ExampleReport() {
	m, err := dist.NewMixture([]dist.Component{
		{Weight: 0.2, Mean: []float64{-5, -5}, Std: []float64{1, 1}},
		{Weight: 0.8, Mean: []float64{5, 5}, Std: []float64{1, 1}},
	})
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 2000
	samples := m.Sample(nil, n, rng) // stand-ins for a sampler's output
	target := m.Sample(nil, n, rng)

	r := metric.Report{N: n}
	r.SWD, r.SWDProjections = new(metric.SlicedWasserstein(samples, target, 2, metric.DefaultProjections, rng)), metric.DefaultProjections
	r.SetMMD(metric.MMDSubsample(samples, target, 2, 500, rng))
	r.ModeWeights = metric.ModeWeights(m, samples)
	r.ModeWeightError = new(metric.ModeWeightError(m, r.ModeWeights))
	r.HistCorr = new(math.NaN()) // not finite: left out of the JSON

	// Two samples of the same mixture, yet SW₂ is far from 0: with 2000
	// points the modes' shares differ by about 0.01, and moving a mass ε
	// across the 14 between the modes costs 14 sqrt(ε) in W₂.
	fmt.Printf("SW₂ %.1f, |MMD²| < 0.01: %v, mode weights %.1f\n",
		*r.SWD, math.Abs(*r.MMD) < 0.01, r.ModeWeights)
	b, err := json.Marshal(metric.Report{N: n, SWDProjections: 200, HistCorr: new(math.NaN()), HistTV: new(0.25)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))

	// Output:
	// SW₂ 0.9, |MMD²| < 0.01: true, mode weights [0.2 0.8]
	// {"n":2000,"swd_projections":200,"hist_tv":0.25}
}
