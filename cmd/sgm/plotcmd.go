package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/plot"
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

// mixtureFlags are the --target and --box flags of a figure drawn over a
// mixture's density.
type mixtureFlags struct {
	target *string // mixture JSON file or preset
	box    *string // region to draw, XMIN,XMAX,YMIN,YMAX
}

// addMixtureFlags registers --target and --box, the latter defaulting to box.
func addMixtureFlags(fs *flag.FlagSet, box string) mixtureFlags {
	return mixtureFlags{
		target: fs.String("target", "seed-mog", "mixture JSON file or preset `SPEC`"),
		box:    fs.String("box", box, "region to draw, XMIN,XMAX,YMIN,YMAX"),
	}
}

// load parses --box, then loads --target.
func (f mixtureFlags) load() (m *dist.Mixture, b plot.Box, err error) {
	if b, err = parseBox("box", *f.box); err != nil {
		return nil, b, err
	}
	m, err = loadTarget(*f.target)
	return m, b, err
}

// drawFunc draws a figure into the file out, whose name has been checked.
type drawFunc func(ctx context.Context, out string) error

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
				if err := draw(ctx, *out); err != nil {
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
		args:    "--target SPEC [--box X0,X1,Y0,Y1] [--arrows N] --out FILE",
		summary: "log-density contours with the score as arrows (the seed's Figure 1)",
		out:     "density.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			mix := addMixtureFlags(fs, "-1,1,-1,1")
			arrows := fs.Int("arrows", 10, "arrows per axis")
			return func(ctx context.Context, out string) error {
				if err := checkAtLeast("arrows", *arrows, 2); err != nil {
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
		summary: "one particle's Langevin path over the density (the seed's Figure 2, or its animation)",
		detail: `Runs one Langevin chain on the target from a N(0, 0.5^2) start (the seed's) and
draws its path over the density's contours; a .gif or .mp4 name animates it
(MP4 needs ffmpeg on PATH).`,
		out:     "path.png",
		exts:    []string{".png", ".svg", ".gif", ".mp4"},
		outHelp: "figure `FILE`: .png, .svg, .gif or .mp4",
		setup: func(fs *flag.FlagSet) drawFunc {
			mix := addMixtureFlags(fs, "-1.5,1.5,-1.5,1.5")
			steps := fs.Int("steps", 200, "Langevin steps")
			eta := fs.Float64("step-size", 0.01, "Langevin step size η")
			seed := fs.Uint64("seed", 0, "random seed")
			return func(ctx context.Context, out string) error {
				if err := firstErr(checkAtLeast("steps", *steps, 1), checkPositive("step-size", *eta)); err != nil {
					return err
				}
				m, b, err := mix.load()
				if err != nil {
					return err
				}
				if err := check2D("the target", m.Dim()); err != nil {
					return err
				}
				rng := rand.New(rand.NewPCG(*seed, 0x1217))
				init := []float64{0.5 * rng.NormFloat64(), 0.5 * rng.NormFloat64()}
				p, err := langevinPath(m, *steps, *eta, *seed, init)
				if err != nil {
					return err
				}
				return savePathFigure(out, m, b, p, fmt.Sprintf("Langevin path, %d steps of η=%g", *steps, *eta))
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
			n := fs.Int("n", 10000, "number of draws")
			seed := fs.Uint64("seed", 0, "random seed")
			return func(ctx context.Context, out string) error {
				if err := checkAtLeast("n", *n, 1); err != nil {
					return err
				}
				im, err := loadImage(*spec)
				if err != nil {
					return err
				}
				draws := im.Sample(*n, rand.New(rand.NewPCG(*seed, 0xf17e)))
				return saveImageHistogram(out, im, draws, *spec+" as a distribution over pixels")
			}
		},
	})
	registerFigure(figure{
		name:    "plot field",
		args:    "--model DIR [--levels L1,L2,...] --out FILE",
		summary: "a trained network's score field at several noise levels (the seed's Figure 3)",
		out:     "field.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			model := fs.String("model", "sgm-model", "checkpoint `DIR` written by sgm train")
			levels := fs.String("levels", "", "comma-separated level indices (default nine spread over the schedule)")
			arrows := fs.Int("arrows", 15, "arrows per axis")
			backend := fs.String("backend", "go", backendFlagHelp)
			return func(ctx context.Context, out string) error {
				if err := checkAtLeast("arrows", *arrows, 2); err != nil {
					return err
				}
				lv, err := parseInts("levels", *levels)
				if err != nil {
					return err
				}
				b, err := newBackend(*backend)
				if err != nil {
					return err
				}
				net, err := loadNet(b, *model)
				if err != nil {
					return err
				}
				if lv == nil {
					lv = defaultFieldLevels(len(net.Config().Sigmas))
				}
				return saveLearnedFields(out, net, lv, *arrows)
			}
		},
	})
	registerFigure(figure{
		name:    "plot hist",
		args:    "--samples FILE.csv [--space image|xy] [--bins N] --out FILE",
		summary: "a 2-D histogram of samples (the seed's last figure)",
		out:     "hist.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			samples := fs.String("samples", "", "samples `FILE` (CSV from sgm sample)")
			space := fs.String("space", "image", "image: points are (row, col) in [0,1]^2, drawn upright; xy: plain axes")
			box := fs.String("box", "", "region XMIN,XMAX,YMIN,YMAX (default [0,1]^2 for image, the samples' range for xy)")
			bins := fs.Int("bins", 50, "bins per axis")
			return func(ctx context.Context, out string) error {
				if *samples == "" {
					return usagef("--samples is required")
				}
				if err := checkAtLeast("bins", *bins, 1); err != nil {
					return err
				}
				var sp plot.Space
				switch *space {
				case "image":
					sp = plot.ImageSpace
				case "xy":
					sp = plot.Cartesian
				default:
					return usagef("--space %q: want image or xy", *space)
				}
				header, pts, err := data.ReadCSVFile(*samples)
				if err != nil {
					return err
				}
				if err := check2D(*samples, len(header)); err != nil {
					return err
				}
				b := plot.UnitSquare
				if *box != "" {
					if b, err = parseBox("box", *box); err != nil {
						return err
					}
				} else if sp == plot.Cartesian {
					b = boundingBox(pts)
				}
				return saveHistogram(out, pts, *bins, b, sp, fmt.Sprintf("%d samples", len(pts)/2))
			}
		},
	})
	registerFigure(figure{
		name:    "plot loss",
		args:    "--csv FILE --out FILE",
		summary: "a training run's loss curve",
		out:     "loss.png",
		setup: func(fs *flag.FlagSet) drawFunc {
			csv := fs.String("csv", "sgm-model/loss.csv", "loss history `FILE` written by sgm train")
			return func(ctx context.Context, out string) error {
				h, err := readLossCSV(*csv)
				if err != nil {
					return err
				}
				if len(h) == 0 {
					return fmt.Errorf("%s: no steps recorded", *csv)
				}
				return saveLossPlot(out, h)
			}
		},
	})
}

// boundingBox is the smallest box holding the 2-D points, padded by 5%.
func boundingBox(pts []float64) plot.Box {
	b := plot.Box{Min: [2]float64{pts[0], pts[1]}, Max: [2]float64{pts[0], pts[1]}}
	for i := 0; i+1 < len(pts); i += 2 {
		for k := range 2 {
			b.Min[k] = min(b.Min[k], pts[i+k])
			b.Max[k] = max(b.Max[k], pts[i+k])
		}
	}
	for k := range 2 {
		pad := 0.05*(b.Max[k]-b.Min[k]) + 1e-9
		b.Min[k] -= pad
		b.Max[k] += pad
	}
	return b
}
