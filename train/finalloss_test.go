package train

import "testing"

// TestFinalLoss checks the steps FinalLoss averages: a tenth of the run,
// at least one and at most 100.
func TestFinalLoss(t *testing.T) {
	hist := func(n int) []Record {
		h := make([]Record, n)
		for i := range h {
			h[i] = Record{Step: i + 1, Loss: float64(i + 1)}
		}
		return h
	}
	for _, c := range []struct {
		n, k int
		mean float64
	}{
		{1, 1, 1},           // the one step
		{9, 1, 9},           // a tenth rounds down to none: the last step
		{40, 4, 38.5},       // (37+38+39+40)/4
		{5000, 100, 4950.5}, // (4901+...+5000)/100
	} {
		mean, k := FinalLoss(hist(c.n))
		if k != c.k || mean != c.mean {
			t.Errorf("FinalLoss of %d steps = %v over %d, want %v over %d", c.n, mean, k, c.mean, c.k)
		}
	}
}
