package main

import (
	"fmt"
	"io"
	"time"
)

// progress reports a long computation's progress on w (stderr): a line
// "what: done/total units, elapsed, left" at most every interval
// (progressInterval), so that no command over a few seconds is silent and
// none under it prints anything. The zero interval prints every update
// (the tests).
type progress struct {
	w           io.Writer
	what, units string
	total       int
	interval    time.Duration
	start, last time.Time
}

// newProgress starts reporting the progress of total units of what on w.
func newProgress(w io.Writer, what, units string, total int) *progress {
	now := time.Now()
	return &progress{w: w, what: what, units: units, total: total, interval: progressInterval, start: now, last: now}
}

// update reports done of the total units, if the last line (or the start)
// is interval ago.
func (p *progress) update(done int) {
	now := time.Now()
	if now.Sub(p.last) < p.interval || done <= 0 {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	left := time.Duration(float64(el) * float64(p.total-done) / float64(done))
	fmt.Fprintf(p.w, "%s: %d/%d %s (%.0f%%), elapsed %s, left %s\n", p.what, done, p.total, p.units,
		100*float64(done)/float64(p.total), el.Round(time.Second), left.Round(time.Second))
}
