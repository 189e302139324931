package data_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/sgm-dev/sgm/data"
)

func ExampleToy_Sample() {
	rng := rand.New(rand.NewPCG(1, 2))
	toy, err := data.ParseToy("8gaussians")
	if err != nil {
		log.Fatal(err)
	}
	const n = 10000
	pts := toy.Sample(nil, n, rng) // n (x, y) pairs, flat

	// Every point lies near one of 8 centres at radius 4/1.414; the
	// spread about a centre is 0.5/1.414 per coordinate.
	var r float64
	for i := 0; i < len(pts); i += 2 {
		r += math.Hypot(pts[i], pts[i+1])
	}
	fmt.Printf("%d values, mean radius %.2f, centres at radius %.2f\n", len(pts), r/n, 4/1.414)

	// Output:
	// 20000 values, mean radius 2.85, centres at radius 2.83
}

func ExampleReadPointsCSV() {
	csv := "x,y\n0,1\n2,3\n4,5\n"
	p, header, err := data.ReadPointsCSV(strings.NewReader(csv))
	fmt.Println(p.N, p.D, header, p.Data, err)

	_, _, err = data.ReadPointsCSV(strings.NewReader("x,y\n0,1\n2,NaN\n"))
	fmt.Println(err)

	// Output:
	// 3 2 [x y] [0 1 2 3 4 5] <nil>
	// line 3, column 2 ("y"): not finite: "NaN"
}

func ExampleParsePointSpec() {
	for _, spec := range []string{"toy:moons", "runs/samples.npy", "samples.txt"} {
		s, err := data.ParsePointSpec(spec)
		switch {
		case err != nil:
			fmt.Println(err)
		case s.Path != "":
			fmt.Println("file", s.Path)
		default:
			fmt.Println("toy", s.Toy)
		}
	}

	// Output:
	// toy moons
	// file runs/samples.npy
	// point spec "samples.txt": want PATH.csv, PATH.npy or toy:NAME (NAME one of swissroll, circles, rings, moons, 8gaussians, pinwheel, 2spirals, checkerboard, line, cos)
}
