package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/sample"
	"github.com/sgm-dev/sgm/scorenet"
	"github.com/sgm-dev/sgm/train"
)

// plotKinds lists the figures "sgm plot" draws.
func plotKinds() []string {
	var k []string
	for name := range commands {
		if kind, ok := strings.CutPrefix(name, "plot "); ok {
			k = append(k, kind)
		}
	}
	sort.Strings(k)
	return k
}

// figureExts are the formats a still figure is saved in.
var figureExts = []string{".png", ".svg"}

// figureOutHelp documents --out for a still figure.
const figureOutHelp = "figure `FILE` (.png or .svg)"

// parseBox parses XMIN,XMAX,YMIN,YMAX.
func parseBox(flag, s string) (plot.Box, error) {
	v, err := parseFloats(flag, s, 4)
	if err != nil {
		return plot.Box{}, err
	}
	if !(v[1] > v[0] && v[3] > v[2]) {
		return plot.Box{}, usagef("--%s %q: want XMIN,XMAX,YMIN,YMAX with XMIN < XMAX and YMIN < YMAX", flag, s)
	}
	return plot.Box{Min: [2]float64{v[0], v[2]}, Max: [2]float64{v[1], v[3]}}, nil
}

// optionalBox parses a box flag that may be empty: nil then.
func optionalBox(flag, s string) (*plot.Box, error) {
	if s == "" {
		return nil, nil
	}
	b, err := parseBox(flag, s)
	return &b, err
}

// loadTarget reads --target: a mixture JSON file or preset.
func loadTarget(spec string) (*dist.Mixture, error) {
	if spec == "" {
		return nil, usagef("--target is required")
	}
	m, err := dist.Target(spec)
	if err != nil {
		return nil, usagef("--target: %v", err)
	}
	return m, nil
}

// Limits on the sizes of figures, beyond which they would take more memory
// or time than any figure is worth.
const (
	maxArrows    = 200        // arrows per axis of a score field
	maxBins      = 1000       // histogram bins per axis
	maxDraws     = 10_000_000 // draws from an image (160 MB of points)
	maxPathSteps = 100_000    // steps of a drawn Langevin path (seconds to draw)
	maxPanels    = 64         // panels of a grid of fields
)

// mixtureFlags are the --target and --box flags of a figure drawn over a
// mixture's density.
type mixtureFlags struct {
	target *string  // mixture JSON file or preset
	box    *string  // region to draw, XMIN,XMAX,YMIN,YMAX; "" for the default
	fixed  plot.Box // the default region for mixtures that fit in it
}

// addMixtureFlags registers --target and --box, the latter defaulting to
// fixed for mixtures that fit in it (see mixtureBox).
func addMixtureFlags(fs *flag.FlagSet, fixed plot.Box) mixtureFlags {
	return mixtureFlags{
		target: fs.String("target", "seed-mog", "mixture JSON file or preset `SPEC`"),
		box: fs.String("box", "", fmt.Sprintf("region to draw, XMIN,XMAX,YMIN,YMAX (default %g,%g,%g,%g when the target's modes fit in it, "+
			"else a square around the modes' means ± %d standard deviations)", fixed.Min[0], fixed.Max[0], fixed.Min[1], fixed.Max[1], boxStds)),
		fixed: fixed,
	}
}

// load parses --box, then loads --target and, without --box, chooses the
// region to draw it in.
func (f mixtureFlags) load() (m *dist.Mixture, b plot.Box, err error) {
	if *f.box != "" {
		if b, err = parseBox("box", *f.box); err != nil {
			return nil, b, err
		}
	}
	if m, err = loadTarget(*f.target); err != nil {
		return nil, b, err
	}
	if *f.box == "" {
		b = mixtureBox(m, f.fixed)
	}
	return m, b, nil
}

// boxStds is how many standard deviations around each mode's mean the
// default region of a mixture covers.
const boxStds = 3

// mixtureBox returns the region to draw the 2-D mixture m in when --box is
// not given (plot.FitBox): fixed when its modes, their means ± one standard
// deviation, fit in it, else a square around the means ± boxStds standard
// deviations. A mixture that is not 2-D gets fixed.
func mixtureBox(m *dist.Mixture, fixed plot.Box) plot.Box {
	if m.Dim() != 2 {
		return fixed
	}
	box := func(k float64) plot.Box {
		lo, hi := m.Bounds(k)
		return plot.Box{Min: [2]float64{lo[0], lo[1]}, Max: [2]float64{hi[0], hi[1]}}
	}
	return plot.FitBox(fixed, box(1), box(boxStds))
}

// drawFunc draws a figure into the file out, whose name has been checked;
// logOf(ctx) is where it reports progress.
type drawFunc func(ctx context.Context, out string) error

// logKey keys the progress log in a drawFunc's context.
type logKey struct{}

// withLog returns ctx carrying w as the progress log.
func withLog(ctx context.Context, w io.Writer) context.Context {
	return context.WithValue(ctx, logKey{}, w)
}

// logOf returns the progress log ctx carries, or io.Discard.
func logOf(ctx context.Context) io.Writer {
	if w, ok := ctx.Value(logKey{}).(io.Writer); ok {
		return w
	}
	return io.Discard
}

// figure is a "plot" subcommand: a command that draws one figure to --out.
type figure struct {
	name, args, summary, detail string // as in command

	out     string   // --out's default
	exts    []string // the formats --out may name; figureExts when nil
	outHelp string   // --out's usage; figureOutHelp when empty

	// setup registers the figure's own flags and returns what draws it.
	setup func(fs *flag.FlagSet) drawFunc
}

// registerFigure registers f as a command that adds --out to f's flags,
// checks it before drawing, and reports the file written.
func registerFigure(f figure) {
	exts, outHelp := f.exts, cmp.Or(f.outHelp, figureOutHelp)
	if exts == nil {
		exts = figureExts
	}
	register(&command{
		name:    f.name,
		args:    f.args,
		summary: f.summary,
		detail:  f.detail,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			draw := f.setup(fs)
			out := fs.String("out", f.out, outHelp)
			return func(ctx context.Context, e *env) error {
				if err := checkOutput("out", *out, exts...); err != nil {
					return err
				}
				if err := draw(withLog(ctx, e.stderr), *out); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "wrote %s\n", *out)
				return nil
			}
		},
	})
}

func init() {
	registerFigure(figure{
		name:    "plot density",
		args:    "(--target SPEC | --model DIR) [--box X0,X1,Y0,Y1] [--arrows N] --out FILE",
		summary: "log-density contours with the score as arrows (the blog post's Figure 1); points as histograms",
		detail:  densityDetail,
		out:     "density.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			mix := addMixtureFlags(fs, seedBox)
			arrows := fs.Int("arrows", 10, fmt.Sprintf("arrows per axis (at most %d)", maxArrows))
			pts := addPointDensityFlags(fs) // toys, data files and models of points (plotdensity.go)
			return func(ctx context.Context, out string) error {
				if done, err := pts.draw(logOf(ctx), out, *mix.target, *mix.box); done {
					return err
				}
				if err := checkRange("arrows", *arrows, 2, maxArrows); err != nil {
					return err
				}
				m, b, err := mix.load()
				if err != nil {
					return err
				}
				return saveMixtureScore(out, m, b, *arrows, "log p and its score: "+*mix.target)
			}
		},
	})
	registerFigure(figure{
		name:    "plot path",
		args:    "--target SPEC [--steps T] [--step-size ETA] --out FILE.(png|svg|gif|mp4)",
		summary: "one particle's Langevin path over the density (the blog post's Figure 2, or its animation)",
		detail: `Runs one Langevin chain on the target from a N(0, 0.5^2) start (the blog post's) and
draws its path over the density's contours; a .gif or .mp4 name animates it
(MP4 needs ffmpeg on PATH).`,
		out:     "path.png",
		exts:    []string{".png", ".svg", ".gif", ".mp4"},
		outHelp: "figure `FILE`: .png, .svg, .gif or .mp4",
		setup: func(fs *flag.FlagSet) drawFunc {
			mix := addMixtureFlags(fs, seedPathBox)
			steps := fs.Int("steps", 200, fmt.Sprintf("Langevin steps (at most %d)", maxPathSteps))
			eta := fs.Float64("step-size", 0.01, "Langevin step size η")
			seed := fs.Uint64("seed", 0, "random seed")
			return func(ctx context.Context, out string) error {
				return drawPath(out, mix, *steps, *eta, *seed)
			}
		},
	})
	registerFigure(figure{
		name:    "plot image",
		args:    "[--image SPEC] [--n N] --out FILE",
		summary: "an image beside a histogram of draws from its distribution over pixels",
		detail:  data.SpecHelp,
		out:     "image.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			spec := fs.String("image", "mnist:train:0", "image `SPEC`")
			n := fs.Int("n", 10000, fmt.Sprintf("number of draws (at most %d)", maxDraws))
			seed := fs.Uint64("seed", 0, "random seed")
			return func(ctx context.Context, out string) error {
				return drawImage(out, *spec, *n, *seed)
			}
		},
	})
	registerFigure(figure{
		name:    "plot field",
		args:    "--model DIR [--levels L1,L2,...] --out FILE",
		summary: "a trained network's score field at several noise levels (the blog post's Figure 3)",
		out:     "field.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			model := fs.String("model", "sgm-model", "checkpoint `DIR` written by sgm train")
			levels := fs.String("levels", "", "comma-separated level indices (default nine a tenth of the schedule apart from 0: 0,3,...,24 of 30, as the blog post)")
			arrows := fs.Int("arrows", 15, fmt.Sprintf("arrows per axis (at most %d)", maxArrows))
			backend := fs.String("backend", "go", backendFlagHelp)
			return func(ctx context.Context, out string) error {
				return drawField(out, *model, *levels, *arrows, *backend)
			}
		},
	})
	registerFigure(figure{
		name:    "plot hist",
		args:    "--samples FILE.csv [--space auto|image|xy] [--box X0,X1,Y0,Y1] [--bins N] --out FILE",
		summary: "a 2-D histogram of samples (the blog post's last figure)",
		detail: `--space auto (the default) draws samples as image coordinates, (row, column)
in [0,1]^2 upright over the unit square, when at least 95% of the finite ones
lie within 0.1 of it, as samples of an image do, and otherwise on plain axes
over the samples' range. A box that holds none of the samples is an error.`,
		out: "hist.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			samples := fs.String("samples", "", "samples `FILE` (CSV from sgm sample, or .npy)")
			space := fs.String("space", "auto", "auto, image (points are (row, col) in [0,1]^2, drawn upright) or xy (plain axes)")
			box := fs.String("box", "", "region XMIN,XMAX,YMIN,YMAX (default [0,1]^2 for image, the samples' range for xy)")
			bins := fs.Int("bins", 50, fmt.Sprintf("bins per axis (at most %d)", maxBins))
			return func(ctx context.Context, out string) error {
				return drawHist(out, *samples, *space, *box, *bins)
			}
		},
	})
	registerFigure(figure{
		name:    "plot loss",
		args:    "--csv FILE [--model DIR] --out FILE",
		summary: "a training run's loss curve",
		detail: `Draws the loss history as sgm train and sgm demo do, titled by the loss the
run's objective estimates, which --model's checkpoint records (default: the
checkpoint beside the CSV, as sgm train writes it, or in model/ beside it, as
sgm demo does; "training loss" when there is none). The CSV is read as a
stream and kept in at most 10000 points, each the mean of a run of steps
drawn over the band from their smallest to their largest loss, so that any
length of history fits in memory.`,
		out: "loss.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			csv := fs.String("csv", "sgm-model/loss.csv", "loss history `FILE` written by sgm train")
			model := fs.String("model", "", "checkpoint `DIR` of the run, for its objective (default: beside the CSV)")
			return func(ctx context.Context, out string) error {
				return drawLoss(out, *csv, *model)
			}
		},
	})
}

// drawPath runs one Langevin chain of steps steps of size eta on --target
// from a N(0, 0.5²) start (the blog post's) and draws its path to out.
func drawPath(out string, mix mixtureFlags, steps int, eta float64, seed uint64) error {
	if err := firstErr(checkRange("steps", steps, 1, maxPathSteps), checkPositive("step-size", eta)); err != nil {
		return err
	}
	m, b, err := mix.load()
	if err != nil {
		return err
	}
	if err := check2D("the target", m.Dim()); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0x1217))
	init := []float64{0.5 * rng.NormFloat64(), 0.5 * rng.NormFloat64()}
	p, err := sample.Langevin{StepSize: eta, Steps: steps}.Path(init, m, rand.New(rand.NewPCG(seed, 0x9a7)))
	if err != nil {
		return err
	}
	return savePathFigure(out, m, b, p, fmt.Sprintf("Langevin path, %d steps of η=%g", steps, eta))
}

// drawImage draws the image spec beside a histogram of n draws from it.
func drawImage(out, spec string, n int, seed uint64) error {
	if err := checkRange("n", n, 1, maxDraws); err != nil {
		return err
	}
	im, err := model.OpenImage(spec)
	if err != nil {
		return err
	}
	draws := im.Sample(nil, n, rand.New(rand.NewPCG(seed, 0xf17e)))
	return saveImageHistogram(out, im, draws, spec+" as a distribution over pixels")
}

// drawField draws the score field of the levels model in the directory
// dir at the levels listed (default: plot.FieldLevels), arrows per axis:
// over its training image, or, for a model of 2-D points, in the data's
// units over the box of its data, drawn faintly underneath.
func drawField(out, dir, levels string, arrows int, backend string) error {
	if err := checkRange("arrows", arrows, 2, maxArrows); err != nil {
		return err
	}
	if n := strings.Count(levels, ",") + 1; n > maxPanels {
		return usagef("--levels: at most %d levels, got %d", maxPanels, n)
	}
	lv, err := parseInts("levels", levels)
	if err != nil {
		return err
	}
	b, err := newBackend(backend)
	if err != nil {
		return err
	}
	m, err := model.Open(dir, scorenet.WithBackend(b))
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	sigmas, err := m.NoiseLevels()
	if err != nil {
		return usagef("--model %s: %v", dir, err)
	}
	if lv == nil {
		lv = plot.FieldLevels(len(sigmas))
	}
	at := func(l int) sgm.Scorer { s, _ := m.LevelScorer(l); return s }
	box, suffix, o := plot.UnitSquare, "", plot.FieldOptions{Space: plot.ImageSpace, Under: imageUnder(m.Net())}
	if _, points := m.Standardizer(); points {
		if err := check2D("the model", m.Dim()); err != nil {
			return err
		}
		d, err := model.OpenData(m.Record().Data)
		if err != nil {
			return fmt.Errorf("--model %s: its data: %w", dir, err)
		}
		pts := d.Draw(fieldDataPoints, 0, rand.New(rand.NewPCG(0xf1e1d, 2)))
		box, _ = plot.PointsBox(pts, 0.1)
		under, err := plot.HistogramGrid(pts, box, 60, 60)
		if err != nil {
			return err
		}
		suffix, o = " (standard units)", plot.FieldOptions{Space: plot.Cartesian, Under: &under}
	}
	fig, err := plot.LevelFields(at, sigmas, lv, box, arrows, suffix, o)
	if err != nil {
		return usagef("%v", err)
	}
	return plot.Save(fig, out)
}

// fieldDataPoints is how many points of the data "plot field" draws under
// a point model's fields (all of a smaller file).
const fieldDataPoints = 5000

// drawHist draws a 2-D histogram of the samples in the CSV file samples,
// in the space and box given (see plot hist's help), bins per axis.
func drawHist(out, samples, space, box string, bins int) error {
	if samples == "" {
		return usagef("--samples is required")
	}
	if err := checkRange("bins", bins, 1, maxBins); err != nil {
		return err
	}
	switch space {
	case "auto", "image", "xy":
	default:
		return usagef("--space %q: want auto, image or xy", space)
	}
	b, err := optionalBox("box", box)
	if err != nil {
		return err
	}
	pts, d, err := readSamples(samples)
	if err != nil {
		return err
	}
	if err := check2D(samples, d); err != nil {
		return err
	}
	if len(pts) == 0 {
		return fmt.Errorf("%s: no samples", samples)
	}
	sp := map[string]plot.Space{"image": plot.ImageSpace, "xy": plot.Cartesian, "auto": plot.GuessSpace(pts)}[space]
	err = plot.SaveTo(out)(plot.SamplesHistogram(pts, bins, sp, b))
	if errors.Is(err, plot.ErrEmptyBox) {
		return fmt.Errorf("%s: %w; give another --box or --space xy", samples, err)
	} else if err != nil {
		return fmt.Errorf("%s: %w", samples, err)
	}
	return nil
}

// drawLoss draws the loss history in the CSV file csv, titled by the
// objective of the run's checkpoint (lossObjective).
func drawLoss(out, csv, model string) error {
	s, err := plot.ReadLossCSV(csv)
	if err != nil {
		return err
	}
	if s.Len()+s.Dropped() == 0 {
		return fmt.Errorf("%s: no steps recorded", csv)
	}
	objective, err := lossObjective(csv, model)
	if err != nil {
		return err
	}
	if err := saveLossSeries(out, s, objective); err != nil {
		return fmt.Errorf("%s: %w", csv, err)
	}
	return nil
}

// lossObjective returns the objective the run in dir records, or, when dir
// is "", the run beside the loss CSV at csv or in model/ beside it; "" when
// there is none there or it does not open (the title is then "training
// loss"; a --model that does not open is an error).
func lossObjective(csv, dir string) (train.Objective, error) {
	if dir != "" {
		m, err := openModel(dir)
		if err != nil {
			return "", err
		}
		return m.Record().Settings.Objective, nil
	}
	for _, d := range []string{filepath.Dir(csv), filepath.Join(filepath.Dir(csv), "model")} {
		if m, err := model.Open(d); err == nil {
			return m.Record().Settings.Objective, nil
		}
	}
	return "", nil
}
