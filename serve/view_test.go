package serve

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/sde"
)

// ringAndBlob returns m points whose rows alternate between a ring of
// radius 2 about the origin (odd rows) and a blob at
// (4, 4): the file that a stride through the rows read as blob alone.
func ringAndBlob(m int) []float64 {
	x := make([]float64, 0, 2*m)
	for i := range m {
		if i%2 == 0 {
			a := float64(i) * 0.0123
			x = append(x, 4+0.05*math.Cos(a*7), 4+0.05*math.Sin(a*5))
		} else {
			a := 2 * math.Pi * float64(i) / float64(m)
			x = append(x, 2*math.Cos(a), 2*math.Sin(a))
		}
	}
	return x
}

// TestPerturbedEveryPoint checks that a cloud of at most maxEmpirical
// points has every point in its perturbed density: at a ring point of
// an 800-row file alternating blob and ring rows, p_σ is at least the
// weight of the component sitting there times its peak, 1/800 ·
// 1/(2πσ²). Taking every fourth row (the old stride) kept blob rows only
// and put the ring at log p ≈ -400.
func TestPerturbedEveryPoint(t *testing.T) {
	pts := ringAndBlob(800)
	tg, err := resolve(Spec{Points: pts}, DefaultLimits.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	sigma := tg.grid[0]
	p, err := tg.perturbed(sigma)
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != 800 {
		t.Errorf("the density has %d components, want all 800 points", p.Len())
	}
	floor := math.Log(1.0 / 800 / (2 * math.Pi * sigma * sigma))
	for _, i := range []int{1, 201, 401} {
		if lp := p.LogProb(pts[2*i : 2*i+2]); lp < floor-1e-9 {
			t.Errorf("log p at ring point %d %v: %v, below the bound %v", i, pts[2*i:2*i+2], lp, floor)
		}
	}
	if d := tg.density(); !strings.Contains(d, "all 800 points") {
		t.Errorf("density label %q does not say all 800 points", d)
	}
}

// TestPerturbedSubset checks a cloud larger than maxEmpirical: a seeded
// random subset of maxEmpirical points, the same every time, half of
// them (within 5 standard errors of a hypergeometric draw, ±0.8%) from
// each kind of row, and labelled as a subset.
func TestPerturbedSubset(t *testing.T) {
	pts := ringAndBlob(3000)
	lim := DefaultLimits.withDefaults()
	a, err := resolve(Spec{Points: pts}, lim)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := resolve(Spec{Points: pts}, lim)
	if len(a.comps) != 2*maxEmpirical {
		t.Fatalf("%d components, want %d", len(a.comps)/2, maxEmpirical)
	}
	ring := 0
	for i := 0; i < len(a.comps); i += 2 {
		if a.comps[i] != b.comps[i] || a.comps[i+1] != b.comps[i+1] {
			t.Fatalf("component %d differs between two resolutions of the same points", i/2)
		}
		if math.Hypot(a.comps[i], a.comps[i+1]) < 2.5 {
			ring++
		}
	}
	// sd of the ring share: sqrt(p(1-p)/n · (N-n)/(N-1)) ≈ 0.0132.
	if share := float64(ring) / maxEmpirical; math.Abs(share-0.5) > 5*0.0132 {
		t.Errorf("ring share of the subset %.3f, want 0.5 ± %.3f", share, 5*0.0132)
	}
	if d := a.density(); !strings.Contains(d, "subset of 1000 of the 3000 points") {
		t.Errorf("density label %q does not name the subset", d)
	}
	toy, _ := resolve(Spec{Toy: "moons"}, lim)
	if d := toy.density(); !strings.Contains(d, "not exact") {
		t.Errorf("a toy's density label %q does not say it is not exact", d)
	}
}

// TestFieldEchoesRequest checks that a field answer names the target
// and level it answers, in both encodings, and that the float32 form
// carries the same numbers rounded to float32.
func TestFieldEchoesRequest(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	spec := gaussian(0.3, -0.2, 0.5)
	var tr targetResponse
	postOK(t, ts.URL+"/api/target", targetRequest{Target: spec, N: 10}, &tr)
	var f, g fieldResponse
	postOK(t, ts.URL+"/api/field", fieldRequest{Target: spec, Level: 4, Grid: 5}, &f)
	postOK(t, ts.URL+"/api/field", fieldRequest{Target: spec, Level: 4, Grid: 5, Format: "f32"}, &g)
	if f.Key != tr.Key || g.Key != tr.Key || f.Level != 4 || g.Level != 4 {
		t.Errorf("keys %q, %q and levels %d, %d; want %q and 4", f.Key, g.Key, f.Level, g.Level, tr.Key)
	}
	if g.LogP != nil || g.Score != nil {
		t.Errorf("f32 answer carries JSON arrays too")
	}
	lp, err := decodeFloats(g.LogP32)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := decodeFloats(g.Score32)
	if err != nil {
		t.Fatal(err)
	}
	if len(lp) != len(f.LogP) || len(sc) != len(f.Score) {
		t.Fatalf("f32 lengths %d, %d; want %d, %d", len(lp), len(sc), len(f.LogP), len(f.Score))
	}
	for k := range lp {
		if lp[k] != float64(float32(f.LogP[k])) {
			t.Errorf("log p %d: %v, want float32(%v)", k, lp[k], f.LogP[k])
		}
	}
	for k := range sc {
		if sc[k] != float64(float32(f.Score[k])) {
			t.Errorf("score %d: %v, want float32(%v)", k, sc[k], f.Score[k])
		}
	}
	if code, b := post(t, ts.URL+"/api/field", fieldRequest{Target: spec, Format: "f16"}); code != 400 || !strings.Contains(string(b), "format") {
		t.Errorf("format f16: %d %s", code, b)
	}
}

// decodeFloats unpacks encodePoints' form without its 2-D checks.
func decodeFloats(s string) ([]float64, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	x := make([]float64, len(b)/4)
	for i := range x {
		x[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return x, nil
}

// TestFieldAtTime checks the field of p_t against sde.Mixture.At for each
// SDE, and that a cloud is refused (it has no closed-form p_t).
func TestFieldAtTime(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	spec := gaussian(1, -0.5, 0.3)
	tg, err := resolve(spec, DefaultLimits.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ve", "vp", "subvp"} {
		tt := 0.4
		var f fieldResponse
		postOK(t, ts.URL+"/api/field", fieldRequest{Target: spec, Grid: 4, SDE: name, T: &tt}, &f)
		p, _ := explorerSDE(name, tg)
		m, _ := sde.NewMixture(p, tg.mix)
		pt := m.At(tt)
		if f.T == nil || *f.T != tt || f.SDE != name {
			t.Errorf("%s: answer names t %v, sde %q", name, f.T, f.SDE)
		}
		for j, y := range f.Y {
			for i, x := range f.X {
				k := j*4 + i
				want := pt.LogProb([]float64{x, y})
				// The same mixture's log-density: equal up to rounding.
				if math.Abs(f.LogP[k]-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("%s at (%v, %v): log p_t %v, want %v", name, x, y, f.LogP[k], want)
				}
			}
		}
	}
	tt := 0.5
	if code, b := post(t, ts.URL+"/api/field", fieldRequest{Target: Spec{Points: []float64{0, 0, 1, 1}}, SDE: "vp", T: &tt}); code != 400 || !strings.Contains(string(b), "only mixtures") {
		t.Errorf("a cloud's p_t: %d %s", code, b)
	}
	tt = 1.5
	if code, b := post(t, ts.URL+"/api/field", fieldRequest{Target: spec, SDE: "vp", T: &tt}); code != 400 || !strings.Contains(string(b), "[0, 1]") {
		t.Errorf("t 1.5: %d %s", code, b)
	}
}

// TestGridAt: the field's grid follows the perturbed density's finest
// detail: a toy's smoothed sample at the smallest σ (checkerboard, σ =
// 0.023 on a view 9.1 wide) takes the largest grid, a point per σ
// capped at maxGrid, and the broadest level the least; 8gaussians, a
// mixture whose components have standard deviation 0.35, needs no more
// than the least at any level. POST /api/target gives them per level.
func TestGridAt(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	for _, c := range []struct {
		spec        Spec
		first, last int
	}{
		{Spec{Toy: "checkerboard"}, maxGrid, minGrid},
		{Spec{Toy: "8gaussians"}, minGrid, minGrid},
	} {
		var tr targetResponse
		postOK(t, ts.URL+"/api/target", targetRequest{Target: c.spec, N: 1}, &tr)
		if len(tr.Grids) != levels || tr.Grids[0] != c.first || tr.Grids[levels-1] != c.last {
			t.Errorf("%v: grids %v, want %d at level 0 and %d at level %d", c.spec, tr.Grids, c.first, c.last, levels-1)
		}
		for i := 1; i < len(tr.Grids); i++ {
			if tr.Grids[i] > tr.Grids[i-1] {
				t.Errorf("%v: grids %v grow with σ", c.spec, tr.Grids)
			}
		}
	}
}
