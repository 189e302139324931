package serve

import (
	"net/http"
	"strings"
	"testing"
)

// TestStepFrames checks that a request for 3 frames of 2 steps returns
// bitwise the states of three requests of 2 steps in turn, and that the
// annealed schedule's end stops it early.
func TestStepFrames(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	for _, smp := range []string{"langevin", "annealed", "mala"} {
		base := map[string]any{"target": Spec{Toy: "moons"}, "sampler": smp, "n": 50, "seed": 3}
		var start stepResponse
		postOK(t, ts.URL+"/api/step", base, &start)
		var got stepResponse
		postOK(t, ts.URL+"/api/step", map[string]any{"target": Spec{Toy: "moons"}, "sampler": smp, "x": start.X, "t": start.T, "k": 6, "frames": 3, "seed": 3}, &got)
		if len(got.Frames) != 3 || got.X != got.Frames[2].X || got.T != start.T+6 {
			t.Fatalf("%s: %d frames, t %d", smp, len(got.Frames), got.T)
		}
		x, tt := start.X, start.T
		for i := range 3 {
			var one stepResponse
			postOK(t, ts.URL+"/api/step", map[string]any{"target": Spec{Toy: "moons"}, "sampler": smp, "x": x, "t": tt, "k": 2, "seed": 3}, &one)
			if one.X != got.Frames[i].X || one.T != got.Frames[i].T {
				t.Errorf("%s: frame %d differs from the request of 2 steps", smp, i)
			}
			x, tt = one.X, one.T
		}
	}
	var end stepResponse
	postOK(t, ts.URL+"/api/step", map[string]any{"target": Spec{Preset: "seed-mog"}, "sampler": "annealed", "n": 10, "perLevel": 1, "t": 8, "k": 4, "frames": 4}, &end)
	if !end.Done || len(end.Frames) != 2 || end.T != 10 {
		t.Errorf("annealed to its end: done %v, %d frames, t %d; want true, 2, 10", end.Done, len(end.Frames), end.T)
	}
	for _, c := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"frames": 17, "k": 17}, "frames 17: must be in [1, 16]"},
		{map[string]any{"frames": 3, "k": 4}, "k 4: must be a multiple of frames 3"},
	} {
		c.body["target"], c.body["n"] = Spec{Preset: "seed-mog"}, 10
		code, b := post(t, ts.URL+"/api/step", c.body)
		if code != http.StatusBadRequest || !strings.Contains(string(b), c.want) {
			t.Errorf("%v: status %d, %s; want 400 with %q", c.body, code, b, c.want)
		}
	}
}
