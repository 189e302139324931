package serve

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/metric"
	"github.com/sgm-dev/sgm/sample"
)

// newRand returns a generator on the PCG stream (seed, stream).
func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// encodePoints packs points as base64 of little-endian float32s, the form
// particles travel in (a quarter of JSON's bytes, and a Float32Array on the
// page). A coordinate beyond float32's range (a particle a sampler threw
// out to 1e150, or to ±Inf) travels capped at ±math.MaxFloat32, finite,
// so that the page can send it back; NaN stays NaN.
func encodePoints(x []float64) string {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		v = min(max(v, -math.MaxFloat32), math.MaxFloat32)
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(v)))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// decodePoints unpacks encodePoints' form, refusing more than max 2-D
// points and non-finite values.
func decodePoints(what, s string, max int) ([]float64, error) {
	if base64.StdEncoding.DecodedLen(len(s)) > 8*max+8 {
		return nil, fmt.Errorf("%s: more than %d points", what, max)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: not base64: %v", what, err)
	}
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a whole number of 2-D float32 points", what, len(b))
	}
	x := make([]float64, len(b)/4)
	for i := range x {
		x[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	if err := checkPoints(what, x, max); err != nil {
		return nil, err
	}
	return x, nil
}

// Samplers the step endpoint runs.
const (
	samplerLangevin = "langevin"
	samplerAnnealed = "annealed"
	samplerMALA     = "mala"
	samplerHMC      = "hmc"
)

// stepRequest is POST /api/step: K more steps of a sampler from the
// particles X (or, when X is empty, from N particles uniform over the
// target's box). The server keeps no state: T counts the steps taken so
// far (annealed Langevin's level follows from it) and step t draws its
// noise from the stream (Seed, t+1), so a run is reproducible from its
// request.
type stepRequest struct {
	Target   Spec    `json:"target"`
	Source   string  `json:"source"`   // "exact" (default) or "learned"
	Sampler  string  `json:"sampler"`  // langevin (default), annealed, mala, hmc
	Level    int     `json:"level"`    // noise level of langevin, mala and hmc
	StepSize float64 `json:"stepSize"` // η of langevin and mala, ε of hmc; 0 means 0.1 σ² at the level
	Leapfrog int     `json:"leapfrog"` // hmc's leapfrog steps; 0 means 5
	PerLevel int     `json:"perLevel"` // annealed: steps per level; 0 means annealPerLevel
	Eps      float64 `json:"eps"`      // annealed: the last level's step size; 0 means annealEps σ_L²
	N        int     `json:"n"`        // particles to start from when X is empty
	X        string  `json:"x"`        // the particles, encodePoints' form
	T        int     `json:"t"`
	K        int     `json:"k"` // steps to take; 0 means 1
	Seed     uint64  `json:"seed"`
	Frames   int     `json:"frames"` // states returned, every K/Frames steps; 0 means 1 (stepFrames)
	// Label, Guidance and Given condition langevin and annealed (cond):
	// Label a class (a learned model's label, or for the exact score a
	// mixture's component, by index), Guidance classifier-free guidance's
	// W towards it (sample.Guided), Given the value x0 is held at while
	// x1 is sampled (sample.Given).
	Label    string   `json:"label,omitempty"`
	Guidance float64  `json:"guidance,omitempty"`
	Given    *float64 `json:"given,omitempty"`
}

type stepResponse struct {
	X      string         `json:"x"`
	T      int            `json:"t"`
	Done   bool           `json:"done"`             // annealed: the schedule is finished (and denoised)
	Sigma  float64        `json:"sigma"`            // the noise level of the last step
	Accept *float64       `json:"accept,omitempty"` // mala and hmc: acceptance rate of these steps
	Frames []stepResponse `json:"frames,omitempty"` // with Frames > 1: the state every K/Frames steps, the last one X
	// Label, Guidance and Given repeat the request's conditioning, so
	// that the page shows what the particles were sampled under.
	Label    string   `json:"label,omitempty"`
	Guidance float64  `json:"guidance,omitempty"`
	Given    *float64 `json:"given,omitempty"`
}

// maxWork bounds particle-steps per request: about 2 s of a trained
// network's steps on 2 cores, or 5 s with a point cloud's 256 components.
// With the exact score of a larger cloud the bound shrinks in proportion
// (cloudWork), so that a request stays about as long.
const maxWork = 1 << 21

// cloudWork bounds particle-steps × components of an exact point cloud's
// score per request: maxWork at 256 components.
const cloudWork = maxWork * 256

func (s *Server) handleStep(w http.ResponseWriter, r *http.Request) {
	var req stepRequest
	if !readJSON(w, r, &req) {
		return
	}
	res, status, err := s.stepFrames(&req)
	if err != nil {
		writeError(w, status, err)
		return
	}
	writeJSON(w, res)
}

func (s *Server) step(req *stepRequest) (*stepResponse, int, error) {
	bad := func(format string, args ...any) (*stepResponse, int, error) {
		return nil, http.StatusBadRequest, fmt.Errorf(format, args...)
	}
	t, err := resolve(req.Target, s.lim)
	if err != nil {
		return bad("%v", err)
	}
	var x []float64
	if req.X == "" {
		if req.N < 1 || req.N > s.lim.MaxParticles {
			return bad("n %d: must be in [1, %d]", req.N, s.lim.MaxParticles)
		}
		x = sample.Uniform(req.N, 2, 0, 1, newRand(req.Seed, 0))
		for i := range x {
			b := t.box[2*(i%2):]
			x[i] = b[0] + x[i]*(b[1]-b[0])
		}
	} else if x, err = decodePoints("x", req.X, s.lim.MaxParticles); err != nil {
		return bad("%v", err)
	}
	if req.K == 0 {
		req.K = 1
	}
	n := len(x) / 2
	if req.K < 1 || req.K > s.lim.MaxStepsPerReq || req.K*n > maxWork {
		return bad("k %d: must be in [1, %d] and k × particles at most %d", req.K, s.lim.MaxStepsPerReq, maxWork)
	}
	if c := len(t.comps) / 2; c > 0 && req.Source != "learned" && req.K*n*c > cloudWork {
		return bad("k %d: k × particles must be at most %d with the exact score of these %d points", req.K, cloudWork/c, c)
	}
	if req.T < 0 || req.T > 1<<40 {
		return bad("t %d: must be in [0, 2^40]", req.T)
	}
	if n == 0 {
		return bad("x: no particles")
	}
	if req.Leapfrog == 0 {
		req.Leapfrog = 5
	}
	if req.PerLevel == 0 {
		req.PerLevel = annealPerLevel
	}
	if req.Leapfrog < 1 || req.Leapfrog > 100 {
		return bad("leapfrog %d: must be in [1, 100]", req.Leapfrog)
	}
	if req.PerLevel < 1 || req.PerLevel > 10000 {
		return bad("perLevel %d: must be in [1, 10000]", req.PerLevel)
	}
	if req.StepSize < 0 || req.Eps < 0 || math.IsInf(req.StepSize, 0) || math.IsInf(req.Eps, 0) || math.IsNaN(req.StepSize) || math.IsNaN(req.Eps) {
		return bad("stepSize %v, eps %v: must be finite and non-negative", req.StepSize, req.Eps)
	}
	if err := checkStepSizes(req, t.box); err != nil {
		return bad("%v", err)
	}

	if err := req.checkCondition(); err != nil {
		return bad("%v", err)
	}

	// at gives the score at a level, and grid the levels, of the exact
	// density or of the trained model.
	var grid sgm.Schedule
	var at func(level int) (sgm.Scorer, error)
	run := func() (*stepResponse, error) {
		return s.advance(req, x, grid, at, t)
	}
	switch req.Source {
	case "", "exact":
		grid = t.grid
		levels, err := exactLevels(t, req, n)
		if err != nil {
			return bad("%v", err)
		}
		at = func(level int) (sgm.Scorer, error) { return levels(grid[level]) }
		res, err := run()
		if err != nil {
			return nil, http.StatusBadRequest, err
		}
		return res, 0, nil
	case "learned":
		if req.Sampler == samplerMALA || req.Sampler == samplerHMC {
			return bad("sampler %s needs log p, and a learned model has only its score: use langevin or annealed", req.Sampler)
		}
		var res *stepResponse
		err := s.withModel(func(m *model) error {
			grid = m.sigmas
			at = func(level int) (sgm.Scorer, error) { return m.m.LabelScorer(level, req.Label, req.Guidance) }
			var err error
			res, err = run()
			return err
		})
		if errors.Is(err, errNoModel) {
			return nil, http.StatusConflict, err
		} else if err != nil {
			return nil, http.StatusBadRequest, err
		}
		return res, 0, nil
	}
	return bad("source %s: must be \"exact\" or \"learned\"", clip(req.Source))
}

// advance takes req.K steps of req.Sampler on x.
func (s *Server) advance(req *stepRequest, x []float64, grid sgm.Schedule, at func(int) (sgm.Scorer, error), t *target) (*stepResponse, error) {
	res := &stepResponse{T: req.T}
	rng := newRand(req.Seed, uint64(req.T)+1)
	levelOK := func() error {
		if req.Level < 0 || req.Level >= len(grid) {
			return fmt.Errorf("level %d: must be in [0, %d]", req.Level, len(grid)-1)
		}
		return nil
	}
	// stepSize is η, or 0.1 σ² at the level: a tenth of the step at which
	// Langevin on N(0, σ²) turns unstable (η < 4σ²).
	stepSize := func(sigma float64) float64 {
		if req.StepSize > 0 {
			return req.StepSize
		}
		return 0.1 * sigma * sigma
	}
	switch req.Sampler {
	case "", samplerLangevin:
		if err := levelOK(); err != nil {
			return nil, err
		}
		res.Sigma = grid[req.Level]
		score, err := at(req.Level)
		if err != nil {
			return nil, err
		}
		if err := req.langevin(sample.Langevin{StepSize: stepSize(res.Sigma), Steps: req.K}, x, score, rng); err != nil {
			return nil, err
		}
		res.T += req.K
	case samplerAnnealed:
		if err := s.anneal(req, x, grid, at, rng, res); err != nil {
			return nil, err
		}
	case samplerMALA, samplerHMC:
		if err := levelOK(); err != nil {
			return nil, err
		}
		res.Sigma = grid[req.Level]
		p, err := t.perturbed(res.Sigma)
		if err != nil {
			return nil, err
		}
		var st sample.Stats
		if req.Sampler == samplerMALA {
			st, err = sample.MALA{StepSize: stepSize(res.Sigma), Steps: req.K}.Run(x, p, rng)
		} else {
			eps := req.StepSize
			if eps == 0 {
				eps = 0.3 * res.Sigma // √(0.1) σ: HMC with L = 1 is MALA with η = ε²
			}
			st, err = sample.HMC{StepSize: eps, LeapfrogSteps: req.Leapfrog, Steps: req.K}.Run(x, p, rng)
		}
		if err != nil {
			return nil, err
		}
		a := finite(st.AcceptanceRate())
		res.Accept = &a
		res.T += req.K
	default:
		return nil, fmt.Errorf("sampler %s: must be one of langevin, annealed, mala, hmc", clip(req.Sampler))
	}
	res.X = encodePoints(x)
	res.Label, res.Guidance, res.Given = req.Label, req.Guidance, req.Given
	return res, nil
}

// checkStepSizes refuses step sizes so large that one step jumps past
// the data: Langevin's and MALA's η, and annealed Langevin's ε at its
// last level, whose noise has standard deviation √η, above w², w the
// view's wider side; HMC's ε, a leapfrog step's length in units of the
// momentum (standard normal), above w.
func checkStepSizes(req *stepRequest, box [4]float64) error {
	w := max(box[1]-box[0], box[3]-box[2])
	switch {
	case req.Sampler == samplerHMC && req.StepSize > w:
		return fmt.Errorf("stepSize %v: HMC's ε must be at most %.4g, the view's width: a larger leapfrog step jumps past the data", req.StepSize, w)
	case req.Sampler != samplerHMC && req.StepSize > w*w:
		return fmt.Errorf("stepSize %v: must be at most %.4g, the square of the view's width %.4g: a larger step's noise jumps past the data", req.StepSize, w*w, w)
	case req.Eps > w*w:
		return fmt.Errorf("eps %v: must be at most %.4g, the square of the view's width %.4g: a larger step's noise jumps past the data", req.Eps, w*w, w)
	}
	return nil
}

// checkCondition refuses conditioning that does not apply: guidance out
// of range (sample.CheckGuidance) or without a label, a given value that
// is not finite or beyond the view's limit, any of them with a sampler
// of the unconditioned density.
func (req *stepRequest) checkCondition() error {
	if req.Label == "" && req.Guidance == 0 && req.Given == nil {
		return nil
	}
	if req.Sampler == samplerMALA || req.Sampler == samplerHMC {
		return fmt.Errorf("sampler %s: label, guidance and given values apply to langevin and annealed, which need only a score", req.Sampler)
	}
	if err := sample.CheckGuidance(req.Guidance); err != nil {
		return err
	}
	if req.Guidance != 0 && req.Label == "" {
		return fmt.Errorf("guidance %v needs a label to guide towards", req.Guidance)
	}
	if req.Given != nil && !(math.Abs(*req.Given) <= maxBox) {
		return fmt.Errorf("given %v: x0's value must be finite, within ±%g", *req.Given, maxBox)
	}
	return nil
}

// given is the request's Given as sample.Given: x0 held, x1 free.
func (req *stepRequest) given() sample.Given { return givenX0(*req.Given) }

// langevin runs l on x with score, holding x0 at the given value if any.
func (req *stepRequest) langevin(l sample.Langevin, x []float64, score sgm.Scorer, rng *rand.Rand) error {
	if req.Given == nil {
		return l.Run(x, score, rng)
	}
	return req.given().Langevin(l, x, score, rng)
}

// exactLevels returns the exact score of t at noise level σ, for n
// particles, conditioned as req asks: the perturbed density; with a Label
// the mixture's component alone; with Guidance W the guided score of the
// component against the whole mixture (sample.GuidedLevels); with a Given
// x0 of a mixture, the exact conditional's score (sample.Given.Exact,
// whose component weights are right at every level), and of other data
// the perturbed joint score, which the sampler evaluates with x0 held.
func exactLevels(t *target, req *stepRequest, n int) (func(sigma float64) (sgm.Scorer, error), error) {
	if req.Label != "" {
		if _, err := t.component(req.Label); err != nil {
			return nil, err
		}
	}
	if req.Label == "" && (req.Given == nil || t.mix == nil) {
		return func(sigma float64) (sgm.Scorer, error) {
			m, err := t.perturbed(sigma)
			if err != nil {
				return nil, err
			}
			return newParallel(m), nil
		}, nil
	}
	levels, err := t.exactOf("", req.Given, n)
	if err != nil {
		return nil, err
	}
	if req.Label != "" {
		comp, err := t.exactOf(req.Label, req.Given, n)
		if err != nil {
			return nil, err
		}
		levels = comp
		if req.Guidance != 0 {
			levels = sample.GuidedLevels(comp, levels, req.Guidance)
		}
	}
	return func(sigma float64) (sgm.Scorer, error) {
		if err := t.mix.CheckPerturbed(sigma); err != nil {
			return nil, err
		}
		return levels(sigma), nil
	}, nil
}

// exactOf returns the levels of the exact score of the mixture t (of its
// component label, if not ""), given x0 = *given for n particles if given
// is not nil.
func (t *target) exactOf(label string, given *float64, n int) (sample.Levels, error) {
	m := t.mix
	if label != "" {
		var err error
		if m, err = t.component(label); err != nil {
			return nil, err
		}
	}
	if given == nil {
		return func(sigma float64) sgm.Scorer { return newParallel(m.Perturbed(sigma)) }, nil
	}
	return givenX0(*given).Exact(m, n)
}

// givenX0 is x0 given the value v, x1 free.
func givenX0(v float64) sample.Given { return sample.Given{Values: []float64{v, math.NaN()}} }

// annealPerLevel and annealEps are annealed Langevin's defaults: T = 10
// steps a level at α_i = σ_i² (ε = σ_L²), 100 steps over the 10 levels,
// which the page plays in a few seconds. Langevin on N(μ, V) relaxes at
// α/(2V) a step, so 10 steps at α = σ² ≤ V relax a spread of order σ_i
// by up to e^-5, and α < 4V keeps it stable. Measured with the exact
// score (1000 particles, 3 seeds, W₂ against its floor at n = 300): T =
// 10 at α_i = σ_i² gave 1.02 (seed-mog), 1.20 (two-modes-unequal, its
// weights 0.23/0.77 against 0.2/0.8), 0.90 (ring8), 0.99 (8gaussians),
// 1.01 (moons), 1.17 (checkerboard); the former T = 100 at 0.3 σ_i² gave
// 0.94, 1.03 (0.200/0.800), 0.97, 0.93, 1.04, 1.11 with ten times the
// steps, and T = 5 at σ_i² 2.5 times the floor on two-modes-unequal.
// Their relaxation below a level σ, Σ α_j T/(2V) ≈ 16 σ²/(2V) over this
// grid's ratio of 1.67, is about the library's (sample.PointStepsPerLevel
// = 5 at α = σ² over its 30 levels of ratio 1.26: 13 σ²/(2V)), and
// alike it leaves a component much wider than the smallest level a
// little wide: N(0.3, 0.5²) ends with variance 0.30, not 0.25, where it
// stops relaxing (TestStepSamplers runs Song & Ermon's 100 steps).
// Lesson 3, whose point is the weights of two-modes-unequal, asks for T =
// 100 at 0.3 σ_L² (Eps) itself.
const (
	annealPerLevel = 10
	annealEps      = 1.0
)

// anneal takes up to req.K steps of annealed Langevin dynamics (Song &
// Ermon 2019, Algorithm 1; sample.Annealed) from global step req.T, and
// the final Tweedie step when the schedule ends. Step t (0-based) is at
// level i = t / PerLevel of the levels largest first, with step size
// α_i = ε σ_i²/σ_L²: sample.Annealed's update, taken a few steps per
// request so that the page can draw every one.
func (s *Server) anneal(req *stepRequest, x []float64, grid sgm.Schedule, at func(int) (sgm.Scorer, error), rng *rand.Rand, res *stepResponse) error {
	L, T := len(grid), req.PerLevel
	sigL := grid[0]
	eps := req.Eps
	if eps == 0 {
		eps = annealEps * sigL * sigL
	}
	// α_i grows with σ_i: the largest level's must not overflow, nor the
	// smallest's underflow to 0, wherever in the schedule req.T starts.
	for _, sig := range []float64{grid[0], grid[L-1]} {
		if a := eps * sig * sig / (sigL * sigL); !(a > 0) || math.IsInf(a, 1) {
			return fmt.Errorf("eps %v: the step size ε σ²/σ_L² at σ = %.4g is %v; want it positive and finite", req.Eps, sig, a)
		}
	}
	total := L * T
	t, left := req.T, req.K
	for left > 0 && t < total {
		i := t / T
		level := L - 1 - i // grid is smallest first
		m := min(left, (i+1)*T-t)
		score, err := at(level)
		if err != nil {
			return err
		}
		sig := grid[level]
		if err := req.langevin(sample.Langevin{StepSize: eps * sig * sig / (sigL * sigL), Steps: m}, x, score, rng); err != nil {
			return err
		}
		res.Sigma = sig
		t += m
		left -= m
		if t == total { // the denoising step: x ← x + σ_L² ∇ log p_{σ_L}(x)
			g := make([]float64, len(x))
			score.ScoreBatch(g, x)
			for k := range x {
				x[k] += sigL * sigL * g[k]
			}
			if req.Given != nil {
				req.given().Fill(x, 2)
			}
		}
	}
	res.T, res.Done = t, t >= total
	return nil
}

// metricsRequest is POST /api/metrics: how close particles are to the
// target.
type metricsRequest struct {
	Target Spec   `json:"target"`
	X      string `json:"x"`
	N      int    `json:"n"`    // particles compared; 0 means 300
	Refs   int    `json:"refs"` // target samples W₂ is averaged over; 0 means 5
}

// metricsResponse gives W₂ between N particles and N target points
// (averaged over Refs target samples), its noise floor (W₂ between two
// target samples of N, over floorReps pairs) and, for mixtures, the share
// of particles nearest each mode.
type metricsResponse struct {
	N        int       `json:"n"`
	Refs     int       `json:"refs"`
	W2       *float64  `json:"w2"` // null when a particle is not finite
	Floor    float64   `json:"floor"`
	FloorStd float64   `json:"floorStd"`
	Modes    []float64 `json:"modes,omitempty"`
	Want     []float64 `json:"want,omitempty"`
}

// floorReps is the number of sample pairs of a noise floor.
const floorReps = 20

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var req metricsRequest
	t, ok := s.readTarget(w, r, &req, &req.Target)
	if !ok {
		return
	}
	x, err := decodePoints("x", req.X, s.lim.MaxParticles)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.N == 0 {
		req.N = 300
	}
	// W₂ by assignment costs n³: 500 points take about 0.1 s, the floor
	// five times that, once per target.
	if req.N < 2 || req.N > 500 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("n %d: must be in [2, 500]", req.N))
		return
	}
	if req.Refs == 0 {
		req.Refs = defaultRefs
	}
	if req.Refs < 1 || req.Refs > maxRefs {
		writeError(w, http.StatusBadRequest, fmt.Errorf("refs %d: must be in [1, %d]", req.Refs, maxRefs))
		return
	}
	res, err := s.metrics(r.Context(), t, x, req.N, req.Refs)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err) // the client has gone: no one reads it
		return
	}
	writeJSON(w, res)
}

// defaultRefs and maxRefs are metricsRequest.Refs' default and bound: a
// W₂ at 300 points takes about 10 ms, at 500 about 50 ms.
const (
	defaultRefs = 5
	maxRefs     = 10
)

// metrics compares the first n of the particles x (all, if fewer) with the
// target: W₂ against refs independent target samples of n, averaged,
// against a floor over floorReps pairs. With one reference and a 5-pair
// floor, even exact samples of a drawing gave W₂ from 0.65 to 1.74 times
// the floor at n = 300 (20 seeds); with 5 references and 20 pairs, 0.82
// to 1.21 times (TestMetricsRefsSteady), steady enough for "within 1.5
// times the floor" to mean something. It stops between distances, with
// ctx's error, once ctx is done (the client has gone).
func (s *Server) metrics(ctx context.Context, t *target, x []float64, n, refs int) (metricsResponse, error) {
	n = min(n, len(x)/2)
	x = x[:2*n]
	res := metricsResponse{N: n, Refs: refs}
	// A W₂ at 500 points takes about 50 ms: check ctx before each.
	w2 := func(a, b []float64) float64 {
		if ctx.Err() != nil {
			return math.NaN()
		}
		return wasserstein2(a, b)
	}
	if n >= 2 {
		var v float64
		for r := range refs {
			v += w2(x, t.sample(n, newRand(11+uint64(r), uint64(n)))) / float64(refs)
		}
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("metrics: %w", err)
		}
		res.W2 = &v
		f, err := s.floor(ctx, t, n, w2)
		if err != nil {
			return res, err
		}
		res.Floor, res.FloorStd = f.Mean, f.Std
	}
	if t.mix != nil && n > 0 {
		res.Modes = metric.ModeWeights(t.mix, x)
		for _, c := range t.mix.Components() {
			res.Want = append(res.Want, c.Weight)
		}
	}
	return res, nil
}

// wasserstein2 is the distance metrics reports, W₂ by exact assignment
// (a variable so that a test can count its calls).
var wasserstein2 = func(a, b []float64) float64 { return metric.Wasserstein2(a, b, 2) }

// floor returns the W₂ noise floor of t at n points, computed once per
// target and n, or ctx's error (and caches nothing) if ctx is done.
func (s *Server) floor(ctx context.Context, t *target, n int, w2 metric.Distance) (metric.Floor, error) {
	key := fmt.Sprintf("%s/%d", t.key, n)
	s.floorMu.Lock()
	f, ok := s.floors[key]
	s.floorMu.Unlock()
	if ok {
		return f, nil
	}
	f = metric.NoiseFloor(w2, t, n, floorReps, newRand(13, uint64(n)))
	if err := ctx.Err(); err != nil {
		return f, fmt.Errorf("metrics: %w", err)
	}
	s.floorMu.Lock()
	if len(s.floors) >= 64 {
		clear(s.floors)
	}
	s.floors[key] = f
	s.floorMu.Unlock()
	return f, nil
}
