package serve_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend"

	"github.com/sgm-dev/sgm/serve"
)

// Example asks the explorer's API for the exact score of N(0, I) perturbed
// at the smallest noise level (a hundredth of the data's spread, here of a
// sample of it) on a 3×3 grid: at (x, y) it is -(x, y)/(1 + σ²).
func Example() {
	backend, err := compute.NewWithConfig("go")
	if err != nil {
		panic(err)
	}
	s := serve.New(backend, serve.Limits{}, nil)
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	body := `{"target": {"mixture": {"components": [{"weight": 1, "mean": [0, 0], "std": [1, 1]}]}}, "level": 0, "grid": 3}`
	res, err := http.Post(ts.URL+"/api/field", "application/json", bytes.NewBufferString(body))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var f struct {
		Sigma float64
		X, Y  []float64
		Score []float64
	}
	if err := json.NewDecoder(res.Body).Decode(&f); err != nil {
		panic(err)
	}
	fmt.Printf("σ = %.4g, %d grid points\n", f.Sigma, len(f.Score)/2)
	worst := 0.0
	for j, y := range f.Y {
		for i, x := range f.X {
			k := 2 * (j*len(f.X) + i)
			v := 1 + f.Sigma*f.Sigma
			worst = max(worst, math.Abs(f.Score[k]+x/v), math.Abs(f.Score[k+1]+y/v))
		}
	}
	fmt.Println("score is -(x, y)/(1 + σ²) to 1e-12:", worst < 1e-12)
	// Output:
	// σ = 0.009825, 9 grid points
	// score is -(x, y)/(1 + σ²) to 1e-12: true
}
