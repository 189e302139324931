package main

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
)

// Conditioning in "sgm bench": the score evaluations per second of the
// reference network at level 17 on benchDivPoints points, unlabelled, at a
// class label (a network of 10 labels, its embedding folded into the
// first layer's bias: no extra cost), and with classifier-free guidance
// (the conditional and the unconditional score: twice the cost).
type benchGuidance struct {
	Plain    float64 `json:"score_evals_per_s"`
	Label    float64 `json:"label_score_evals_per_s"`
	Guided   float64 `json:"guided_score_evals_per_s"`
	CostRate float64 `json:"guidance_cost"` // Plain / Guided: network evaluations per guided score
}

// benchGuide measures benchGuidance on backend b.
func benchGuide(ctx context.Context, b compute.Backend) (benchGuidance, error) {
	labels := make([]string, 10)
	for i := range labels {
		labels[i] = strconv.Itoa(i)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	plain, err := scorenet.New(b, scorenet.Config{}, rng)
	if err != nil {
		return benchGuidance{}, err
	}
	labelled, err := scorenet.New(b, scorenet.Config{Labels: labels}, rng)
	if err != nil {
		return benchGuidance{}, err
	}
	x := sample.Uniform(benchDivPoints, 2, 0, 1, rng)
	rate := func(s sgm.Scorer) (float64, error) {
		dst := make([]float64, len(x))
		s.ScoreBatch(dst, x) // untimed: compiles where there is a graph
		start, evals := time.Now(), 0
		for time.Since(start) < benchDivTime {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			s.ScoreBatch(dst, x)
			evals += benchDivPoints
		}
		return float64(evals) / time.Since(start).Seconds(), nil
	}
	var r benchGuidance
	cond := labelled.AtLevelLabelled(benchDivLevel, 3)
	for _, c := range []struct {
		dst *float64
		s   sgm.Scorer
	}{
		{&r.Plain, plain.AtLevel(benchDivLevel)},
		{&r.Label, cond},
		{&r.Guided, &sample.Guided{Cond: cond, Uncond: labelled.AtLevelLabelled(benchDivLevel, labelled.Config().NullLabel()), W: 3}},
	} {
		if *c.dst, err = rate(c.s); err != nil {
			return benchGuidance{}, err
		}
	}
	r.CostRate = r.Plain / r.Guided
	return r, nil
}
