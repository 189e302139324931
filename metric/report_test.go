package metric

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

func TestReportJSON(t *testing.T) {
	r := Report{
		N:                10,
		SWD:              new(0.5),
		SWDProjections:   200,
		MMD:              new(-0.001),
		MMDBandwidth:     new(1.5),
		ModeWeights:      []float64{0.25, 0.75},
		ModeWeightError:  new(0.05),
		HistCorr:         new(0.9),
		HistTV:           new(0.1),
		HistCorrSmoothed: new(math.NaN()),
		HistTVSmoothed:   new(math.Inf(1)),
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"hist_corr", "hist_tv", "mmd", "mmd_bandwidth", "mode_weight_error", "mode_weights", "n", "swd", "swd_projections"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v (non-finite values left out)", keys, want)
	}
	if got["mmd"] != -0.001 || got["n"] != 10.0 {
		t.Errorf("JSON %s", b)
	}
	if !math.IsNaN(*r.HistCorrSmoothed) {
		t.Error("MarshalJSON changed the report")
	}
}
