package train

import (
	"strings"
	"testing"
)

func TestLossName(t *testing.T) {
	if got := Objective("").LossName(); got != "training loss" {
		t.Errorf("the loss of an unknown objective is named %q, want training loss", got)
	}
	for _, o := range Objectives {
		got := o.LossName()
		denoising := o != Sliced && o != CFM && o != OTCFM
		if strings.Contains(got, "denoising") != denoising || strings.Contains(got, "objective") {
			t.Errorf("the loss of %s is named %q", o, got)
		}
	}
	if got := Objective("new").LossName(); got != "training loss, objective new" {
		t.Errorf("an objective without a name of its loss: %q", got)
	}
}
