package metric

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
// MMD's bandwidth), or of one exact sample (for the others), averaged over
// FloorReps pairs (samples), with its standard deviation M_floor_sd over
// them: the spread of M itself for an exact sampler. A sampler cannot be
// told from an exact one by a metric within a few M_floor_sd of M_floor:
// the floor is what "swd 0.49" is to be read against.
type Report struct {
	N int `json:"n"` // number of samples

	SWD            *float64 `json:"swd,omitempty"`             // SlicedWasserstein
	SWDFloor       *float64 `json:"swd_floor,omitempty"`       // its noise floor
	SWDFloorSD     *float64 `json:"swd_floor_sd,omitempty"`    // and its standard deviation
	SWDProjections int      `json:"swd_projections,omitempty"` // its number of directions

	MMD          *float64 `json:"mmd,omitempty"`           // MMD², MMDResult.MMD2
	MMDFloor     *float64 `json:"mmd_floor,omitempty"`     // its noise floor
	MMDFloorSD   *float64 `json:"mmd_floor_sd,omitempty"`  // and its standard deviation
	MMDBandwidth *float64 `json:"mmd_bandwidth,omitempty"` // MMDResult.Bandwidth

	ModeWeights            []float64 `json:"mode_weights,omitempty"`               // ModeWeights
	ModeWeightError        *float64  `json:"mode_weight_error,omitempty"`          // ModeWeightError
	ModeWeightErrorFloor   *float64  `json:"mode_weight_error_floor,omitempty"`    // its noise floor
	ModeWeightErrorFloorSD *float64  `json:"mode_weight_error_floor_sd,omitempty"` // and its standard deviation

	HistCorr                *float64 `json:"hist_corr,omitempty"`                   // HistCorr against the image
	HistCorrFloor           *float64 `json:"hist_corr_floor,omitempty"`             // its noise floor
	HistCorrFloorSD         *float64 `json:"hist_corr_floor_sd,omitempty"`          // and its standard deviation
	HistTV                  *float64 `json:"hist_tv,omitempty"`                     // HistTV against the image
	HistTVFloor             *float64 `json:"hist_tv_floor,omitempty"`               // its noise floor
	HistTVFloorSD           *float64 `json:"hist_tv_floor_sd,omitempty"`            // and its standard deviation
	HistCorrSmoothed        *float64 `json:"hist_corr_smoothed,omitempty"`          // HistCorr against SmoothedImageHistogram
	HistCorrSmoothedFloor   *float64 `json:"hist_corr_smoothed_floor,omitempty"`    // its noise floor
	HistCorrSmoothedFloorSD *float64 `json:"hist_corr_smoothed_floor_sd,omitempty"` // and its standard deviation
	HistTVSmoothed          *float64 `json:"hist_tv_smoothed,omitempty"`            // HistTVSmoothed
	HistTVSmoothedFloor     *float64 `json:"hist_tv_smoothed_floor,omitempty"`      // its noise floor
	HistTVSmoothedFloorSD   *float64 `json:"hist_tv_smoothed_floor_sd,omitempty"`   // and its standard deviation

	// The point metrics of SetPointMetrics, on WN samples and as many
	// reference points.
	WN               int       `json:"w_n,omitempty"`
	W2               *float64  `json:"w2,omitempty"`                   // Wasserstein2
	W2Floor          *float64  `json:"w2_floor,omitempty"`             // its noise floor
	W2FloorSD        *float64  `json:"w2_floor_sd,omitempty"`          // the floor's standard deviation over FloorReps pairs
	W1               *float64  `json:"w1,omitempty"`                   // Wasserstein1
	W1Floor          *float64  `json:"w1_floor,omitempty"`             // its noise floor
	W1FloorSD        *float64  `json:"w1_floor_sd,omitempty"`          // and standard deviation
	Energy           *float64  `json:"energy,omitempty"`               // EnergyDistance
	EnergyFloor      *float64  `json:"energy_floor,omitempty"`         // its noise floor
	EnergyFloorSD    *float64  `json:"energy_floor_sd,omitempty"`      // and standard deviation
	RBFBandwidths    []float64 `json:"rbf_bandwidths,omitempty"`       // CFMBandwidths
	RBFMMD           []float64 `json:"rbf_mmd,omitempty"`              // RBFMMD's MMD2 at each bandwidth
	RBFMMDFloor      []float64 `json:"rbf_mmd_floor,omitempty"`        // its noise floor
	RBFMMDFloorSD    []float64 `json:"rbf_mmd_floor_sd,omitempty"`     // and standard deviation
	RBFMMDCFM        *float64  `json:"rbf_mmd_cfm,omitempty"`          // RBFMMD's Mixture, torchcfm's RBF_MMD
	RBFMMDCFMFloor   *float64  `json:"rbf_mmd_cfm_floor,omitempty"`    // its noise floor
	RBFMMDCFMFloorSD *float64  `json:"rbf_mmd_cfm_floor_sd,omitempty"` // and standard deviation

	// FloorReps is the number of pairs of independent reference samples
	// (of one reference sample, for the one-sample metrics) each noise
	// floor is the mean of, with its standard deviation M_floor_sd.
	FloorReps int `json:"floor_reps,omitempty"`
}

// SetPointMetrics sets r's point metrics of the samples x against the
// reference points ref, all in R^d and equally many (WN): the exact W₂ and
// W₁ (Wasserstein2, Wasserstein1), the energy distance, and RBFMMD at
// CFMBandwidths; and each one's noise floor, its mean and standard
// deviation over reps pairs drawn by pair (Floors, using rng), each a
// pair of independent samples of the target of WN points (SamplerPair;
// SplitPair for a data set, disjoint from ref so far as the caller keeps
// ref out of it). It sets FloorReps to reps. It panics as Wasserstein2
// does, and unless there are at least 2 points each and reps >= 1.
func (r *Report) SetPointMetrics(x, ref []float64, d int, pair Pair, reps int, rng *rand.Rand) {
	r.WN = checkPairs("SetPointMetrics", x, ref, d)
	v := pointValues(x, ref, d)
	f := Floors(pair, reps, rng, func(a, b []float64, _ *rand.Rand) []float64 {
		checkPairs("SetPointMetrics", a, b, d)
		if len(a) != len(x) {
			panic(fmt.Sprintf("metric: SetPointMetrics: a floor pair of %d points, want %d as the samples", len(a)/d, r.WN))
		}
		return pointValues(a, b, d)
	})
	mean, sd := make([]float64, len(f)), make([]float64, len(f))
	for i, fi := range f {
		mean[i], sd[i] = fi.Mean, fi.Std
	}
	r.W2, r.W2Floor, r.W2FloorSD = new(v[0]), new(mean[0]), new(sd[0])
	r.W1, r.W1Floor, r.W1FloorSD = new(v[1]), new(mean[1]), new(sd[1])
	r.Energy, r.EnergyFloor, r.EnergyFloorSD = new(v[2]), new(mean[2]), new(sd[2])
	r.RBFMMDCFM, r.RBFMMDCFMFloor, r.RBFMMDCFMFloorSD = new(v[3]), new(mean[3]), new(sd[3])
	r.RBFBandwidths = slices.Clone(CFMBandwidths[:])
	r.RBFMMD, r.RBFMMDFloor, r.RBFMMDFloorSD = v[4:], mean[4:], sd[4:]
	r.FloorReps = reps
}

// pointValues returns W₂, W₁, the energy distance, torchcfm's RBF-MMD and
// the RBF-MMD at each of CFMBandwidths, of x against y.
func pointValues(x, y []float64, d int) []float64 {
	m := RBFMMD(x, y, d, CFMBandwidths[:])
	return append([]float64{Wasserstein2(x, y, d), Wasserstein1(x, y, d), EnergyDistance(x, y, d), m.Mixture}, m.MMD2...)
}

// SetFloor sets *mean and *sd to f's mean and standard deviation and
// r.FloorReps to its repetitions: one metric's noise floor from Floors.
func (r *Report) SetFloor(mean, sd **float64, f Floor) {
	*mean, *sd = new(f.Mean), new(f.Std)
	r.FloorReps = f.Reps
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
		&p.SWDFloorSD, &p.MMDFloorSD, &p.ModeWeightErrorFloorSD, &p.HistCorrFloorSD, &p.HistTVFloorSD,
		&p.HistCorrSmoothedFloorSD, &p.HistTVSmoothedFloorSD, &p.W2FloorSD, &p.W1FloorSD, &p.EnergyFloorSD, &p.RBFMMDCFMFloorSD,
	} {
		if *f != nil && !finite(**f) {
			*f = nil
		}
	}
	return json.Marshal(p)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
