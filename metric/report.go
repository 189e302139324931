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
type Report struct {
	N int `json:"n"` // number of samples

	SWD            *float64 `json:"swd,omitempty"`             // SlicedWasserstein
	SWDProjections int      `json:"swd_projections,omitempty"` // its number of directions

	MMD          *float64 `json:"mmd,omitempty"`           // MMD², MMDResult.MMD2
	MMDBandwidth *float64 `json:"mmd_bandwidth,omitempty"` // MMDResult.Bandwidth

	ModeWeights     []float64 `json:"mode_weights,omitempty"`      // ModeWeights
	ModeWeightError *float64  `json:"mode_weight_error,omitempty"` // ModeWeightError

	HistCorr         *float64 `json:"hist_corr,omitempty"`          // HistCorr against the image
	HistTV           *float64 `json:"hist_tv,omitempty"`            // HistTV against the image
	HistCorrSmoothed *float64 `json:"hist_corr_smoothed,omitempty"` // HistCorr against SmoothedImageHistogram
	HistTVSmoothed   *float64 `json:"hist_tv_smoothed,omitempty"`   // HistTVSmoothed
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
		&p.SWD, &p.MMD, &p.MMDBandwidth, &p.ModeWeightError,
		&p.HistCorr, &p.HistTV, &p.HistCorrSmoothed, &p.HistTVSmoothed,
	} {
		if *f != nil && !finite(**f) {
			*f = nil
		}
	}
	return json.Marshal(p)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
