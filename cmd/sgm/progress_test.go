package main

import (
	"strings"
	"testing"
	"time"
)

// TestProgress checks the progress line and its throttle: with no
// interval every update prints, with an hour's none does.
func TestProgress(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, "nll", "points", 2000)
	p.interval = 0
	p.update(500)
	p.update(0) // nothing done: no estimate to give
	if got := b.String(); !strings.HasPrefix(got, "nll: 500/2000 points (25%), elapsed ") || !strings.Contains(got, ", left ") || strings.Count(got, "\n") != 1 {
		t.Errorf("progress line %q", got)
	}
	b.Reset()
	p.interval = time.Hour
	p.update(1000)
	if b.Len() != 0 {
		t.Errorf("an update within the interval printed %q", b.String())
	}
}
