package plot

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLabelledAndGiven(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]float64, 600)
	labels := make([]int, 300)
	for i := range labels {
		labels[i] = i % 3
		pts[2*i] = float64(labels[i])*3 + rng.NormFloat64()
		pts[2*i+1] = rng.NormFloat64()
	}
	fig, err := Labelled([]LabelledSet{{Title: "W=0", Points: pts, Labels: labels}, {Title: "W=3", Points: pts, Labels: labels}}, []string{"a", "b", "c"}, nil, "labelled")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Save(fig, filepath.Join(dir, "labelled.png")); err != nil {
		t.Fatal(err)
	}
	xs := make([]float64, 101)
	dens := make([]float64, 101)
	for i := range xs {
		xs[i] = -4 + 8*float64(i)/100
		dens[i] = math.Exp(-xs[i]*xs[i]/2) / math.Sqrt(2*math.Pi)
	}
	_, err = Given([]GivenPanel{{Title: "x0 = 1", Samples: nil, X: xs, Density: dens}}, "x1", -4, 4, 30, "given")
	if err == nil || !strings.Contains(err.Error(), "no finite sample") {
		t.Errorf("no samples: %v", err)
	}
	ys := make([]float64, 300)
	for i := range ys {
		ys[i] = pts[2*i+1]
	}
	g, err := Given([]GivenPanel{{Title: "x0 = 1", Samples: ys, X: xs, Density: dens}}, "x1", -4, 4, 30, "given")
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(g, filepath.Join(dir, "given.png")); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("SGM_PLOT_OUT"); out != "" { // to look at them
		Save(fig, filepath.Join(out, "labelled.png"))
		Save(g, filepath.Join(out, "given.png"))
	}
	for _, c := range []struct {
		sets []LabelledSet
		want string
	}{
		{nil, "no point sets"},
		{[]LabelledSet{{Title: "s", Points: pts[:3], Labels: labels[:1]}}, "not whole"},
		{[]LabelledSet{{Title: "s", Points: pts[:4], Labels: labels[:1]}}, "1 labels for 2 points"},
		{[]LabelledSet{{Title: "s", Points: pts[:2], Labels: []int{5}}}, "label 5, out of range"},
	} {
		if _, err := Labelled(c.sets, []string{"a", "b", "c"}, nil, ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want %q", err, c.want)
		}
	}
}
