package scorenet

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm"
)

// setVar sets the network's variable name (relative to its scope) to vals.
func setVar(t *testing.T, n *Net, name string, vals []float32) {
	t.Helper()
	v := n.store.GetVariable(model.JoinPath("/", ScopeName, name))
	if v == nil {
		t.Fatalf("no variable %s", name)
	}
	if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)); err != nil {
		t.Fatal(err)
	}
}

func labelledNet(t *testing.T) *Net {
	t.Helper()
	b, err := GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	sigmas, _ := sgm.Geometric(0.01, 1, 3)
	n, err := New(b, Config{Features: 4, Width: 8, Depth: 2, Sigmas: sigmas, Labels: []string{"a", "b", "c"}}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	// New starts the embedding at zero; give every label its own shift.
	rng := rand.New(rand.NewPCG(5, 6))
	emb := make([]float32, 4*8)
	for i := range emb {
		emb[i] = float32(rng.NormFloat64())
	}
	setVar(t, n, labelEmbedding, emb)
	return n
}

// TestLabelledScores checks the label's place in the network: the graph's
// scores at label c equal the package doc's formula (referenceScores) with
// E_c added to the first layer's bias, for every label and the null one;
// the fast path agrees with the graph to float32 rounding (1e-5
// relative, as TestScoresMatchReference allows the fast path); an
// unlabelled evaluation (ScoreBatch) is the null label's.
func TestLabelledScores(t *testing.T) {
	x := []float64{0.2, 0.7, 0.9, 0.1, -0.3, 0.5}
	const level = 1
	for label := range 4 {
		n := labelledNet(t)
		graph := make([]float64, len(x))
		n.UseGraph(true)
		if err := n.ScoreBatchLabelled(graph, x, level, label); err != nil {
			t.Fatal(err)
		}
		n.UseGraph(false)
		fast := make([]float64, len(x))
		if err := n.ScoreBatchLabelled(fast, x, level, label); err != nil {
			t.Fatal(err)
		}
		if !n.FastPath() {
			t.Log("no fast path on this machine: graph against graph")
		}
		if label == 3 {
			plain := make([]float64, len(x))
			if err := n.ScoreBatch(plain, x, level); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "ScoreBatch vs the null label", plain, fast, 1e-12)
		}
		closeTo(t, "fast vs graph", fast, graph, 1e-5)

		// Fold E_c into b_0 and zero the embedding: the formula without
		// labels must give the graph's scores.
		emb, _ := n.VariableValues(labelEmbedding)
		b0, _ := n.VariableValues("dense_0/biases")
		for i := range b0 {
			b0[i] += emb[label*8+i]
		}
		setVar(t, n, "dense_0/biases", b0)
		setVar(t, n, labelEmbedding, make([]float32, len(emb)))
		closeTo(t, "graph vs reference", graph, referenceScores(t, n, x, level), 1e-5)
	}

	// Different labels, different scores.
	n := labelledNet(t)
	s0, s1 := make([]float64, len(x)), make([]float64, len(x))
	n.ScoreBatchLabelled(s0, x, level, 0)
	n.ScoreBatchLabelled(s1, x, level, 1)
	if s0[0] == s1[0] {
		t.Error("labels 0 and 1 give the same score")
	}
}

func closeTo(t *testing.T, what string, got, want []float64, rel float64) {
	t.Helper()
	for i := range got {
		if math.Abs(got[i]-want[i]) > rel*math.Max(1, math.Abs(want[i])) {
			t.Errorf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestLabelledCheckpoint saves and loads a labelled network: its labels
// and its scores at each label come back.
func TestLabelledCheckpoint(t *testing.T) {
	n := labelledNet(t)
	dir := t.TempDir()
	if err := n.Save(dir); err != nil {
		t.Fatal(err)
	}
	b, _ := GoBackend()
	m, err := Load(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Config().Labels, ","); got != "a,b,c" {
		t.Fatalf("loaded labels %q, want a,b,c", got)
	}
	x := []float64{0.2, 0.7}
	for label := range 4 {
		want, got := make([]float64, 2), make([]float64, 2)
		n.AtLevelLabelled(2, label).ScoreBatch(want, x)
		m.AtLevelLabelled(2, label).ScoreBatch(got, x)
		closeTo(t, "loaded", got, want, 0)
	}
	if i, err := m.Config().LabelIndex("b"); i != 1 || err != nil {
		t.Errorf("LabelIndex(b) = %d, %v", i, err)
	}
	if _, err := m.Config().LabelIndex("d"); err == nil || !strings.Contains(err.Error(), `unknown label "d" (the model's labels: a, b, c)`) {
		t.Errorf("LabelIndex(d): %v", err)
	}
	if _, err := (Config{}).LabelIndex("a"); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("LabelIndex without labels: %v", err)
	}
}

// TestLabelsValidate checks the labels a configuration (and so a
// checkpoint) may hold.
func TestLabelsValidate(t *testing.T) {
	many := make([]string, MaxLabels+1)
	for i := range many {
		many[i] = strings.Repeat("x", i%50+1) + string(rune('a'+i%26)) + string(rune('A'+i/26%26)) + string(rune('0'+i/676%10))
	}
	for _, c := range []struct {
		labels []string
		timed  bool
		want   string
	}{
		{[]string{"a", ""}, false, "label 1 is empty"},
		{[]string{"a", "a"}, false, `label "a" appears twice`},
		{[]string{"a\nb"}, false, "not printable"},
		{[]string{"\xff"}, false, "not valid UTF-8"},
		{[]string{strings.Repeat("x", MaxLabelBytes+1)}, false, "bytes long"},
		{many, false, "at most 4096"},
		{[]string{"a", ""}, true, "label 1 is empty"},
	} {
		cfg := Config{Labels: c.labels}
		if c.timed {
			cfg.Conditioning, cfg.Process = "time", "ve"
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("labels %.40q: %v, want an error with %q", c.labels, err, c.want)
		}
	}
}

func TestLabelMisusePanics(t *testing.T) {
	n := labelledNet(t)
	x := []float64{0.1, 0.2}
	for _, label := range []int{-1, 4} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("label %d: no panic", label)
				}
			}()
			n.ScoreBatchLabelled(make([]float64, 2), x, 0, label)
		}()
	}
	b, _ := GoBackend()
	plain, err := New(b, Config{Features: 4, Width: 8, Depth: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a label for an unlabelled network: no panic")
		}
	}()
	plain.AtLevelLabelled(0, 0)
}

// labelledTimed is a labelled time-conditioned network of process with an
// embedding of its own per label.
func labelledTimed(t *testing.T, process string) *Net {
	t.Helper()
	b, err := GoBackend()
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(b, Config{Features: 4, Width: 8, Depth: 2, Conditioning: "time", Process: process, TimeFeatures: 3, Labels: []string{"a", "b", "c"}}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	emb := make([]float32, 4*8)
	for i := range emb {
		emb[i] = float32(rng.NormFloat64())
	}
	setVar(t, n, labelEmbedding, emb)
	return n
}

// TestLabelledTimeOutput checks the label's place in a time-conditioned
// network: the graph's output at label c equals, after E_c is folded into
// b_0 and the embedding zeroed, the output of the same network without it
// (the null label's place taken by zeros); the fast path agrees with the
// graph to float32 rounding (1e-5 relative, as TestTimeFastPath); the
// output without a label is the null label's, through TimeScore and
// Velocity too.
func TestLabelledTimeOutput(t *testing.T) {
	x := []float64{0.2, 0.7, 0.9, 0.1, -0.3, 0.5}
	const tm = 0.4
	for _, process := range []string{"vp", "flow"} {
		for label := range 4 {
			n := labelledTimed(t, process)
			graph, fast := make([]float64, len(x)), make([]float64, len(x))
			n.UseGraph(true)
			if err := n.OutputAtLabelled(graph, x, tm, label); err != nil {
				t.Fatal(err)
			}
			n.UseGraph(false)
			if err := n.OutputAtLabelled(fast, x, tm, label); err != nil {
				t.Fatal(err)
			}
			closeTo(t, process+": fast vs graph", fast, graph, 1e-5)
			if label == 3 {
				for _, graphOnly := range []bool{true, false} {
					n.UseGraph(graphOnly)
					plain := make([]float64, len(x))
					if err := n.OutputAt(plain, x, tm); err != nil {
						t.Fatal(err)
					}
					closeTo(t, process+": OutputAt vs the null label", plain, graph, 1e-5)
				}
			}
			emb, _ := n.VariableValues(labelEmbedding)
			b0, _ := n.VariableValues("dense_0/biases")
			for i := range b0 {
				b0[i] += emb[label*8+i]
			}
			setVar(t, n, "dense_0/biases", b0)
			setVar(t, n, labelEmbedding, make([]float32, len(emb)))
			n.UseGraph(true)
			folded := make([]float64, len(x))
			if err := n.OutputAtLabelled(folded, x, tm, 3); err != nil {
				t.Fatal(err)
			}
			closeTo(t, process+": label vs folded bias", graph, folded, 1e-5)
		}
	}
	n := labelledTimed(t, "vp")
	ts, _ := n.TimeScore()
	s0, s1, null, plain := make([]float64, 2), make([]float64, 2), make([]float64, 2), make([]float64, 2)
	ts.WithLabel(0).ScoreAt(s0, x[:2], tm)
	ts.WithLabel(1).ScoreAt(s1, x[:2], tm)
	ts.WithLabel(3).ScoreAt(null, x[:2], tm)
	ts.ScoreAt(plain, x[:2], tm)
	if s0[0] == s1[0] {
		t.Error("labels 0 and 1 give the same score")
	}
	closeTo(t, "TimeScore without a label vs the null label", plain, null, 1e-6)
	f := labelledTimed(t, "flow")
	v, _ := f.Velocity()
	v.WithLabel(0).VelocityAt(tm, x[:2], s0)
	v.WithLabel(1).VelocityAt(tm, x[:2], s1)
	if s0[0] == s1[0] {
		t.Error("flow: labels 0 and 1 give the same velocity")
	}
}
