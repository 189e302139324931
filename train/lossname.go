package train

// LossName names the loss the objective estimates, for a loss figure's
// title: AllLevels and OneLevel estimate the same denoising score
// matching loss two ways. The empty objective (a run whose objective is
// not known) gives "training loss".
func (o Objective) LossName() string {
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
