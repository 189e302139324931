package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
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
		v, err := parseGiven(c.given, d, names)
		return v, f.n, err
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

// parseGiven reads --given I=V[,I=V...] for points of dimension d: I a
// coordinate index from 0, its name xI, or one of names (the header of
// the data the model learned, nil if none); V a finite number; each
// coordinate at most once and at least one left free.
func parseGiven(spec string, d int, names []string) ([]float64, error) {
	v := make([]float64, d)
	for i := range v {
		v[i] = math.NaN()
	}
	for _, part := range strings.Split(spec, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, usagef("--given %q: want I=V[,I=V...], got %q", spec, part)
		}
		name = strings.TrimSpace(name)
		i := slices.Index(names, name)
		if i < 0 {
			var err error
			i, err = strconv.Atoi(strings.TrimPrefix(name, "x"))
			if err != nil || i < 0 || i >= d || (strings.HasPrefix(name, "x") && name != fmt.Sprintf("x%d", i)) {
				known := fmt.Sprintf("a name x0..x%d", d-1)
				if names != nil {
					known = fmt.Sprintf("a column name (%s)", strings.Join(names, ", "))
				}
				return nil, usagef("--given %q: coordinate %q: want an index 0..%d or %s", spec, name, d-1, known)
			}
		}
		if !math.IsNaN(v[i]) {
			return nil, usagef("--given %q: coordinate %d given twice", spec, i)
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, usagef("--given %q: value %q of coordinate %d: want a finite number", spec, val, i)
		}
		v[i] = x
	}
	for _, x := range v {
		if math.IsNaN(x) {
			return v, nil
		}
	}
	return nil, usagef("--given %q gives every one of the %d coordinates: leave at least one to sample", spec, d)
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
