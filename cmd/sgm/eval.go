package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/metric"
)

type evalFlags struct {
	samples, target string
	asJSON          bool
}

func init() {
	register(&command{
		name:    "eval",
		args:    "--samples FILE.csv --target SPEC [--json]",
		summary: "measure how close samples are to their target",
		detail: `Reads samples (CSV as written by sgm sample) and compares them with the
target: for an image, the Pearson correlation between the 28x28 pixel
histogram of the samples and the image (hist_corr).

` + data.SpecHelp,
		setup: func(fs *flag.FlagSet) func(context.Context, *env) error {
			var f evalFlags
			fs.StringVar(&f.samples, "samples", "", "samples `FILE` (CSV with a header row)")
			fs.StringVar(&f.target, "target", "", "the target `SPEC` the samples should follow")
			fs.BoolVar(&f.asJSON, "json", false, "print one JSON object")
			return func(ctx context.Context, e *env) error {
				if f.samples == "" {
					return usagef("--samples is required")
				}
				if f.target == "" {
					return usagef("--target is required")
				}
				header, pts, err := data.ReadCSVFile(f.samples)
				if err != nil {
					return err
				}
				if len(header) != 2 {
					return fmt.Errorf("%s: %d columns, want 2 for an image target", f.samples, len(header))
				}
				im, err := loadImage(f.target)
				if err != nil {
					return err
				}
				out := map[string]any{
					"n":         len(pts) / 2,
					"hist_corr": metric.HistCorr(pts, im.Pix, im.H, im.W),
				}
				if f.asJSON {
					return json.NewEncoder(e.stdout).Encode(out)
				}
				fmt.Fprintf(e.stdout, "n %d\nhist_corr %.4f\n", out["n"], out["hist_corr"])
				return nil
			}
		},
	})
}
