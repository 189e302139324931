package serve

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
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
	Sigmas []float64  `json:"sigmas"`          // the noise levels, smallest first
	Exact  bool       `json:"exact"`           // a closed-form density (log p contours are of it)
	Modes  []float64  `json:"modes,omitempty"` // mixture weights
	Points []float64  `json:"points"`          // a sample, flat
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
	res := targetResponse{Key: t.key, Name: t.name, Space: t.space, Box: t.box, Sigmas: t.grid, Exact: t.exact(),
		Points: t.sample(req.N, newRand(7, 0))}
	if t.mix != nil {
		for _, c := range t.mix.Components() {
			res.Modes = append(res.Modes, c.Weight)
		}
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
}

// fieldResponse is the field on a Grid×Grid lattice over Box: point (i, j)
// is (X[i], Y[j]) with X along x0 and Y along x1; LogP[j*Grid+i] and
// Score[2(j*Grid+i)], Score[2(j*Grid+i)+1] are its log-density (exact
// source only, floored at LogPFloor) and score.
type fieldResponse struct {
	Source string     `json:"source"`
	Sigma  float64    `json:"sigma"`
	Level  int        `json:"level"`
	Box    [4]float64 `json:"box"`
	X      []float64  `json:"x"`
	Y      []float64  `json:"y"`
	LogP   []float64  `json:"logp,omitempty"`
	Score  []float64  `json:"score"`
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
		b := *req.Box
		for _, v := range b {
			if math.IsNaN(v) || math.Abs(v) > 1e6 {
				writeError(w, http.StatusBadRequest, fmt.Errorf("box %v: coordinates must be finite, within ±1e6", b))
				return
			}
		}
		if !(b[0] < b[1] && b[2] < b[3]) {
			writeError(w, http.StatusBadRequest, fmt.Errorf("box %v: must be [x0min, x0max, x1min, x1max] with min < max", b))
			return
		}
		t.box = b
	}
	res, status, err := s.field(t, req.Source, req.Level, req.Grid)
	if err != nil {
		writeError(w, status, err)
		return
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
		p.ScoreBatch(res.Score, pts)
		res.LogP = make([]float64, n*n)
		for k := range res.LogP {
			res.LogP[k] = max(p.LogProb(pts[2*k:2*k+2]), logPFloor)
		}
	case "learned":
		err := s.withModel(func(m *model) error {
			if level < 0 || level >= len(m.sigmas) {
				return fmt.Errorf("level %d: the model has levels 0 to %d", level, len(m.sigmas)-1)
			}
			res.Sigma = m.sigmas[level]
			sc, err := m.m.LevelScorer(level)
			if err != nil {
				return err
			}
			return catchScore(sc, res.Score, pts)
		})
		if err != nil {
			return nil, http.StatusConflict, err
		}
	default:
		return nil, http.StatusBadRequest, fmt.Errorf("source %s: must be \"exact\" or \"learned\"", clip(source))
	}
	res.Score = finiteAll(res.Score)
	return res, 0, nil
}

// errNoModel is the answer to a learned request before any training.
var errNoModel = errors.New("no trained model yet: train one first")

// at returns the model's score at a level in the view's units, for the
// samplers.
func (m *model) at(level int) (sgm.Scorer, error) { return m.m.LevelScorer(level) }

// catchScore evaluates sc at pts into dst, returning a backend failure
// (which a network's scorer panics with) as an error.
func catchScore(sc sgm.Scorer, dst, pts []float64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	sc.ScoreBatch(dst, pts)
	return nil
}
