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

	// The point metrics of SetPointMetrics, on WN samples and as many
	// reference points.
	WN             int       `json:"w_n,omitempty"`
	W2             *float64  `json:"w2,omitempty"`                // Wasserstein2
	W2Floor        *float64  `json:"w2_floor,omitempty"`          // its noise floor
	W1             *float64  `json:"w1,omitempty"`                // Wasserstein1
	W1Floor        *float64  `json:"w1_floor,omitempty"`          // its noise floor
	Energy         *float64  `json:"energy,omitempty"`            // EnergyDistance
	EnergyFloor    *float64  `json:"energy_floor,omitempty"`      // its noise floor
	RBFBandwidths  []float64 `json:"rbf_bandwidths,omitempty"`    // CFMBandwidths
	RBFMMD         []float64 `json:"rbf_mmd,omitempty"`           // RBFMMD's MMD2 at each bandwidth
	RBFMMDFloor    []float64 `json:"rbf_mmd_floor,omitempty"`     // its noise floor
	RBFMMDCFM      *float64  `json:"rbf_mmd_cfm,omitempty"`       // RBFMMD's Mixture, torchcfm's RBF_MMD
	RBFMMDCFMFloor *float64  `json:"rbf_mmd_cfm_floor,omitempty"` // its noise floor
}

// SetPointMetrics sets r's point metrics of the samples x against the
// reference points ref, all in R^d and equally many (WN): the exact W₂ and
// W₁ (Wasserstein2, Wasserstein1), the energy distance, and RBFMMD at
// CFMBandwidths; and each one's noise floor, the same metric of floorRef
// against ref, where floorRef is a second reference sample independent of
// ref (of the target, or disjoint from ref in a data set). It panics as
// Wasserstein2 does, and unless there are at least 2 points each.
func (r *Report) SetPointMetrics(x, ref, floorRef []float64, d int) {
	r.WN = checkPairs("SetPointMetrics", x, ref, d)
	checkPairs("SetPointMetrics", floorRef, ref, d)
	r.W2, r.W2Floor = new(Wasserstein2(x, ref, d)), new(Wasserstein2(floorRef, ref, d))
	r.W1, r.W1Floor = new(Wasserstein1(x, ref, d)), new(Wasserstein1(floorRef, ref, d))
	r.Energy, r.EnergyFloor = new(EnergyDistance(x, ref, d)), new(EnergyDistance(floorRef, ref, d))
	m, mf := RBFMMD(x, ref, d, CFMBandwidths[:]), RBFMMD(floorRef, ref, d, CFMBandwidths[:])
	r.RBFBandwidths, r.RBFMMD, r.RBFMMDFloor = m.Bandwidths, m.MMD2, mf.MMD2
	r.RBFMMDCFM, r.RBFMMDCFMFloor = new(m.Mixture), new(mf.Mixture)
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
		&p.W2, &p.W2Floor, &p.W1, &p.W1Floor, &p.Energy, &p.EnergyFloor, &p.RBFMMDCFM, &p.RBFMMDCFMFloor,
	} {
		if *f != nil && !finite(**f) {
			*f = nil
		}
	}
	return json.Marshal(p)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
