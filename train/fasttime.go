package train

import (
	"fmt"

	"github.com/sgm-dev/sgm/internal/fastnet"
	"github.com/sgm-dev/sgm/scorenet"
)

// The fused engine of a time-conditioned network: internal/fastnet's
// TimeTrainer takes the steps of the continuous-time objectives (the
// regression of objective's continuous.go on the batch of timeBatch, the
// same batch as the graph's) with the weights, Adam's state, the moving
// averages and the store's variables handled as the levels' fast engine
// handles them (fastengine.go): checkpoints are the graph's, and either
// engine resumes the other's.

// fastTimeApplies reports whether the fused engine trains net: a ReLU
// network (fastnet's backward pass is ReLU's) on the pure-Go backend with
// fastnet's vectorised kernels (scorenet.Net.TimeFastPath).
func fastTimeApplies(net *scorenet.Net) bool {
	return net.TimeFastPath() && net.Config().Activation == "relu"
}

type fastTimeEngine struct {
	*fastEngine
	timeBatch
	tt *fastnet.TimeTrainer
}

// newFastTimeEngine returns the fused engine of the time-conditioned net,
// for a labelled network at the labels *labels (nil without).
func newFastTimeEngine(net *scorenet.Net, s Settings, labels *[]int32) (*fastTimeEngine, error) {
	fe, err := newFastEngine(net, s, labels)
	if err != nil {
		return nil, err
	}
	cfg := net.Config()
	tt, err := fastnet.NewTimeTrainer(fe.trainer, cfg.TimeFrequencies())
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	e := &fastTimeEngine{fastEngine: fe, timeBatch: newTimeBatch(cfg, s), tt: tt}
	e.timeBatch.labels = labels
	return e, nil
}

// step takes a step on the data x and the standard normal noise z (the
// flows' source points), the times drawn before by drawTimes.
func (e *fastTimeEngine) step(x, z, _ []float32, _ []int32) (lossValue, error) {
	e.fill(x, z)
	var loss float64
	if e.fastEngine.labels != nil {
		loss = e.tt.StepLabelled(e.xt, e.t, *e.fastEngine.labels, e.target)
	} else {
		loss = e.tt.Step(e.xt, e.t, e.target)
	}
	e.average()
	return floatLoss(loss), nil
}
