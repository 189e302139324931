package train

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
