package demo_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/sgm-dev/sgm/demo"
)

// The quick demo, as sgm demo --quick runs it: every stage into one
// folder, and the summary it wrote there.
func ExampleRun() {
	out, err := os.MkdirTemp("", "sgm-demo")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)
	sum, err := demo.Run(context.Background(), out, demo.Quick(), demo.Options{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d samples at σ = %.4f after %d training steps\n", sum.NSamples, sum.Sigma, sum.TrainSteps)
	fmt.Printf("%d toys, dpm2m at %d evaluations, guidance at %v\n", len(sum.Toys), sum.VP.DPM2M.NFE, sum.Conditional.Guidance)
	// Output:
	// 2000 samples at σ = 0.0221 after 40 training steps
	// 3 toys, dpm2m at 10 evaluations, guidance at [0 3]
}
