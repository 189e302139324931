package serve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"

	sgmmodel "github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/sde"
)

// reverseRequest is POST /api/reverse: N particles drawn from the prior of
// a forward SDE, moved to the data by one of the reverse-time samplers on
// the target's exact time-conditioned score (sde.Mixture), recorded as
// frames for the page to animate. Only mixtures (presets and edited
// mixtures) have that score in closed form.
type reverseRequest struct {
	Target  Spec   `json:"target"`
	SDE     string `json:"sde"`     // ve (default), vp or subvp
	Sampler string `json:"sampler"` // em, pc, ode, heun, ddim (vp only), dpm2m (default)
	NFE     int    `json:"nfe"`     // score evaluations of the fixed-step samplers; 0: the sampler's default
	N       int    `json:"n"`       // particles; 0 means 2000
	Frames  int    `json:"frames"`  // most frames returned, besides the last; 0 means 60
	Seed    uint64 `json:"seed"`
}

// reverseFrame is the particles at time T of the reverse process: as the
// sampler evaluated the score there, or (the last frame) its output.
type reverseFrame struct {
	T float64 `json:"t"`
	X string  `json:"x"` // encodePoints' form
}

type reverseResponse struct {
	SDE     string          `json:"sde"` // with its parameters
	Sampler string          `json:"sampler"`
	NFE     int             `json:"nfe"`
	Frames  []reverseFrame  `json:"frames"`  // from t = 1 (the prior) down to the end
	Prior   float64         `json:"prior"`   // the prior's standard deviation
	Metrics metricsResponse `json:"metrics"` // of the last frame
}

// reverseSamplers lists the samplers of POST /api/reverse; defaultNFE is
// each fixed-step sampler's default budget: enough that the exact score's
// samples match the mixture's moments (TestReverseMoments).
var (
	reverseSamplers = sgmmodel.ReverseSamplers
	reverseNFE      = map[string]int{"em": 500, "pc": 500, "heun": 35, "ddim": 100, "dpm2m": 20}
)

// maxReverseParticles bounds N: the probability-flow ODE's NFE follows its
// tolerance (about 100 to 300 here), so N bounds its cost.
const maxReverseParticles = 5000

// flowTol is the probability-flow ODE's relative and absolute tolerance:
// samples indistinguishable from the mixture at a few thousand points.
const flowTol = 1e-4

// explorerSDE returns the SDE name picks, framed for t: VE runs from the
// target's smallest noise level to the diameter of its box (Song & Ermon
// 2020: σ_max near the largest distance between data points), so that
// the prior stays near the view; VP and sub-VP take score_sde's β.
func explorerSDE(name string, t *target) (sde.SDE, error) {
	switch name {
	case "", "ve":
		b := t.box
		return sde.VE{SigmaMin: t.grid[0], SigmaMax: math.Hypot(b[1]-b[0], b[3]-b[2])}, nil
	case "vp", "subvp":
		return sde.Parse(name)
	}
	return nil, fmt.Errorf("sde %s: must be one of ve, vp, subvp", clip(name))
}

// reverseSampler returns the sampler name picks at nfe score evaluations
// (model.ReverseSampler, with the explorer's budgets and messages).
func reverseSampler(name string, p sde.SDE, nfe int) (sample.Reverse, error) {
	if name == "" {
		name = "dpm2m"
	}
	if name == "ode" {
		if nfe != 0 {
			return nil, errors.New("nfe: the ode sampler's NFE follows its error tolerance; leave nfe 0")
		}
		return sgmmodel.ReverseSampler(p, sgmmodel.SampleOptions{Sampler: name, RTol: flowTol, ATol: flowTol})
	}
	def, ok := reverseNFE[name]
	if !ok {
		return nil, fmt.Errorf("sampler %s: must be one of em, pc, ode, heun, ddim, dpm2m", clip(name))
	}
	if nfe == 0 {
		nfe = def
	}
	if nfe < 2 || nfe > 2000 {
		return nil, fmt.Errorf("nfe %d: must be in [2, 2000]", nfe)
	}
	if _, ok := p.(sde.VP); name == "ddim" && !ok {
		return nil, fmt.Errorf("sampler ddim needs the vp SDE (DDIM is defined for the variance-preserving process), not %v", p)
	}
	return sgmmodel.ReverseSampler(p, sgmmodel.SampleOptions{Sampler: name, NFE: nfe})
}

func (s *Server) handleReverse(w http.ResponseWriter, r *http.Request) {
	var req reverseRequest
	t, ok := s.readTarget(w, r, &req, &req.Target)
	if !ok {
		return
	}
	res, err := s.reverse(r.Context(), &req, t)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, res)
}

func (s *Server) reverse(ctx context.Context, req *reverseRequest, t *target) (*reverseResponse, error) {
	if t.mix == nil {
		return nil, fmt.Errorf("target %s: the SDE samplers run on an exact score, which only mixtures (presets, edited mixtures) have here", t.name)
	}
	if req.N == 0 {
		req.N = 2000
	}
	if req.Frames == 0 {
		req.Frames = 60
	}
	if req.N < 1 || req.N > maxReverseParticles {
		return nil, fmt.Errorf("n %d: must be in [1, %d]", req.N, maxReverseParticles)
	}
	if req.Frames < 2 || req.Frames > 200 {
		return nil, fmt.Errorf("frames %d: must be in [2, 200]", req.Frames)
	}
	p, err := explorerSDE(req.SDE, t)
	if err != nil {
		return nil, err
	}
	smp, err := reverseSampler(req.Sampler, p, req.NFE)
	if err != nil {
		return nil, err
	}
	if req.N*max(req.NFE, reverseNFE[req.Sampler]) > maxWork {
		return nil, fmt.Errorf("nfe × n: at most %d", maxWork)
	}
	exact, err := sde.NewMixture(p, t.mix)
	if err != nil {
		return nil, fmt.Errorf("target %s: %v", t.name, err)
	}
	rng := newRand(req.Seed, 0)
	x := make([]float64, 2*req.N)
	sde.PriorSample(p, x, rng)
	rec := &recorder{score: exact, max: req.Frames, stride: 1}
	nfe, err := smp.Sample(x, p, rec, rng)
	if err != nil {
		return nil, err
	}
	res := &reverseResponse{SDE: fmt.Sprint(p), Sampler: req.Sampler, NFE: nfe, Prior: sde.PriorStd(p)}
	for _, f := range rec.frames {
		res.Frames = append(res.Frames, reverseFrame{T: f.t, X: encodePoints(f.x)})
	}
	res.Frames = append(res.Frames, reverseFrame{T: 0, X: encodePoints(x)})
	if res.Metrics, err = s.metrics(ctx, t, x, 300, defaultRefs); err != nil {
		return nil, err
	}
	return res, nil
}

// recorder is a time-conditioned score that keeps a copy of the particles
// at every stride-th evaluation: every reverse sampler evaluates the score
// at the particles of its current time (and, for the second-order ones,
// at a predicted point), so the copies are the reverse process as the
// sampler saw it. When more than 2 max copies are kept, every other one
// goes and the stride doubles: max to 2 max frames evenly spaced over the
// evaluations, whatever the NFE, starting with the prior's.
type recorder struct {
	score  sde.TimeScorer
	max    int
	stride int
	calls  int
	frames []recorded
}

type recorded struct {
	t float64
	x []float64
}

func (r *recorder) Dim() int { return r.score.Dim() }

func (r *recorder) ScoreAt(dst, x []float64, t float64) {
	if r.calls%r.stride == 0 {
		r.frames = append(r.frames, recorded{t: t, x: append([]float64(nil), x...)})
		if len(r.frames) > 2*r.max {
			for i := range (len(r.frames) + 1) / 2 {
				r.frames[i] = r.frames[2*i]
			}
			r.frames = r.frames[:(len(r.frames)+1)/2]
			r.stride *= 2
		}
	}
	r.calls++
	r.score.ScoreAt(dst, x, t)
}
