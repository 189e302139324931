package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sample"
)

// condFlags are sgm sample's conditioning flags: --label, --guidance,
// --given, --given-file.
type condFlags struct {
	label, given, givenFile string
	guidance                float64
}

func (c *condFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.label, "label", "", "with --model trained with --label-column: sample the class `L`")
	fs.Float64Var(&c.guidance, "guidance", 0, "with --label: classifier-free guidance weight `W` in [0, 100]: s_u + (1+W)(s_c - s_u), one more network evaluation per step; 0 samples the conditional model")
	fs.StringVar(&c.given, "given", "", "sample the other coordinates given `I=V[,I=V...]` (I a coordinate index from 0, its name x0, x1, ..., or a column name of the CSV the model learned), with --model (annealed Langevin on the conditional score) or a mixture --target (exact draws of its closed-form conditional)")
	fs.StringVar(&c.givenFile, "given-file", "", "like --given, one row of given values per sample (`FILE`.csv, Dim columns, empty where free; --n is its row count)")
}

// wanted reports whether any conditioning flag was given.
func (c *condFlags) wanted(set map[string]bool) bool {
	return set["label"] || set["guidance"] || set["given"] || set["given-file"]
}

// condNotApplying are sample's flags that the conditioned path does not
// take.
var condNotApplying = []string{"init", "path", "burn-in", "every", "sigma", "leapfrog", "sde"}

// runCondSample samples with the conditioning flags: through the model's
// Sample, with the options the other flags give (modelOptions), or by
// exact draws from a mixture --target's conditional.
func runCondSample(e *env, f sampleFlags, sf *sdeFlags) error {
	c := f.cond
	switch {
	case f.target == "" && f.model == "":
		return usagef("give --model DIR (or, with --given, a mixture --target SPEC)")
	case f.target != "" && f.model != "":
		return usagef("give one of --target and --model, not both")
	case f.set["given"] && f.set["given-file"]:
		return usagef("give one of --given and --given-file, not both")
	case f.set["guidance"] && c.label == "":
		return usagef("--guidance %v needs --label: guidance steers towards a class", c.guidance)
	case f.set["label"] && f.target != "":
		return usagef("--label needs --model, a model trained with --label-column")
	case f.set["label"] && c.label == "":
		return usagef("--label: empty")
	}
	if err := sample.CheckGuidance(c.guidance); err != nil {
		return usagef("--guidance: %v", err)
	}
	for _, name := range condNotApplying {
		if f.set[name] {
			return usagef("--%s does not apply with --label, --guidance or --given", name)
		}
	}
	if err := firstErr(checkAtLeast("n", f.n, 1), checkOutput("out", f.out, ".csv")); err != nil {
		return err
	}
	if f.target != "" {
		return runTargetGiven(e, f)
	}
	began := time.Now()
	m, err := openModel(f.model)
	if err != nil {
		return err
	}
	for _, w := range m.Warnings() {
		fmt.Fprintf(e.stderr, "sgm sample: warning: %s\n", w)
	}
	d := m.Dim()
	cols, err := m.Columns()
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	header := coordHeader(d)
	if cols != nil {
		header = cols
	}
	given, n, err := f.givenValues(d, cols)
	if err != nil {
		return err
	}
	o, err := f.modelOptions(e, m, sf) // samplemodel.go: the sampler and its settings
	if err != nil {
		return err
	}
	o.Label, o.Guidance, o.Given = c.label, c.guidance, given
	x, st, err := m.Sample(nil, n, rand.New(rand.NewPCG(f.seed, 0x5a3b1e)), o)
	if err != nil {
		return condError(err)
	}
	if bad := nonFiniteRows(x, d); bad > 0 {
		return fmt.Errorf("%d of %d samples are not finite: the chains diverged; nothing written", bad, n)
	}
	what := ""
	if c.label != "" {
		what = fmt.Sprintf("label %s, guidance %g; ", c.label, c.guidance)
		labels := make([]string, n)
		for i := range labels {
			labels[i] = c.label
		}
		err = data.WriteLabelledCSVFile(f.out, header, x, sampleLabelColumn, labels)
	} else {
		err = data.WriteCSVFile(f.out, header, x)
	}
	if err != nil {
		return err
	}
	if given != nil {
		what += "given values; "
	}
	fmt.Fprintf(e.stdout, "wrote %d samples to %s (%s%s, %d network evaluations; %.1fs)\n", n, f.out, what, st.Sampler, st.NFE, time.Since(began).Seconds())
	return nil
}

// condError turns model's refusals of the conditioning options into
// errors that name the flag.
func condError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "model: ")
	for _, c := range []struct{ has, flag string }{{"label", "--label"}, {"guidance", "--guidance"}, {"given value", "--given"}} {
		if strings.Contains(msg, c.has) {
			return usagef("%s: %s", c.flag, msg)
		}
	}
	return err
}

// givenValues returns the given values of --given (d of them; names, if
// not nil, are the coordinates' names) or --given-file (d a row), NaN
// where free, and the number of samples: --n, or the file's rows.
func (f *sampleFlags) givenValues(d int, names []string) ([]float64, int, error) {
	c := f.cond
	switch {
	case f.set["given"]:
		v, err := data.ParseGiven(c.given, d, names)
		if err != nil {
			return nil, 0, usagef("--given %v", err)
		}
		return v, f.n, nil
	case f.set["given-file"]:
		v, _, err := data.ReadGivenFile(c.givenFile, d)
		if err != nil {
			return nil, 0, usagef("--given-file: %v", err)
		}
		rows := len(v) / d
		if f.set["n"] && f.n != rows {
			return nil, 0, usagef("--n %d: --given-file %s has %d rows, one a sample", f.n, c.givenFile, rows)
		}
		return v, rows, nil
	}
	return nil, f.n, nil
}

// runTargetGiven draws from the closed-form conditional of a mixture
// --target given --given or each row of --given-file.
func runTargetGiven(e *env, f sampleFlags) error {
	if !f.set["given"] && !f.set["given-file"] {
		return usagef("--target takes --given or --given-file (labels need a --model)")
	}
	for _, name := range []string{"sampler", "steps", "step-size", "steps-per-level", "eps", "denoise", "level"} {
		if f.set[name] {
			return usagef("--%s does not apply: --target with --given draws its closed-form conditional exactly", name)
		}
	}
	tgt, err := resolveTarget(f.target)
	if err != nil {
		return err
	}
	if tgt.mixture == nil {
		return usagef("--target %s: --given takes a mixture (a preset or JSON file), not an image", f.target)
	}
	d := tgt.Dim()
	given, n, err := f.givenValues(d, nil)
	if err != nil {
		return err
	}
	x, _, err := tgt.Sample(nil, n, rand.New(rand.NewPCG(f.seed, 0x5a3b1e)), model.TargetOptions{Given: given})
	var re *dist.RowError
	switch {
	case errors.As(err, &re):
		return usagef("--given (row %d): %v", re.Row+1, re.Err)
	case err != nil:
		return usagef("--given: %v", err)
	}
	if err := data.WriteCSVFile(f.out, coordHeader(d), x); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d samples to %s (exact draws of the conditional of %s given the values)\n", n, f.out, f.target)
	return nil
}
