package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/sample"
)

// TestPlotNFE draws the figure for a small run and checks the table: every
// sampler at every budget, and quality that improves with the budget
// (dpm2m's W₂ at NFE 32 below em's at NFE 2, which has not left the
// prior's scale: about 1 against 0.2 at n = 100).
func TestPlotNFE(t *testing.T) {
	out := filepath.Join(t.TempDir(), "nfe.png")
	code, stdout, stderr := runSGM(t, "plot", "nfe", "--target", "seed-mog", "--sde", "vp", "--nfe", "2,32", "--n", "100", "--reps", "2", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("figure: %v", err)
	}
	w2 := map[string]float64{}
	rows := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] == "sampler" {
			continue
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			t.Fatalf("row %q: %v", sc.Text(), err)
		}
		rows[f[0]]++
		w2[f[0]+" "+f[1]] = v
	}
	for _, name := range []string{"em", "pc", "heun", "dpm2m", "ddim"} {
		if rows[name] != 2 {
			t.Errorf("%s: %d rows, want 2:\n%s", name, rows[name], stdout)
		}
	}
	if rows["ode"] != len(model.NFETolerances) || !strings.Contains(stdout, "floor") {
		t.Errorf("ode rows %d, want %d, and a floor:\n%s", rows["ode"], len(model.NFETolerances), stdout)
	}
	if !(w2["dpm2m 32"] < w2["em 2"]/2) {
		t.Errorf("dpm2m at NFE 32: W2 %v, em at NFE 2: %v", w2["dpm2m 32"], w2["em 2"])
	}
}

func TestPlotNFERefusals(t *testing.T) {
	out := filepath.Join(t.TempDir(), "nfe.png")
	base := []string{"plot", "nfe", "--target", "seed-mog", "--out", out}
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--sampler ddim needs --sde vp", []string{"--sde", "ve", "--samplers", "ddim"}},
		{`--samplers "em,langevin": "langevin" is not a sampler`, []string{"--sde", "vp", "--samplers", "em,langevin"}},
		{`--samplers "em,pc,em": em is given twice`, []string{"--sde", "vp", "--samplers", "em,pc,em"}},
		{"--nfe must be at least 2", []string{"--sde", "vp", "--nfe", "1,4"}},
		{"--nfe \"\": want 1 to 20 budgets", []string{"--sde", "vp", "--nfe", ""}},
		{"--n must be at most 5000", []string{"--sde", "vp", "--n", "6000"}},
		{"--reps must be at least 1", []string{"--sde", "vp", "--reps", "0"}},
		{"--rtol does not apply", []string{"--sde", "vp", "--rtol", "1e-3"}},
		{"--sde is required", nil},
		{"want a file ending in .png, .svg", []string{"--sde", "vp", "--out", filepath.Join(t.TempDir(), "x.gif")}},
	} {
		refusal(t, out, c.want, append(append([]string{}, base...), c.args...)...)
	}
}

// TestPlotNFEMemory checks that plot nfe bounds --n by the target's
// dimension: its draws were made unchecked, 8 GB each for --n 5000 on a
// 200,000-dimensional mixture, before any sampler's own check.
func TestPlotNFEMemory(t *testing.T) {
	const n = 5000
	d := int(memoryBudget()/(8*(3+sdeCopies(sample.Flow{}))*n)) + 1
	dir := t.TempDir()
	spec, out := wideMixture(t, dir, d), filepath.Join(dir, "nfe.png")
	refusal(t, out, fmt.Sprintf("--n %d: %d-dimensional samples would take", n, d), "plot", "nfe", "--target", spec, "--sde", "vp", "--n", strconv.Itoa(n), "--out", out)
}
