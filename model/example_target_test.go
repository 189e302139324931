package model_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sde"
)

// An analytic target, the blog post's mixture, sampled with one call per
// sampler: MALA, which needs its exact log density, and the
// probability-flow ODE of the VP process with its exact perturbed score.
// Both come as close to exact draws as two sets of exact draws do.
func ExampleTarget_Sample() {
	tg, err := model.OpenTarget("seed-mog")
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	exact := tg.Mixture.Sample(nil, 1000, rng)
	floor := metric.Wasserstein2(tg.Mixture.Sample(nil, 1000, rng), exact, 2)
	for _, o := range []model.TargetOptions{
		{Sampler: model.MALA, StepSize: 0.05, Steps: 500},
		{SDE: sde.VP{BetaMin: sde.DefaultBetaMin, BetaMax: sde.DefaultBetaMax}},
	} {
		x, st, err := tg.Sample(nil, 1000, rng, o)
		if err != nil {
			log.Fatal(err)
		}
		w2 := metric.Wasserstein2(x, exact, 2)
		fmt.Printf("%s: %d evaluations; W₂ within 1.5x of exact draws': %v\n", st.Sampler, st.NFE, w2 < 1.5*floor)
	}
	// Output:
	// mala: 500 evaluations; W₂ within 1.5x of exact draws': true
	// ode: 68 evaluations; W₂ within 1.5x of exact draws': true
}
