package train

// Loss names the loss the objective o estimates, as the title of a loss
// curve: the same loss for AllLevels and OneLevel (two estimators of it),
// "training loss" for the empty objective (one not known) and "training
// loss, objective NAME" for a name not defined here.
func (o Objective) Loss() string {
	switch o {
	case "":
		return "training loss"
	case AllLevels, OneLevel:
		return "denoising score matching loss"
	case Sliced:
		return "sliced score matching loss"
	case Continuous:
		return "denoising score matching loss in continuous time"
	case CFM, OTCFM:
		return "flow matching loss (" + string(o) + ")"
	}
	return "training loss, objective " + string(o)
}

// FinalLoss is the mean loss of the last tenth of the history h (at most
// 100 steps, at least one), less noisy than the last step's, and the number
// of steps k it is the mean of. It panics if h is empty.
func FinalLoss(h []Record) (mean float64, k int) {
	if len(h) == 0 {
		panic("train: FinalLoss of no steps")
	}
	k = min(len(h), max(1, min(100, len(h)/10)))
	var s float64
	for _, r := range h[len(h)-k:] {
		s += r.Loss
	}
	return s / float64(k), k
}
