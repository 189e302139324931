package serve

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	sgmmodel "github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sde"
)

// infoResponse is GET /api/info: what the pickers offer.
type infoResponse struct {
	Presets []string   `json:"presets"`
	Toys    []string   `json:"toys"`
	MNIST   int        `json:"mnist"` // training images available, 0 where MNIST is not
	Limits  Limits     `json:"limits"`
	Model   *modelInfo `json:"model"` // the trained model, or null
	Levels  int        `json:"levels"`
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	n, err := data.MNISTLen("train")
	if err != nil {
		n = 0
	}
	writeJSON(w, infoResponse{Presets: dist.PresetNames(), Toys: data.ToyNames(), MNIST: n, Limits: s.lim, Model: s.modelInfo(), Levels: levels})
}

// targetResponse is POST /api/target: how a target is framed, and a
// sample of its points to draw.
type targetResponse struct {
	Key    string     `json:"key"`
	Name   string     `json:"name"`
	Space  string     `json:"space"`
	Box    [4]float64 `json:"box"`
	Sigmas []float64  `json:"sigmas"` // the noise levels, smallest first
	Exact  bool       `json:"exact"`  // a closed-form density (log p contours are of it)
	// Density says in words what the field's log p is: exact, or which
	// points it smooths (a toy's fixed sample, a cloud's seeded subset).
	Density string    `json:"density"`
	Modes   []float64 `json:"modes,omitempty"` // mixture weights
	// Labels are the names of the points' components, where they have
	// them: what a model trained with labels (trainRequest.Labels) takes
	// as its labels, and, for a mixture, the components the exact score
	// conditions on (stepRequest.Label).
	Labels []string  `json:"labels,omitempty"`
	Points []float64 `json:"points"` // a sample, flat
	// Grids are the field's grid at each level (target.gridAt): fine
	// enough for the perturbed density's finest detail.
	Grids []int `json:"grids"`
}

type targetRequest struct {
	Target Spec `json:"target"`
	N      int  `json:"n"` // points to return; 0 means 1000
}

func (s *Server) handleTarget(w http.ResponseWriter, r *http.Request) {
	var req targetRequest
	t, ok := s.readTarget(w, r, &req, &req.Target)
	if !ok {
		return
	}
	if req.N == 0 {
		req.N = 1000
	}
	if req.N < 1 || req.N > s.lim.MaxParticles {
		writeError(w, http.StatusBadRequest, fmt.Errorf("n %d: must be in [1, %d]", req.N, s.lim.MaxParticles))
		return
	}
	res := targetResponse{Key: t.key, Name: t.name, Space: t.space, Box: t.box, Sigmas: t.grid, Exact: t.exact(), Density: t.density(), Labels: t.labels(),
		Points: t.sample(req.N, newRand(7, 0))}
	if t.mix != nil {
		for _, c := range t.mix.Components() {
			res.Modes = append(res.Modes, c.Weight)
		}
	}
	for i := range t.grid {
		res.Grids = append(res.Grids, t.gridAt(i, s.lim.MaxGrid))
	}
	writeJSON(w, res)
}

// fieldRequest is POST /api/field.
type fieldRequest struct {
	Target Spec   `json:"target"`
	Source string `json:"source"` // "exact" (default) or "learned"
	Level  int    `json:"level"`  // index into the target's (or the model's) noise levels
	Grid   int    `json:"grid"`   // points per axis; 0 means 32
	// Box, if set, is the lattice's box [x0min, x0max, x1min, x1max]
	// instead of the target's (the page pins it while a mean is dragged).
	Box *[4]float64 `json:"box,omitempty"`
	// SDE and T, if T is set, ask for the exact field of p_t, the data
	// carried to time T in [0, 1] by the forward SDE (ve, vp or subvp, as
	// POST /api/reverse frames them) instead of a noise level: what the
	// reverse samplers' particles follow. Mixtures only.
	SDE string   `json:"sde,omitempty"`
	T   *float64 `json:"t,omitempty"`
	// Format "f32" sends LogP and Score as base64 little-endian float32s
	// (LogP32, Score32) instead of JSON arrays: about a quarter the bytes.
	Format string `json:"format,omitempty"`
}

// fieldResponse is the field on a Grid×Grid lattice over Box: point (i, j)
// is (X[i], Y[j]) with X along x0 and Y along x1; LogP[j*Grid+i] and
// Score[2(j*Grid+i)], Score[2(j*Grid+i)+1] are its log-density (exact
// source only, floored at LogPFloor) and score.
//
// Key, Level, T and SDE repeat the request it answers (the target's key,
// as POST /api/target gives it), so that the page can drop an answer to
// an older request.
type fieldResponse struct {
	Key     string     `json:"key"`
	Source  string     `json:"source"`
	Sigma   float64    `json:"sigma"`
	Level   int        `json:"level"`
	SDE     string     `json:"sde,omitempty"`
	T       *float64   `json:"t,omitempty"`
	Box     [4]float64 `json:"box"`
	X       []float64  `json:"x"`
	Y       []float64  `json:"y"`
	LogP    []float64  `json:"logp,omitempty"`
	Score   []float64  `json:"score,omitempty"`
	LogP32  string     `json:"logp32,omitempty"`
	Score32 string     `json:"score32,omitempty"`
}

// logPFloor replaces log-densities below it (and -Inf, which JSON cannot
// carry).
const logPFloor = -1e3

func (s *Server) handleField(w http.ResponseWriter, r *http.Request) {
	var req fieldRequest
	t, ok := s.readTarget(w, r, &req, &req.Target)
	if !ok {
		return
	}
	if err := checkGrid(&req.Grid, 32, s.lim.MaxGrid); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Box != nil {
		if err := checkBox(*req.Box); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		t.box = *req.Box
	}
	if req.Format != "" && req.Format != "f32" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("format %s: must be \"f32\" or absent", clip(req.Format)))
		return
	}
	var res *fieldResponse
	var status int
	var err error
	if req.T != nil {
		res, err = timeField(t, req.SDE, *req.T, req.Grid)
		status = http.StatusBadRequest
	} else {
		res, status, err = s.field(t, req.Source, req.Level, req.Grid)
	}
	if err != nil {
		writeError(w, status, err)
		return
	}
	res.Key = t.key
	if req.Format == "f32" {
		res.LogP32, res.Score32 = encodePoints(clampF32(res.LogP)), encodePoints(clampF32(res.Score))
		res.LogP, res.Score = nil, nil
	}
	writeJSON(w, res)
}

// lattice returns the n×n points of box, flat, with their axes.
func lattice(box [4]float64, n int) (x, y, pts []float64) {
	x, y = make([]float64, n), make([]float64, n)
	for i := range n {
		f := float64(i) / float64(n-1)
		x[i] = box[0] + f*(box[1]-box[0])
		y[i] = box[2] + f*(box[3]-box[2])
	}
	pts = make([]float64, 0, 2*n*n)
	for j := range n {
		for i := range n {
			pts = append(pts, x[i], y[j])
		}
	}
	return x, y, pts
}

// field computes t's field (or the model's, source "learned") at level.
func (s *Server) field(t *target, source string, level, n int) (*fieldResponse, int, error) {
	res := &fieldResponse{Source: source, Level: level, Box: t.box}
	var pts []float64
	res.X, res.Y, pts = lattice(t.box, n)
	res.Score = make([]float64, len(pts))
	switch source {
	case "", "exact":
		res.Source = "exact"
		if level < 0 || level >= len(t.grid) {
			return nil, http.StatusBadRequest, fmt.Errorf("level %d: must be in [0, %d]", level, len(t.grid)-1)
		}
		res.Sigma = t.grid[level]
		p, err := t.perturbed(res.Sigma)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("level %d: %v", level, err)
		}
		pp := newParallel(p)
		pp.ScoreBatch(res.Score, pts)
		res.LogP = make([]float64, n*n)
		pp.logProb(res.LogP, pts, logPFloor)
	case "learned":
		status := http.StatusInternalServerError
		err := s.withModel(func(m *model) error {
			if level < 0 || level >= len(m.sigmas) {
				status = http.StatusBadRequest
				return fmt.Errorf("level %d: the model has levels 0 to %d", level, len(m.sigmas)-1)
			}
			res.Sigma = m.sigmas[level]
			sc, err := m.m.LevelScorer(level)
			if err != nil {
				return err
			}
			return sgmmodel.Catch(func() { sc.ScoreBatch(res.Score, pts) })
		})
		if errors.Is(err, errNoModel) {
			return nil, http.StatusConflict, err
		} else if err != nil {
			return nil, status, err
		}
	default:
		return nil, http.StatusBadRequest, fmt.Errorf("source %s: must be \"exact\" or \"learned\"", clip(source))
	}
	res.Score = finiteAll(res.Score)
	return res, 0, nil
}

// clampF32 clamps x in place to float32's finite range, so that a
// float32 encoding carries no infinities, and returns it.
func clampF32(x []float64) []float64 {
	for i, v := range x {
		x[i] = max(-math.MaxFloat32, min(math.MaxFloat32, v))
	}
	return x
}

// timeField is the exact field of p_t, mixture t carried to time tt by the
// forward SDE name (framed as the reverse samplers frame it).
func timeField(t *target, name string, tt float64, n int) (*fieldResponse, error) {
	if t.mix == nil {
		return nil, fmt.Errorf("t: the field at a time of the SDE needs an exact score, which only mixtures have here, not %s", t.name)
	}
	if !(tt >= 0 && tt <= 1) {
		return nil, fmt.Errorf("t %v: must be in [0, 1]", tt)
	}
	p, err := explorerSDE(name, t)
	if err != nil {
		return nil, err
	}
	m, err := sde.NewMixture(p, t.mix)
	if err != nil {
		return nil, fmt.Errorf("target %s: %v", t.name, err)
	}
	pt := m.At(tt)
	res := &fieldResponse{Source: "exact", SDE: name, T: &tt, Box: t.box, Level: -1}
	var pts []float64
	res.X, res.Y, pts = lattice(t.box, n)
	res.Score = make([]float64, len(pts))
	pt.ScoreBatch(res.Score, pts)
	res.LogP = make([]float64, n*n)
	for k := range res.LogP {
		res.LogP[k] = max(pt.LogProb(pts[2*k:2*k+2]), logPFloor)
	}
	res.Score = finiteAll(res.Score)
	return res, nil
}

// errNoModel is the answer to a learned request before any training.
var errNoModel = errors.New("no trained model yet: train one first")
