package metric

import (
	"encoding/json"
	"math"
	"testing"
)

// TestReportFloors checks that each metric's noise floor is written next
// to it, and left out where it is not finite, as the metrics are.
func TestReportFloors(t *testing.T) {
	r := Report{N: 3, SWD: new(0.5), SWDFloor: new(0.1), MMD: new(0.2), MMDFloor: new(math.Inf(1)),
		HistCorr: new(0.4), HistCorrFloor: new(math.NaN()), HistTV: new(0.6), HistTVFloor: new(0.05),
		ModeWeightError: new(0.3), ModeWeightErrorFloor: new(0.01),
		HistCorrSmoothed: new(0.7), HistCorrSmoothedFloor: new(0.9), HistTVSmoothed: new(0.2), HistTVSmoothedFloor: new(0.02)}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n":3,"swd":0.5,"swd_floor":0.1,"mmd":0.2,"mode_weight_error":0.3,"mode_weight_error_floor":0.01,` +
		`"hist_corr":0.4,"hist_tv":0.6,"hist_tv_floor":0.05,"hist_corr_smoothed":0.7,"hist_corr_smoothed_floor":0.9,` +
		`"hist_tv_smoothed":0.2,"hist_tv_smoothed_floor":0.02}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	if !math.IsInf(*r.MMDFloor, 1) || !math.IsNaN(*r.HistCorrFloor) {
		t.Error("MarshalJSON changed the report")
	}
}
