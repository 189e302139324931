package plot_test

import (
	"fmt"
	"math"

	"github.com/sgm-dev/sgm/plot"
)

// A million losses kept in at most 10,000 points: each the mean of a run of
// 128 steps, drawn over the band from the run's smallest to its largest
// loss.
func ExampleLossSeries() {
	s := plot.NewLossSeries(plot.DefaultLossPoints)
	for step := range 1_000_000 {
		s.Add(float64(step), 1/math.Sqrt(1+float64(step)))
	}
	s.Add(1e6, math.NaN())
	fmt.Println(s.Len(), "losses,", s.PerBucket(), "a point,", s.Dropped(), "left out")
	fig, err := plot.LossSeriesCurve(s, 10_000, "training loss")
	if err != nil {
		fmt.Println(err)
		return
	}
	w, h := fig.Size()
	fmt.Printf("%.0f×%.0f points\n", float64(w), float64(h))
	// Output:
	// 1000000 losses, 128 a point, 1 left out
	// 504×324 points
}
