package train

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The loss history is saved with each checkpoint, as one unit with it
// (scorenet.Net.SetHistory): a run killed at any moment resumes with the
// loss of every step up to its newest checkpoint. Its form is 16 bytes a
// step, little-endian: the step (uint64) and its loss (float64 bits).

const historyRecord = 16

// EncodeHistory returns h in the form a checkpoint's history file holds.
func EncodeHistory(h []Record) []byte {
	b := make([]byte, 0, historyRecord*len(h))
	for _, r := range h {
		b = binary.LittleEndian.AppendUint64(b, uint64(r.Step))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.Loss))
	}
	return b
}

// DecodeHistory reads a checkpoint's history file (untrusted input): whole
// records of increasing positive steps up to step, the network's step
// count, and finite losses.
func DecodeHistory(b []byte, step int) ([]Record, error) {
	if len(b)%historyRecord != 0 {
		return nil, fmt.Errorf("history of %d bytes: not whole records of %d", len(b), historyRecord)
	}
	if n := len(b) / historyRecord; n > step {
		return nil, fmt.Errorf("history of %d steps for a checkpoint at step %d", n, step)
	}
	h := make([]Record, len(b)/historyRecord)
	prev := uint64(0)
	for i := range h {
		s := binary.LittleEndian.Uint64(b[i*historyRecord:])
		loss := math.Float64frombits(binary.LittleEndian.Uint64(b[i*historyRecord+8:]))
		switch {
		case s <= prev || s > uint64(step):
			return nil, fmt.Errorf("history record %d: step %d after step %d (the checkpoint is at step %d)", i+1, s, prev, step)
		case !finite(loss):
			return nil, fmt.Errorf("history record %d: loss %v at step %d", i+1, loss, s)
		}
		h[i] = Record{Step: int(s), Loss: loss}
		prev = s
	}
	return h, nil
}
