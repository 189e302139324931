package scorenet

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/sde"
)

// Config describes the network's shape. Zero values mean the blog post's choices.
type Config struct {
	Dim      int          `json:"dim"`      // data dimension; 0 means 2
	Features int          `json:"features"` // random Fourier features per trig function; 0 means 256
	Width    int          `json:"width"`    // hidden units per layer; 0 means 256
	Depth    int          `json:"depth"`    // hidden layers; 0 means 3
	Sigmas   sgm.Schedule `json:"sigmas"`   // noise levels; nil means sgm.SeedSchedule()

	// Activation of the hidden layers: "relu" (the blog post's; "" means it) or
	// "softplus", smooth, which sliced score matching needs: the
	// objective differentiates the network's Jacobian, and a ReLU
	// network's Jacobian has no slope to follow, so it collapses to zero.
	Activation string `json:"activation,omitempty"`

	// Conditioning is what the network is conditioned on: "levels" (""
	// means it), the blog post's discrete noise level indices, or "time",
	// a time t in [0, 1] through a Fourier embedding (timecond.go). The
	// time fields below apply only to "time".
	Conditioning string `json:"conditioning,omitempty"`
	// Process is what a time-conditioned network's output means: "ve",
	// "vp" or "subvp", the forward SDE whose score it is (times the
	// kernel's standard deviation s(t), as score_sde), or "flow", a
	// flow-matching velocity field from N(0, I) at t = 0 to the data at
	// t = 1.
	Process string `json:"process,omitempty"`
	// SigmaMax is VE's σ_max; 0 means sde.DefaultSigmaMax.
	SigmaMax float64 `json:"sigma_max,omitempty"`
	// BetaMin and BetaMax are the β range of VP and sub-VP; 0 means
	// sde.DefaultBetaMin and sde.DefaultBetaMax.
	BetaMin float64 `json:"beta_min,omitempty"`
	BetaMax float64 `json:"beta_max,omitempty"`
	// TimeFeatures is the number K of frequencies of the time embedding;
	// 0 means 8.
	TimeFeatures int `json:"time_features,omitempty"`
	// Prediction is what a time-conditioned score network of an SDE
	// regresses on: "noise" ("" means it), the output being -z = s(t)
	// times the score, as score_sde; or "v", the velocity
	// v = a(t) z - s(t) x₀ of Salimans & Ho (2022), for process "vp" only
	// (timemodel.go). DefaultPrediction gives the one a new network takes.
	Prediction string `json:"prediction,omitempty"`

	// Labels, if not empty, makes the network conditional on a class
	// label as well (label.go): the names of the classes, in the order of
	// their indices; index len(Labels) is the null label, the
	// unconditional network of classifier-free guidance.
	Labels []string `json:"labels,omitempty"`
}

// Activations lists the hidden-layer activations a Config may name.
var Activations = []string{"relu", "softplus"}

// WithDefaults returns c with zero fields replaced by the blog post's values.
func (c Config) WithDefaults() Config {
	if c.Dim == 0 {
		c.Dim = 2
	}
	if c.Features == 0 {
		c.Features = 256
	}
	if c.Width == 0 {
		c.Width = 256
	}
	if c.Depth == 0 {
		c.Depth = 3
	}
	if c.Sigmas == nil {
		c.Sigmas = sgm.SeedSchedule()
	}
	if c.Activation == "" {
		c.Activation = "relu"
	}
	if c.Conditioning == "" {
		c.Conditioning = "levels"
	}
	if c.Timed() {
		if c.TimeFeatures == 0 {
			c.TimeFeatures = defaultTimeFeatures
		}
		if c.Process == "ve" && c.SigmaMax == 0 {
			c.SigmaMax = sde.DefaultSigmaMax
		}
		if c.Process == "vp" || c.Process == "subvp" {
			if c.BetaMin == 0 {
				c.BetaMin = sde.DefaultBetaMin
			}
			if c.BetaMax == 0 {
				c.BetaMax = sde.DefaultBetaMax
			}
		}
	}
	return c
}

// Validate reports the first field of c (after defaults) that is out of
// range, and refuses a network whose weights would take more than
// MaxWeightBytes.
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Dim < 1:
		return fmt.Errorf("dimension must be at least 1, got %d", c.Dim)
	case c.Features < 1:
		return fmt.Errorf("features must be at least 1, got %d", c.Features)
	case c.Width < 1:
		return fmt.Errorf("width must be at least 1, got %d", c.Width)
	case c.Depth < 1:
		return fmt.Errorf("depth must be at least 1, got %d", c.Depth)
	case len(c.Sigmas) < 1:
		return errors.New("at least one noise level is needed")
	case c.Activation != "relu" && c.Activation != "softplus":
		return fmt.Errorf("unknown activation %q (known: relu, softplus)", c.Activation)
	}
	if err := c.validateTime(); err != nil {
		return err
	}
	if err := c.validateLabels(); err != nil {
		return err
	}
	for i, s := range c.Sigmas {
		if !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("noise level %d must be positive and finite, got %v", i, s)
		}
	}
	_, _, err := netShapes(c)
	return err
}

// Levels is the number of noise levels.
func (c Config) Levels() int { return len(c.WithDefaults().Sigmas) }

// ScopeName is the scope of the network's variables in its store: a
// variable's path is "/scorenet/" + its name (rf/B_cos, dense_0/weights).
const ScopeName = "scorenet"

// Variable names, relative to the network's scope. They are part of the
// checkpoint format.
const (
	configParam = "scorenet_config"
	varBCos     = "B_cos"
	varBSin     = "B_sin"
	varAlpha    = "alpha"
	varBeta     = "beta"
)

// Net is a noise-conditional score network: its configuration, its
// variables (in a GoMLX model.Store) and the backend that runs it.
type Net struct {
	cfg     Config
	backend compute.Backend
	store   *model.Store

	mu        sync.Mutex
	scoreExec *model.Exec
	timeExec  [4]*model.Exec // time-conditioned output, with its divergence, with a VJP, at a label
	timeMu    sync.Mutex     // held while tfast evaluates
	tfast     *timeFast      // the fast evaluator of a time-conditioned network (timefast.go)
	ckptDir   string         // where Save adds checkpoints; "" until the first Save or Load
	ema       bool           // evaluate with the exponential moving averages of the weights

	noFast   bool         // evaluate the graph even on the Go backend
	fast     *fastnet.Net // the fast evaluator of the weights at fastStep
	fastStep int64

	divExec *model.Exec // the scores and their divergence (divergence.go)

	labelExec     *model.Exec          // the scores at a label (label.go)
	fastLabels    map[int]*fastnet.Net // fast evaluators per label, at fastLabelStep
	fastLabelStep int64

	saveHistory   func() []byte // what Save writes as the checkpoint's history file
	loadedHistory []byte        // the history file of the checkpoint Load read
}

// EMAPrefix is prepended to a trainable variable's path to name its
// exponential moving average (kept by training with train.Settings.EMA).
const EMAPrefix = "/ema"

// EMA returns a view of the network that evaluates with the exponential
// moving averages of its trainable weights (NCSNv2), and whether the store
// holds them. The view shares the store (its labels and step) and the
// history Load read; train the network, not the view.
func (n *Net) EMA() (*Net, bool) {
	if n.store.GetVariable(EMAPath("rf/"+varAlpha)) == nil {
		return n, false
	}
	return &Net{cfg: n.cfg, backend: n.backend, store: n.store, ema: true, noFast: n.noFast, loadedHistory: n.loadedHistory}, true
}

// Averaged reports whether the network evaluates with the moving averages
// of its weights (a view EMA returned).
func (n *Net) Averaged() bool { return n.ema }

// New returns a network with freshly initialised variables drawn from rng.
func New(backend compute.Backend, cfg Config, rng *rand.Rand) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	n := &Net{cfg: cfg, backend: backend, store: model.NewStore(), noFast: fastDisabled()}
	if err := n.setConfigParam(); err != nil {
		return nil, err
	}
	// The variables in Layout's order, each drawn as its kind is: the
	// frozen matrices from N(0, 1), α = 1, β = 0, a dense layer's weights
	// and biases uniform in ±1/sqrt(fan-in).
	scope := n.Scope()
	fanIn := 0
	for _, p := range Layout(cfg) {
		v := make([]float32, p.Size())
		switch p.Name {
		case "rf/" + varBCos, "rf/" + varBSin:
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
		case "rf/" + varAlpha:
			if cfg.Timed() {
				v[len(v)-1] = 1 // α(t) = 1: the constant's coefficient
				break
			}
			for i := range v {
				v[i] = 1
			}
		case "rf/" + varBeta, labelEmbedding: // zeros
		default:
			if strings.HasSuffix(p.Name, "/weights") {
				fanIn = p.Shape[0]
			}
			lim := 1 / math.Sqrt(float64(fanIn))
			for i := range v {
				v[i] = float32((2*rng.Float64() - 1) * lim)
			}
		}
		dir, base, _ := strings.Cut(p.Name, "/")
		variable, err := scope.At("%s", dir).CreateVariable(base, tensors.FromFlatDataAndDimensions(v, p.Shape...))
		if err != nil {
			return nil, fmt.Errorf("scorenet: create %s: %w", p.Name, err)
		}
		variable.SetTrainable(p.Trainable)
	}
	return n, nil
}

func layerName(k int) string { return fmt.Sprintf("dense_%d", k) }

func (n *Net) setConfigParam() error {
	b, err := json.Marshal(n.cfg)
	if err != nil {
		return fmt.Errorf("scorenet: %w", err)
	}
	n.store.SetParam(model.JoinPath("/", configParam), string(b))
	return nil
}

// Config returns the network's configuration, with defaults filled in.
func (n *Net) Config() Config { return n.cfg }

// Backend returns the backend that runs the network.
func (n *Net) Backend() compute.Backend { return n.backend }

// Store returns the GoMLX store that holds the network's variables (and,
// once trained, the optimiser's state).
func (n *Net) Store() *model.Store { return n.store }

// Scope returns the scope under which the network's variables live.
func (n *Net) Scope() *model.Scope { return n.store.RootScope().At(ScopeName) }

// Scores builds the network's graph: the scores at the points x (shape
// [n, Dim], float32) for the noise level indices level (shape [n], int32).
// scope must be the network's Scope (or the same path in another store).
// A time-conditioned network has no levels: see TimeOutput.
func (n *Net) Scores(scope *model.Scope, x, level *Node) *Node {
	if n.cfg.Timed() {
		panic("scorenet: Scores of a time-conditioned network (use TimeOutput)")
	}
	return n.ScoresLabelled(scope, x, level, nil)
}

// ScoresLabelled is Scores for the class labels label (shape [n], int32,
// each in [0, len(Labels)], len(Labels) the null label) of a labelled
// network; nil means the null label, and is all a network without labels
// takes.
func (n *Net) ScoresLabelled(scope *model.Scope, x, level, label *Node) *Node {
	if n.cfg.Timed() {
		panic("scorenet: Scores of a time-conditioned network (use TimeOutput)")
	}
	g := x.Graph()
	rf := scope.At("rf")
	idx := ExpandAxes(level, -1) // [n, 1]
	alpha := ExpandAxes(Gather(n.node(rf, g, varAlpha), idx), -1)
	beta := ExpandAxes(Gather(n.node(rf, g, varBeta), idx), -1)
	return n.body(scope, AddScalar(x, -0.5), alpha, beta, n.labelShift(scope, level, label))
}

// node is the value in g of the variable name of scope that the network
// evaluates.
func (n *Net) node(s *model.Scope, g *Graph, name string) *Node {
	path := model.JoinPath(s.Scope(), name)
	v := n.evaluated(s.Store(), path)
	if v == nil {
		panic(fmt.Sprintf("scorenet: variable %s missing from the store", path))
	}
	return v.NodeValue(g)
}

// body is the network after its conditioning: the Fourier features of the
// (centred) input u, scaled by alpha and shifted by beta (each [n, 1]),
// with u, through the dense layers; labelShift, unless nil, is added to
// the first layer's pre-activation ([n, Width]).
func (n *Net) body(scope *model.Scope, u, alpha, beta, labelShift *Node) *Node {
	g := u.Graph()
	cfg := n.cfg
	rf := scope.At("rf")
	feats := Concatenate([]*Node{
		Cos(MulScalar(Einsum("nd,fd->nf", u, n.node(rf, g, varBCos)), 2*math.Pi)),
		Sin(MulScalar(Einsum("nd,fd->nf", u, n.node(rf, g, varBSin)), 2*math.Pi)),
	}, 1) // [n, 2F]
	h := Concatenate([]*Node{Add(Mul(alpha, feats), beta), u}, 1)
	for k := 0; k <= cfg.Depth; k++ {
		layer := scope.At("%s", layerName(k))
		// Plain ops rather than GoMLX's fused dense layer: the sliced
		// objective differentiates the network twice, and the fused
		// layer's gradient is not itself differentiable.
		h = Add(MatMul(h, n.node(layer, g, "weights")), ExpandAxes(n.node(layer, g, "biases"), 0))
		if k == 0 && labelShift != nil {
			h = Add(h, labelShift)
		}
		if k < cfg.Depth {
			if cfg.Activation == "softplus" {
				h = Softplus(h)
			} else {
				h = activation.Relu(h)
			}
		}
	}
	return h
}

// ScoreBatch sets dst to the scores at the points x for noise level index
// level, with the batch layout of sgm.Scorer. As the root package's
// contract says, misuse panics: dst and x of different lengths, x not
// whole points, level out of range. It returns an error only if the
// backend fails to evaluate the network.
func (n *Net) ScoreBatch(dst, x []float64, level int) error {
	d := n.cfg.Dim
	sgm.CheckBatch("scorenet: ScoreBatch", d, dst, x)
	if n.cfg.Timed() {
		panic("scorenet: ScoreBatch of a time-conditioned network (use OutputAt or TimeModel)")
	}
	n.mustLevel("ScoreBatch", level)
	if n.cfg.Labelled() {
		return n.ScoreBatchLabelled(dst, x, level, n.cfg.NullLabel())
	}
	rows := len(x) / d
	if rows == 0 {
		return nil
	}
	if fast, err := n.fastEval(); err != nil {
		return err
	} else if fast != nil {
		fast.Scores(dst, x, level)
		return nil
	}
	exec, err := n.scoreExecutor()
	if err != nil {
		return err
	}
	out, err := exec.Exec(graphInputs(x, d, level)...)
	if err != nil {
		return fmt.Errorf("scorenet: evaluate: %w", err)
	}
	defer out[0].FinalizeAll()
	return readFloat64(dst, out[0])
}

func (n *Net) scoreExecutor() (*model.Exec, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.scoreExec != nil {
		return n.scoreExec, nil
	}
	scope := n.Scope()
	exec, err := model.NewExec(n.backend, n.store, func(_ *model.Scope, x, level *Node) *Node {
		return n.Scores(scope, x, level)
	})
	if err != nil {
		return nil, fmt.Errorf("scorenet: %w", err)
	}
	exec.SetMaxCache(8)
	n.scoreExec = exec
	return exec, nil
}

// AtLevel returns the network at noise level index level as an sgm.Scorer.
// It panics if level is out of range. The Scorer's ScoreBatch has no error
// to return: it panics on misuse, as every Scorer does, and also if the
// backend fails (call Net.ScoreBatch to have that as an error).
func (n *Net) AtLevel(level int) sgm.Scorer {
	n.mustLevel("AtLevel", level)
	return levelScorer{n, level}
}

type levelScorer struct {
	net   *Net
	level int
}

func (s levelScorer) Dim() int { return s.net.cfg.Dim }

func (s levelScorer) ScoreBatch(dst, x []float64) {
	if err := s.net.ScoreBatch(dst, x, s.level); err != nil {
		panic(err) // already "scorenet: ..."
	}
}

// evaluated returns the variable at path (a full path) in store that the
// network evaluates: in an EMA view its moving average where the store has
// one, else the variable itself; nil if neither exists.
func (n *Net) evaluated(store *model.Store, path string) *model.Variable {
	if n.ema {
		if avg := store.GetVariable(EMAPrefix + path); avg != nil {
			return avg
		}
	}
	return store.GetVariable(path)
}

// checkLevel reports a noise level index out of range.
func (n *Net) checkLevel(level int) error {
	if level < 0 || level >= len(n.cfg.Sigmas) {
		return fmt.Errorf("noise level %d out of range [0, %d)", level, len(n.cfg.Sigmas))
	}
	return nil
}

// Frozen reports the names of the variables that training never changes.
func Frozen() []string {
	var out []string
	for _, p := range Layout(Config{}) {
		if !p.Trainable {
			out = append(out, p.Name)
		}
	}
	return out
}

// VariableValues returns a copy of the named variable (a path relative to
// the network's scope, e.g. "rf/B_cos") as float32s.
func (n *Net) VariableValues(name string) ([]float32, error) {
	path := model.JoinPath("/", ScopeName, name)
	if strings.Contains(name, "..") {
		return nil, fmt.Errorf("scorenet: bad variable name %q", name)
	}
	v := n.evaluated(n.store, path)
	if v == nil {
		return nil, fmt.Errorf("scorenet: no variable %q", name)
	}
	t, err := v.Value()
	if err != nil {
		return nil, err
	}
	return tensors.CopyFlatData[float32](t)
}

// Weights are the network's parameters as plain float32 slices, row-major,
// for code that evaluates the network outside GoMLX (see package doc for
// the formula they enter).
type Weights struct {
	Config      Config
	BCos, BSin  []float32   // Features×Dim each
	Alpha, Beta []float32   // one per level
	Dense       [][]float32 // Depth+1 matrices, fan-in×fan-out (input-major)
	DenseBiases [][]float32 // Depth+1 vectors of fan-out
	Label       []float32   // with Config.Labels: (len(Labels)+1)×Width, each label's first-layer shift
}

// Weights copies the network's current parameters.
func (n *Net) Weights() (*Weights, error) {
	w := &Weights{Config: n.cfg}
	var err error
	get := func(name string) []float32 {
		if err != nil {
			return nil
		}
		var v []float32
		v, err = n.VariableValues(name)
		return v
	}
	w.Dense, w.DenseBiases = make([][]float32, n.cfg.Depth+1), make([][]float32, n.cfg.Depth+1)
	for i, p := range Layout(n.cfg) {
		*w.slot(i) = get(p.Name)
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}
