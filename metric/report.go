package metric

import (
	"encoding/json"
	"math"
)

// Report gathers the metrics of one set of n samples for JSON output. A
// nil or empty field was not computed and is left out; set one with Go's
// new(expr), as in
//
//	r := metric.Report{N: n}
//	r.SWD, r.SWDProjections = new(metric.SlicedWasserstein(x, y, d, p, rng)), p
//
// Non-finite values (a Pearson correlation of a constant histogram is NaN)
// have no JSON form: MarshalJSON leaves them out too.
//
// Each metric M has a noise floor M_floor: the same metric for an exact
// sampler, that is between two independent exact samples of the target of
// the same size n (for the two-sample metrics SWD and MMD, the second at
// MMD's bandwidth), or of one exact sample (for the others). A sampler
// cannot be told from an exact one by a metric within about its floor: the
// floor is what "swd 0.49" is to be read against.
type Report struct {
	N int `json:"n"` // number of samples

	SWD            *float64 `json:"swd,omitempty"`             // SlicedWasserstein
	SWDFloor       *float64 `json:"swd_floor,omitempty"`       // its noise floor
	SWDProjections int      `json:"swd_projections,omitempty"` // its number of directions

	MMD          *float64 `json:"mmd,omitempty"`           // MMD², MMDResult.MMD2
	MMDFloor     *float64 `json:"mmd_floor,omitempty"`     // its noise floor
	MMDBandwidth *float64 `json:"mmd_bandwidth,omitempty"` // MMDResult.Bandwidth

	ModeWeights          []float64 `json:"mode_weights,omitempty"`            // ModeWeights
	ModeWeightError      *float64  `json:"mode_weight_error,omitempty"`       // ModeWeightError
	ModeWeightErrorFloor *float64  `json:"mode_weight_error_floor,omitempty"` // its noise floor

	HistCorr              *float64 `json:"hist_corr,omitempty"`                // HistCorr against the image
	HistCorrFloor         *float64 `json:"hist_corr_floor,omitempty"`          // its noise floor
	HistTV                *float64 `json:"hist_tv,omitempty"`                  // HistTV against the image
	HistTVFloor           *float64 `json:"hist_tv_floor,omitempty"`            // its noise floor
	HistCorrSmoothed      *float64 `json:"hist_corr_smoothed,omitempty"`       // HistCorr against SmoothedImageHistogram
	HistCorrSmoothedFloor *float64 `json:"hist_corr_smoothed_floor,omitempty"` // its noise floor
	HistTVSmoothed        *float64 `json:"hist_tv_smoothed,omitempty"`         // HistTVSmoothed
	HistTVSmoothedFloor   *float64 `json:"hist_tv_smoothed_floor,omitempty"`   // its noise floor
}

// SetMMD sets r.MMD and r.MMDBandwidth from res.
func (r *Report) SetMMD(res MMDResult) {
	r.MMD, r.MMDBandwidth = new(res.MMD2), new(res.Bandwidth)
}

// MarshalJSON encodes r as its fields' tags say, leaving out non-finite
// values.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report // without the method, to avoid recursion
	p := plain(r)
	for _, f := range []**float64{
		&p.SWD, &p.SWDFloor, &p.MMD, &p.MMDFloor, &p.MMDBandwidth, &p.ModeWeightError, &p.ModeWeightErrorFloor,
		&p.HistCorr, &p.HistCorrFloor, &p.HistTV, &p.HistTVFloor,
		&p.HistCorrSmoothed, &p.HistCorrSmoothedFloor, &p.HistTVSmoothed, &p.HistTVSmoothedFloor,
	} {
		if *f != nil && !finite(**f) {
			*f = nil
		}
	}
	return json.Marshal(p)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
