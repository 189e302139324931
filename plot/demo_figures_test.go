package plot

import (
	"bytes"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// figureTexts returns the texts of fig drawn as SVG: its title, legend,
// axis and tick labels.
func figureTexts(t *testing.T, fig Figure) []string {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, fig, "svg"); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range regexp.MustCompile(`(?s)<text[^>]*>([^<]*)</text>`).FindAllStringSubmatch(b.String(), -1) {
		texts = append(texts, html.UnescapeString(m[1]))
	}
	return texts
}

func wantTexts(t *testing.T, texts []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(texts, w) {
			t.Errorf("texts %q, want %q", texts, w)
		}
	}
}

// TestModeWeights checks the demo's mode-weight figure: a category per
// mode named by its centre, both samplers and the true weight in the
// legend, and no MALA in the title (its acceptance rate is of another
// target, the blog post's mixture: the title quoted it as if of this one,
// issue 20).
func TestModeWeights(t *testing.T) {
	fig, err := ModeWeights("two-modes-unequal", [][]float64{{-5, -5}, {5, 5}}, []float64{0.2, 0.8}, []BarGroup{
		{Name: "plain Langevin", Values: []float64{0.5, 0.5}, Errors: []float64{0.0079, 0.0079}},
		{Name: "annealed Langevin", Values: []float64{0.21, 0.79}, Errors: []float64{0.0064, 0.0064}},
	}, 4000)
	if err != nil {
		t.Fatal(err)
	}
	texts := figureTexts(t, fig)
	wantTexts(t, texts, "two-modes-unequal: mode weights of 4000 chains ± 1 s.e.",
		"mode 1 at (-5, -5)", "mode 2 at (5, 5)", "plain Langevin", "annealed Langevin", "true weight")
	for _, text := range texts {
		if strings.Contains(text, "MALA") {
			t.Errorf("the figure quotes %q", text)
		}
	}
}

// TestScoreErrorMarks checks the score error's legend: the tolerance, the
// level picked (a fallback said so), or that none is usable; and no
// literal underscore.
func TestScoreErrorMarks(t *testing.T) {
	sigmas, fisher, rel := []float64{1e-3, 1e-2, 1e-1, 1}, []float64{2, 0.5, 0.05, 0.01}, []float64{1, 0.3, 0.08, 0.01}
	for _, c := range []struct {
		picked   int
		fallback bool
		want     []string
	}{
		{2, false, []string{"tolerance 0.1 of sample --level auto", "level it picks: 2 (σ=0.1)"}},
		{3, true, []string{"level it picks: 3 (σ=1), a fallback"}},
		{-1, false, []string{"tolerance 0.1 of sample --level auto: no level usable"}},
	} {
		fig, err := ScoreErrorCurves(sigmas, fisher, rel, 0.1, c.picked, c.fallback, "score error")
		if err != nil {
			t.Fatal(err)
		}
		texts := figureTexts(t, fig)
		wantTexts(t, texts, c.want...)
		for _, s := range texts {
			if strings.Contains(s, "_") {
				t.Errorf("text %q has a literal underscore", s)
			}
		}
	}
}

// TestNFECurves checks one curve per sampler and the floor in the legend,
// and the title and axis.
func TestNFECurves(t *testing.T) {
	pts := []NFEPoint{{"em", 10, 1.5}, {"ode", 40, 0.6}, {"em", 100, 0.8}, {"ode", 80, 0.5}}
	fig, err := NFECurves([]string{"em", "ode"}, pts, 0.4, "VP model under vp, n = 100")
	if err != nil {
		t.Fatal(err)
	}
	wantTexts(t, figureTexts(t, fig), "em", "ode", "floor: W₂ between exact samples", "VP model under vp, n = 100", "score evaluations (NFE) (log scale)")
}

// TestLossFigure checks the loss figure's title, and that it panics on
// steps and losses of different lengths.
func TestLossFigure(t *testing.T) {
	fig, err := Loss([]float64{1, 2, 3}, []float64{3, 2, 1}, "denoising score matching loss")
	if err != nil {
		t.Fatal(err)
	}
	if texts := figureTexts(t, fig); len(texts) == 0 || texts[0] != "denoising score matching loss" {
		t.Errorf("texts %q, want the title first", texts)
	}
	defer func() {
		if recover() == nil {
			t.Error("Loss of 2 steps and 1 loss did not panic")
		}
	}()
	Loss([]float64{1, 2}, []float64{1}, "")
}

// TestFieldLevels checks the levels of the learned-fields figure: the
// blog post's 0, 3, ..., 24 of 30, every level of a short schedule.
func TestFieldLevels(t *testing.T) {
	for _, c := range []struct {
		L    int
		want []int
	}{
		{30, []int{0, 3, 6, 9, 12, 15, 18, 21, 24}},
		{10, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{5, []int{0, 1, 2, 3, 4}},
		{100, []int{0, 10, 20, 30, 40, 50, 60, 70, 80}},
	} {
		if got := FieldLevels(c.L); !slices.Equal(got, c.want) {
			t.Errorf("FieldLevels(%d) = %v, want %v", c.L, got, c.want)
		}
	}
}
