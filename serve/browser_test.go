package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// chromium returns the path of a Chromium binary, or "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser drives the page in Debian's chromium as a first-time
// visitor would: it steps through each lesson, then loads targets, moves
// the noise slider, runs 2,000 particles, drags a mixture's component,
// plays a reverse SDE, uploads a ring-and-blob CSV, draws strokes, trains
// on the drawing and samples the learned model, checking at each step
// that the canvases change, that the view ends matching the controls
// after rapid target switching and slider sweeps, that no page size
// (1400x900, 1024x768, 390x844) scrolls sideways, and that the console
// shows no error. It logs the particle animation's frames per second, the
// bytes of a slider tick, and the time from the drawn data to a trained
// model whose samples are within 1.5 times W₂'s noise floor. It waits on
// conditions the page reports (window.sgmView: no view request in flight
// and the view drawn for the controls as they are), never on time, so
// that a loaded machine makes it slower, not flaky. Screenshots go to
// $SGM_SHOTS, kept; when it is unset, to a temporary directory that is
// kept (and named in the log) when the test fails and removed when it
// passes. Outside CI it is skipped when no chromium is installed; in CI
// (CI=true) it must run.
func TestBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium binary on PATH, and CI=true: .ci/run installs Debian's chromium (apt-get install -y chromium)")
		}
		t.Skip("no chromium binary on PATH (apt-get install -y chromium); the browser test runs in CI")
	}
	if testing.Short() {
		t.Skip("the browser test takes about a minute")
	}
	shots := os.Getenv("SGM_SHOTS")
	if shots == "" {
		dir, err := os.MkdirTemp("", "sgm-browser-shots-")
		if err != nil {
			t.Fatal(err)
		}
		shots = dir
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("screenshots kept in %s", shots)
				return
			}
			os.RemoveAll(shots)
		})
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// The page's server, timing the step requests' Go work.
	srv, _ := newTestServer(t, Limits{})
	var stepNanos atomic.Int64
	// The page measures the particles between its step requests, never
	// beside one (the measurement took the server's cores from the
	// step): stepping counts step requests in flight, metricsBeside the
	// metrics requests that arrived while one was.
	var stepping, metricsCalls, metricsBeside atomic.Int64
	h := srv.Handler()
	// held holds back the answer to one request, the first to path whose
	// body contains match, until release is closed: an older answer then
	// arrives after a newer one, deterministically.
	type hold struct {
		path, match    string
		seen, answered chan struct{}
		release        chan struct{}
	}
	var holdMu sync.Mutex
	var held *hold
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		holdMu.Lock()
		hd := held
		holdMu.Unlock()
		if hd != nil && r.URL.Path == hd.path {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if strings.Contains(string(body), hd.match) {
				holdMu.Lock()
				held = nil
				holdMu.Unlock()
				close(hd.seen)
				<-hd.release
				h.ServeHTTP(w, r)
				close(hd.answered)
				return
			}
		}
		start := time.Now()
		switch r.URL.Path {
		case "/api/step":
			stepping.Add(1)
			defer stepping.Add(-1)
		case "/api/metrics":
			metricsCalls.Add(1)
			if stepping.Load() > 0 {
				metricsBeside.Add(1)
			}
		}
		h.ServeHTTP(w, r)
		if r.URL.Path == "/api/step" {
			stepNanos.Add(int64(time.Since(start)))
		}
	}))
	defer ts.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1440, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// Bounds on a hang, not speed tests: at a load of 15 on 2 cores the
	// test took a minute, with two busy loops besides 3.5 minutes.
	ctx, cancelTime := context.WithTimeout(ctx, 9*time.Minute)
	const patience = 3 * time.Minute
	defer cancelTime()

	var mu sync.Mutex
	var consoleErrors []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				consoleErrors = append(consoleErrors, m.String())
				mu.Unlock()
			}
		}
	}()

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return v
	}
	wait := func(what, cond string, timeout time.Duration) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			t.Fatalf("waiting for %s (%s): %v; view %s", what, cond, err, eval(`window.sgmView ? sgmView() : document.getElementById("status").textContent`))
		}
	}
	// settle waits until the view has been drawn for the controls as they
	// are, with no view request in flight.
	settle := func(what string) {
		t.Helper()
		wait(what, `window.sgmView && JSON.parse(sgmView()).settled`, patience)
	}
	canvas := func(id string) string { return eval(fmt.Sprintf(`document.getElementById(%q).toDataURL()`, id)) }
	n := 0
	// shot saves the viewport, or with full the whole page.
	shotOf := func(name string, full bool) {
		t.Helper()
		n++
		act := chromedp.CaptureScreenshot()
		if full {
			act = chromedp.FullScreenshot(100)
		}
		b, err := chromedp.Run(ctx, act)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%02d-%s.png", n, name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shot := func(name string) { t.Helper(); shotOf(name, false) }
	set := func(id, value, event string) {
		t.Helper()
		eval(fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event(%q)); return ""; })()`, id, value, event))
	}
	// sampling sets the particle controls.
	sampling := func(source, sampler, count, perLevel, perFrame string) {
		t.Helper()
		set("source", source, "change")
		set("sampler", sampler, "change")
		set("count", count, "change")
		set("perlevel", perLevel, "change")
		set("perframe", perFrame, "change")
	}
	// click clicks the element of id, or of a JS expression.
	click := func(id string) {
		t.Helper()
		el := id
		if !strings.Contains(id, "(") {
			el = fmt.Sprintf(`document.getElementById(%q)`, id)
		}
		eval(fmt.Sprintf(`(%s.click(), "")`, el))
	}

	// fitted reports whether the canvases have been laid out for the
	// viewport as it is (the page redraws them 100 ms after a resize).
	const fitted = `(() => { const d = window.devicePixelRatio || 1;
		return ["view", "loss"].every((id) => { const c = document.getElementById(id), r = c.getBoundingClientRect();
			return Math.abs(c.width - Math.round(r.width * d)) <= 1; }); })()`
	// sizes takes a screenshot at each of the three page sizes, checking
	// that none scrolls sideways, and returns to 1400x900.
	sizes := func(name string) {
		t.Helper()
		for _, sz := range []struct {
			w, h  int64
			scale float64
			label string
		}{{1024, 768, 1, "1024"}, {390, 844, 2, "390"}, {1400, 900, 1, "1400"}} {
			opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(sz.scale)}
			if sz.w < 500 {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			do("resizing to "+sz.label, chromedp.EmulateViewport(sz.w, sz.h, opts...))
			wait("the canvases at "+sz.label, fitted, patience)
			if o := eval(`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); o != "0" {
				t.Errorf("%s at %dx%d: the page is %s px wider than the screen", name, sz.w, sz.h, o)
			}
			// The phone's shot is of the whole page: the views are
			// below the controls.
			if sz.label != "1400" {
				shotOf(name+"-"+sz.label, sz.w < 500)
			}
		}
		shot(name)
	}

	// mark logs the time each part of the test begins at, which says
	// where a slower run spent its time.
	began := time.Now()
	var marks []string
	mark := func(part string) {
		marks = append(marks, fmt.Sprintf("%s at %.1f s", part, time.Since(began).Seconds()))
	}
	defer func() {
		t.Logf("parts began: %s; the end at %.1f s", strings.Join(marks, ", "), time.Since(began).Seconds())
	}()
	mark("1")
	// 1. Load: a first visit opens on the first lesson; each lesson runs
	// to its end.
	do("loading the page", chromedp.EmulateViewport(1400, 900), chromedp.Navigate(ts.URL+"/"))
	wait("the page", `window.sgmReady === true && document.getElementById("sigma").textContent !== ""`, patience)
	lessonDone := func(k int) {
		t.Helper()
		wait(fmt.Sprintf("lesson %d", k+1), fmt.Sprintf(`JSON.parse(sgmLesson()).lesson === %d && JSON.parse(sgmLesson()).done`, k), patience)
		settle(fmt.Sprintf("lesson %d's view", k+1))
	}
	lessonDone(0)
	if txt := eval(`document.getElementById("lessontext").textContent`); !strings.Contains(txt, "score") {
		t.Errorf("the first lesson says %q", txt)
	}
	sizes("lesson1")
	modes := func() (float64, float64) {
		var a, b float64
		fmt.Sscanf(eval(`window.sgmMetrics && window.sgmMetrics.modes ? window.sgmMetrics.modes.join(" ") : ""`), "%g %g", &a, &b)
		return a, b
	}
	click(`document.querySelector('[data-lesson="1"]')`)
	lessonDone(1)
	lw, _ := modes()
	shot("lesson2")
	click(`document.querySelector('[data-lesson="2"]')`)
	lessonDone(2)
	aw, _ := modes()
	shot("lesson3")
	t.Logf("share of particles at the 0.2 mode: plain Langevin %.3f, annealed %.3f", lw, aw)
	// Plain Langevin from a uniform start splits the particles about
	// evenly (the point of lesson 2); annealing gives the weights, 0.2
	// (Song & Ermon 2019; the demo's two_modes measured 0.200 ± 0.006
	// with 4,000 chains). The bounds are far outside either's spread.
	if lw < 0.35 {
		t.Errorf("lesson 2: plain Langevin put %.3f of the particles at the 0.2 mode; the lesson says about half", lw)
	}
	if aw < 0.1 || aw > 0.3 {
		t.Errorf("lesson 3: annealed Langevin put %.3f of the particles at the 0.2 mode; want about 0.2", aw)
	}
	click(`document.querySelector('[data-lesson="3"]')`)
	lessonDone(3)
	if got := eval(`document.getElementById("tlabel").textContent + " | " + document.getElementById("viewcap").textContent`); !strings.HasPrefix(got, "t = 0 (the samples)") {
		t.Errorf("lesson 4 ended at %q", got)
	}
	sizes("lesson4")
	click(`document.querySelector('[data-lesson="4"]')`)
	lessonDone(4)
	if got := eval(`document.getElementById("viewcap").textContent + " | " + document.getElementById("learnedcap").textContent`); !strings.Contains(got, "done (denoised)") || !strings.Contains(got, "learned score") {
		t.Errorf("lesson 5 ended at %q", got)
	}
	sizes("lesson5")
	set("lview", "error", "change")
	if got := eval(`document.getElementById("learnedcap").textContent`); !strings.HasPrefix(got, "error of the learned score") {
		t.Errorf("the error map's caption reads %q", got)
	}
	shot("lesson5-error")
	set("lview", "arrows", "change")
	click(`document.getElementById("explore")`)
	set("kind", "preset", "change")
	set("name", "seed-mog", "change")
	sampling("exact", "langevin", "2000", "100", "1")
	set("level", "3", "input")
	settle("the first view")
	view0 := canvas("view")

	mark("2")
	// 2. Pick a target: the moons toy.
	set("kind", "toy", "change")
	set("name", "moons", "change")
	settle("the moons")
	if got := eval(`document.getElementById("targetname").textContent`); !strings.HasPrefix(got, "toy:moons") {
		t.Errorf("after picking the moons the target reads %q", got)
	}
	view1 := canvas("view")
	if view1 == view0 {
		t.Error("picking the moons left the view unchanged")
	}
	shot("moons")

	// An MNIST digit, where the module is available, drawn as an image
	// (rows down).
	if eval(`String(info.mnist > 0)`) == "true" {
		set("kind", "mnist", "change")
		settle("the digit")
		if got := eval(`document.getElementById("targetname").textContent`); !strings.HasPrefix(got, "mnist:train:0") {
			t.Errorf("after picking MNIST the target reads %q", got)
		}
		if canvas("view") == view1 {
			t.Error("picking MNIST left the view unchanged")
		}
		shot("mnist")
		set("kind", "toy", "change")
		settle("the moons again")
	}

	mark("3")
	// 3. Move the noise slider.
	sigma := eval(`document.getElementById("sigma").textContent`)
	set("level", "8", "input")
	settle("the slider's field")
	if got := eval(`document.getElementById("sigma").textContent`); got == sigma {
		t.Errorf("moving the slider left the caption %q", got)
	}
	view2 := canvas("view")
	if view2 == view1 {
		t.Error("moving the slider left the view unchanged")
	}
	shot("slider")

	mark("3a")
	// 3a. An older answer arriving after a newer one is dropped: the
	// server holds back the answer to a first request until a second one
	// has been answered and drawn (the issue saw the wrong target in 5 of
	// 6 trials and the wrong level in 3 of 8 without this).
	reorder := func(what, path, match string, first, second func(), want string) {
		t.Helper()
		hd := &hold{path: path, match: match, seen: make(chan struct{}), answered: make(chan struct{}), release: make(chan struct{})}
		holdMu.Lock()
		held = hd
		holdMu.Unlock()
		first()
		select {
		case <-hd.seen:
		case <-ctx.Done():
			t.Fatalf("%s: the first request never came", what)
		}
		second()
		shown := `(() => { const v = JSON.parse(sgmView()); return v.target + " level " + v.level; })()`
		wait(what+": the second answer", shown+` === `+strconv.Quote(want), patience)
		close(hd.release)
		select {
		case <-hd.answered:
		case <-ctx.Done():
			t.Fatalf("%s: the held answer was never sent", what)
		}
		wait(what+": the held answer applied or dropped", `JSON.parse(sgmView()).pending === 0`, patience)
		if got := eval(shown); got != want {
			t.Errorf("%s: after an older answer arrived last the view shows %s, want %s", what, got, want)
		}
	}
	set("kind", "preset", "change")
	set("name", "standard-normal", "change")
	settle("the standard normal")
	reorder("the noise slider", "/api/field", `"level":7`,
		func() { set("level", "7", "input") }, func() { set("level", "2", "input") }, "preset:standard-normal level 2")
	reorder("the target", "/api/target", `"ring8"`,
		func() { set("name", "ring8", "change") }, func() { set("name", "seed-mog", "change") }, "preset:seed-mog level 2")

	mark("3b")
	// 3b. Rapid target switching and slider sweeps, each control set
	// without waiting for the last answer, end with the view drawn for
	// the controls as they are: the same picture a fresh draw gives.
	set("kind", "preset", "change")
	set("kind", "toy", "change")
	set("kind", "preset", "change")
	for _, name := range []string{"ring8", "standard-normal", "seed-mog", "ring8", "two-modes-unequal"} {
		set("name", name, "change")
	}
	settle("the last of the rapid targets")
	if got := eval(`JSON.parse(sgmView()).target + " | " + document.getElementById("name").value`); got != "preset:two-modes-unequal | two-modes-unequal" {
		t.Errorf("after rapid target switching the view shows %q", got)
	}
	bytes0 := eval(`sgmBytes()`)
	for _, l := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "8", "7", "6", "5", "4", "3", "2"} {
		set("level", l, "input")
	}
	settle("the slider sweep")
	if got := eval(`JSON.parse(sgmView()).level + " | " + document.getElementById("sigma").textContent`); !strings.HasPrefix(got, "2 | σ = ") || !strings.Contains(got, "(level 2 of") {
		t.Errorf("after a slider sweep ending at level 2 the view shows %q", got)
	}
	swept := canvas("view")
	eval(`(fieldCache.clear(), loadField(), "")`)
	settle("a fresh draw of level 2")
	if canvas("view") != swept {
		t.Error("after a slider sweep the view differs from a fresh draw of the same controls")
	}
	// Transfer: the bytes of a slider tick that fetches a field (a level
	// not seen yet), against the same field as JSON numbers.
	fieldBytes := func() int {
		var n int
		fmt.Sscan(eval(`String(JSON.parse(sgmBytes())["/api/field"] || 0)`), &n)
		return n
	}
	b0, ticks := fieldBytes(), 0
	for _, l := range []string{"4", "5", "6", "7"} {
		set("level", l, "input")
		settle("level " + l)
		ticks++
	}
	perTick := float64(fieldBytes()-b0) / float64(ticks)
	jsonBytes := eval(`fetch("/api/field", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({target: spec(), level: 7, grid: 64})}).then(r => r.text()).then(s => String(s.length))`)
	t.Logf("a slider tick that fetches a 64x64 field: %.0f bytes (float32, base64); the same field as JSON numbers: %s bytes; the rapid sweep of 17 ticks fetched %s",
		perTick, jsonBytes, bytesDelta(bytes0, eval(`sgmBytes()`)))
	set("kind", "toy", "change")
	set("name", "moons", "change")
	set("level", "8", "input")
	settle("the moons again")

	mark("4")
	// 4. Run 2,000 particles with annealed Langevin for three seconds,
	// with trails.
	set("level", "0", "input")
	eval(`(document.getElementById("trails").click(), "")`)
	set("count", "2000", "change")
	set("sampler", "annealed", "change")
	set("perframe", "1", "change")
	settle("the level-0 field")
	view3 := canvas("view")
	// animate plays the particles for 60 painted frames and returns the
	// frames painted and the sampler steps taken per second, and the
	// milliseconds the server spent on step requests per frame painted.
	animate := func() (fps, steps, goMs float64) {
		t.Helper()
		click("play")
		wait("the first frames", `window.sgmFrames() > 5`, patience)
		start, f0, t0, n0 := time.Now(), frameCount(t, eval, "sgmFrames()"), frameCount(t, eval, "sgmStep()"), stepNanos.Load()
		eval(`window.sgmCosts()`)
		wait("60 frames", fmt.Sprintf(`window.sgmFrames() >= %d`, f0+60), patience)
		s := time.Since(start).Seconds()
		t.Logf("mean costs of a frame in ms: %s", eval(`window.sgmCosts()`))
		f := float64(frameCount(t, eval, "sgmFrames()") - f0)
		fps, steps = f/s, float64(frameCount(t, eval, "sgmStep()")-t0)/s
		goMs = float64(stepNanos.Load()-n0) / 1e6 / max(f, 1)
		wait("the metrics", `document.getElementById("metrics").textContent.includes("W₂")`, patience)
		click("play") // pause
		return fps, steps, goMs
	}
	fps, steps, goMs := animate()
	// The moons' score is a mixture of 250 Gaussians over the points,
	// about 11 ms of CPU a step for 2,000 particles (half of it in
	// math.Exp), the frame's main cost; it runs on all cores
	// (serve/parallel.go). Where the machine is so loaded that the
	// server's work took more than half of a 30 fps frame (16.7 ms; 6 to
	// 12 ms when it has a core), the figure says more about the load than
	// about the explorer: it is logged, not asserted.
	t.Logf("particle animation on the moons: %.1f frames and %.1f annealed Langevin steps per second with 2000 particles; the server's work %.1f ms a frame", fps, steps, goMs)
	// Speeds are measured and logged, never asserted: the machines that
	// run the tests are shared and noisy (the note reports the numbers).
	if fps < 30 {
		t.Logf("below the goal of 30 frames per second (the server's work took %.1f ms a frame)", goMs)
	}
	if !(fps > 0) {
		t.Errorf("particle animation on the moons drew no frames (%.1f frames per second)", fps)
	}
	if canvas("view") == view3 {
		t.Error("the particles did not change the view")
	}
	shot("particles")

	mark("5")
	// 5. Edit a mixture by dragging a component's mean on the view.
	set("kind", "mixture", "change")
	settle("the mixture")
	mix0, json0 := canvas("view"), eval(`document.getElementById("mixjson").value`)
	from := eval(`sgmScreenOf(state.mixture.components[0].mean[0], state.mixture.components[0].mean[1])`)
	var fx, fy float64
	if _, err := fmt.Sscanf(from, "[%g,%g]", &fx, &fy); err != nil {
		t.Fatalf("component position %s: %v", from, err)
	}
	var dragSteps []chromedp.Action[chromedp.Void]
	dragSteps = append(dragSteps, chromedp.MouseEvent(chromedp.MousePressed, fx, fy, chromedp.ButtonLeft))
	for k := 1; k <= 10; k++ {
		dragSteps = append(dragSteps, chromedp.MouseEvent(chromedp.MouseMoved, fx-8*float64(k), fy+6*float64(k), chromedp.ButtonLeft))
	}
	dragSteps = append(dragSteps, chromedp.MouseEvent(chromedp.MouseReleased, fx-80, fy+60, chromedp.ButtonLeft))
	do("dragging a component", dragSteps...)
	wait("the dragged mixture", fmt.Sprintf(`document.getElementById("mixjson").value !== %q`, json0), patience)
	settle("the dragged mixture's field")
	if canvas("view") == mix0 {
		t.Error("dragging a component left the view unchanged")
	}
	shot("dragged")
	set("sampler", "langevin", "change")
	fps, steps, goMs = animate()
	t.Logf("particle animation on the two-component mixture: %.1f frames and %.1f Langevin steps per second with 2000 particles; the server's work %.1f ms a frame", fps, steps, goMs)
	if fps < 30 {
		t.Logf("below the goal of 30 frames per second")
	}
	if !(fps > 0) {
		t.Errorf("particle animation on the mixture drew no frames (%.1f frames per second)", fps)
	}
	if m := eval(`document.getElementById("metrics").textContent`); !strings.Contains(m, "each mode") {
		t.Errorf("metrics %q show no mode weights", m)
	}
	shot("mixture-particles")

	mark("5b")
	// 5b. The reverse SDE samplers on the mixture: DPM-Solver++(2M) under
	// the VP SDE plays the recorded reverse process from the prior to the
	// data; the time slider shows any moment of it.
	set("sampler", "dpm2m", "change")
	set("sde", "vp", "change")
	settle("the reverse sampler")
	rev0 := canvas("view")
	click("play")
	wait("the reverse process", `document.getElementById("tlabel").textContent.startsWith("t = 0 (the samples)")`, patience)
	if c := eval(`document.getElementById("viewcap").textContent`); !strings.Contains(c, "NFE 20") || !strings.Contains(c, "vp") {
		t.Errorf("the reverse process's caption %q names no NFE 20 or vp", c)
	}
	if m := eval(`document.getElementById("metrics").textContent`); !strings.Contains(m, "each mode") {
		t.Errorf("the reverse process's metrics %q show no mode weights", m)
	}
	// Playback is the page's alone (interpolated frames, no requests):
	// 35 to 60 frames per second measured, the low end at a load of 10 on
	// 2 cores; logged against the goal of 30.
	var revFPS float64
	fmt.Sscan(eval(`String(window.sgmMetrics.fps)`), &revFPS)
	t.Logf("reverse-process playback at %.1f frames per second with 2000 particles", revFPS)
	if !(revFPS > 0) {
		t.Errorf("reverse-process playback drew no frames (%.1f frames per second)", revFPS)
	} else if revFPS < 30 {
		t.Logf("reverse-process playback below the goal of 30 frames per second")
	}
	revEnd := canvas("view")
	if revEnd == rev0 {
		t.Error("the reverse process left the view unchanged")
	}
	shot("reverse-done")
	set("tslider", "10", "input")
	wait("the time slider", `document.getElementById("tlabel").textContent.startsWith("t = 0.")`, patience)
	if canvas("view") == revEnd {
		t.Error("moving the time slider left the view unchanged")
	}
	shot("reverse-slider")

	mark("5c")
	// 5c. Conditioning on 8gaussians, an exact mixture: pick a label, move
	// the guidance slider, drag the given line x0 = v with the mouse and
	// then by touch, and sample x1 given x0 with annealed Langevin; the
	// view settles on particles sampled under the controls as they are,
	// beside the exact conditional density (without guidance).
	set("kind", "toy", "change")
	set("name", "8gaussians", "change")
	settle("8gaussians")
	sampling("exact", "annealed", "1000", "30", "30")
	set("label", "2", "change")
	set("guidance", "2", "input")
	click("givenon")
	settle("the conditioning controls")
	type condView struct {
		Controls, Shown *struct {
			Label    string
			Guidance float64
			Given    *float64
		}
		Curve  bool
		TV     *float64
		Screen []float64
	}
	cond := func() condView {
		t.Helper()
		var c condView
		if err := json.Unmarshal([]byte(eval(`sgmCond()`)), &c); err != nil || c.Controls == nil || c.Controls.Given == nil || len(c.Screen) != 2 {
			t.Fatalf("the page's conditioning %s: %v", eval(`sgmCond()`), err)
		}
		return c
	}
	// dragLine drags the given line by dx pixels, with the mouse or by
	// touch, and returns the value before and after.
	dragLine := func(dx float64, touch bool) (before, after float64) {
		t.Helper()
		c := cond()
		x, y := c.Screen[0], c.Screen[1]
		var acts []chromedp.Action[chromedp.Void]
		for k := 0; k <= 10; k++ {
			px := x + dx*float64(k)/10
			if touch {
				typ := input.DispatchTouchEventTypeTouchMove
				if k == 0 {
					typ = input.DispatchTouchEventTypeTouchStart
				}
				acts = append(acts, touchAt(typ, px, y))
			} else {
				typ := chromedp.MouseMoved
				if k == 0 {
					typ = chromedp.MousePressed
				}
				acts = append(acts, chromedp.MouseEvent(typ, px, y, chromedp.ButtonLeft))
			}
		}
		if touch {
			acts = append(acts, touchAt(input.DispatchTouchEventTypeTouchEnd, 0, 0))
		} else {
			acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x+dx, y, chromedp.ButtonLeft))
		}
		do("dragging the given line", acts...)
		wait("the dragged line", fmt.Sprintf(`JSON.parse(sgmCond()).controls.given !== %v`, *c.Controls.Given), patience)
		return *c.Controls.Given, *cond().Controls.Given
	}
	// sampleGiven plays the sampler to its end and returns the view.
	sampleGiven := func(what string) condView {
		t.Helper()
		settle(what + ": the reset")
		click("play")
		wait(what, `document.getElementById("viewcap").textContent.includes("(done, denoised)")`, patience)
		settle(what)
		c := cond()
		if c.Shown == nil || c.Shown.Label != c.Controls.Label || c.Shown.Guidance != c.Controls.Guidance || c.Shown.Given == nil || *c.Shown.Given != *c.Controls.Given {
			t.Errorf("%s: the particles were sampled under %s, the controls ask for %s", what, eval(`JSON.stringify(JSON.parse(sgmCond()).shown)`), eval(`JSON.stringify(JSON.parse(sgmCond()).controls)`))
		}
		return c
	}
	v0, v1 := dragLine(60, false)
	c := sampleGiven("label 2, guidance 2, given x0")
	if c.Controls.Label != "2" || c.Controls.Guidance != 2 {
		t.Errorf("the controls read label %q, guidance %v; want 2 and 2", c.Controls.Label, c.Controls.Guidance)
	}
	// Component 2 sits at x1 = 2.83 with standard deviation 0.35,
	// whatever x0: its particles are above x1 = 0 but for 1 in 10^15.
	above := eval(`(() => { const x = new Float32Array(Uint8Array.from(atob(sgmParticles()), (c) => c.charCodeAt(0)).buffer); let k = 0;
		for (let i = 1; i < x.length; i += 2) if (x[i] > 0) k++; return String(k / (x.length / 2)); })()`)
	t.Logf("given line dragged from x0 = %v to %v by mouse; label 2 with guidance 2: share above x1 = 0 %s", v0, v1, above)
	if above != "1" {
		t.Errorf("label 2 given x0 = %v: %s of the particles above x1 = 0, want all", v1, above)
	}
	sizes("given-guided")
	set("guidance", "0", "input")
	v2, v3 := dragLine(-110, true)
	c = sampleGiven("label 2, no guidance, given x0 after a touch drag")
	if !c.Curve || c.TV == nil {
		t.Fatalf("no exact conditional beside the histogram: %s", eval(`sgmCond()`))
	}
	t.Logf("given line dragged from x0 = %v to %v by touch: total variation between the histogram of x1 and the exact conditional %.3f", v2, v3, *c.TV)
	// 1,000 particles in 40 bins over about 12 bins of mass: sampling
	// alone gives a total variation of about 0.05.
	if *c.TV > 0.12 {
		t.Errorf("the particles' x1 given x0 = %v is %.3f in total variation from the exact conditional, want at most 0.12", v3, *c.TV)
	}
	eval(`(document.getElementById("condfig").scrollIntoView({block: "end"}), "")`)
	shot("given-exact")
	eval(`(window.scrollTo(0, 0), "")`)
	click("givenon")
	set("sampler", "dpm2m", "change")
	settle("8gaussians, conditioning off")

	mark("6")
	// 6. Draw strokes: a ring and a bar on the pad.
	set("kind", "draw", "change")
	settle("the drawing")
	// A drawing (the last lesson's, kept) has no exact time-conditioned
	// score: the page leaves the reverse sampler for Langevin and says so
	// by the sampler, until the user changes the sampler or the data (not
	// for some seconds: a loaded machine may take longer to get here).
	if got := eval(`document.getElementById("sampler").value + " | " + document.getElementById("samplernote").textContent`); !strings.HasPrefix(got, "langevin | the SDE/ODE samplers need an exact score") {
		t.Errorf("after drawing with a reverse sampler chosen: sampler and note %q; the page's trace:\n%s", got, eval(`sgmTrace()`))
	}
	rect := eval(`JSON.stringify(document.getElementById("pad").getBoundingClientRect())`)
	var x0, y0, w float64
	if _, err := fmt.Sscanf(strings.NewReplacer(`"`, ` `, `,`, ` `, `{`, ` `, `}`, ` `, `:`, ` `).Replace(rect), " x  %g  y  %g  width  %g", &x0, &y0, &w); err != nil {
		t.Fatalf("pad rectangle %s: %v", rect, err)
	}
	stroke := func(pts [][2]float64) []chromedp.Action[chromedp.Void] {
		var a []chromedp.Action[chromedp.Void]
		for i, p := range pts {
			x, y := x0+p[0]*w, y0+(1-p[1])*w
			typ := chromedp.MouseMoved
			if i == 0 {
				typ = chromedp.MousePressed
			}
			a = append(a, chromedp.MouseEvent(typ, x, y, chromedp.ButtonLeft))
		}
		last := pts[len(pts)-1]
		return append(a, chromedp.MouseEvent(chromedp.MouseReleased, x0+last[0]*w, y0+(1-last[1])*w, chromedp.ButtonLeft))
	}
	ring, bar := ringAndBarStrokes()
	click("padclear")
	pad0 := canvas("pad")
	do("drawing the ring", stroke(ring)...)
	do("drawing the bar", stroke(bar)...)
	if canvas("pad") == pad0 {
		t.Error("the strokes left the pad unchanged")
	}
	drawn := time.Now()
	click("paduse")
	settle("the drawn target")
	if got := eval(`document.getElementById("targetname").textContent`); !strings.HasPrefix(got, "points") {
		t.Errorf("after Use drawing the target reads %q", got)
	}
	shot("drawn")

	mark("7")
	// 7. Train on the drawing, then sample the learned model with annealed
	// Langevin and measure W₂ against its floor.
	learned0 := canvas("learned")
	set("tsteps", "600", "input")
	eval(`(window.sgmTrained = undefined, "")`) // the lesson's job set it
	click("train")
	wait("training", `window.sgmTrained !== undefined`, patience)
	trainedIn := time.Since(drawn)
	if e := eval(`window.sgmTrained.error || ""`); e != "" {
		t.Fatalf("training failed: %s", e)
	}
	wait("the learned field", `document.getElementById("learnedcap").textContent.startsWith("learned score")`, patience)
	if canvas("learned") == learned0 {
		t.Error("training left the learned field unchanged")
	}
	if canvas("loss") == "" {
		t.Error("no loss curve")
	}
	shot("trained")
	set("source", "learned", "change")
	set("sampler", "annealed", "change")
	set("count", "600", "change")
	set("perlevel", "50", "change")
	set("perframe", "50", "change")
	settle("the learned view")
	click("play")
	wait("the learned samples", `document.getElementById("viewcap").textContent.includes("(done, denoised)")`, patience)
	w2 := eval(`fetch("/api/metrics", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({target: {points: JSON.parse(decodeURIComponent(location.hash.slice(1))).points}, x: window.sgmParticles()})})
		.then(r => r.json()).then(m => JSON.stringify(m))`)
	elapsed := time.Since(drawn)
	var got, floor float64
	if _, err := fmt.Sscanf(w2[strings.Index(w2, `"w2":`):], `"w2":%g,"floor":%g`, &got, &floor); err != nil {
		t.Fatalf("metrics %s: %v", w2, err)
	}
	t.Logf("drawn data to a trained model in %.1f s, and to its samples in %.1f s: W2 %.4f against a floor of %.4f (%.2fx)", trainedIn.Seconds(), elapsed.Seconds(), got, floor, got/floor)
	// W₂ is averaged over 5 target samples against a 20-pair floor
	// (handleMetrics' defaults), on which exact samples of this drawing
	// range over 0.82 to 1.21 times the floor (TestMetricsRefsSteady).
	// The model's annealed samples measured 0.81 to 1.36 times it over 20
	// sampling seeds outside the browser (median 0.94): the goal of 1.5
	// has a margin of 0.14 over the worst seed.
	if got > 1.5*floor {
		t.Errorf("the learned model's samples have W2 %.4f, %.2f times the floor %.4f; want at most 1.5 times", got, got/floor, floor)
	}
	// The goal is 30 s; on 2 cores shared with other jobs a run took 20
	// to 26 s, and one under heavy load 35 s.
	if elapsed > 30*time.Second {
		t.Logf("drawn data to samples took %.1f s, above the goal of 30 s", elapsed.Seconds())
	}
	shot("sampled")

	mark("8")
	// 8. The URL holds the view: a fresh load restores it.
	url := eval(`location.href`)
	points := eval(`document.getElementById("padcount").textContent`)
	do("reloading the link", chromedp.Navigate("about:blank"), chromedp.Navigate(url), chromedp.WaitReady("#view"))
	wait("the linked view", `window.sgmReady === true`, patience)
	settle("the linked view")
	restored := eval(`JSON.stringify([document.getElementById("kind").value, document.getElementById("sampler").value,
		document.getElementById("source").value, document.getElementById("count").value, document.getElementById("padcount").textContent,
		JSON.parse(sgmView()).target])`)
	if want := `["draw","annealed","learned","600","` + points + `","points"]`; restored != want {
		t.Errorf("the link restored %s", restored)
	}
	shot("linked")

	mark("9")
	// 9. Upload a CSV whose 800 rows alternate between a blob and a ring:
	// the exact density uses every row, so annealed Langevin on it puts
	// about half the particles on the ring (a stride through the rows
	// kept blob rows only, and 0 of 500 particles went there).
	csvPath := filepath.Join(t.TempDir(), "ring-blob.csv")
	var csv strings.Builder
	rb := ringAndBlob(800)
	for i := 0; i < len(rb); i += 2 {
		fmt.Fprintf(&csv, "%g,%g\n", rb[i], rb[i+1])
	}
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	set("kind", "upload", "change")
	settle("the empty upload")
	do("uploading the CSV", chromedp.SetUploadFiles("#file", []string{csvPath}))
	wait("the uploaded target", `JSON.parse(sgmView()).target === "points"`, patience)
	settle("the uploaded target")
	if got := eval(`document.getElementById("targetname").textContent`); !strings.Contains(got, "all 800 points") {
		t.Errorf("the uploaded target reads %q; want its density over all 800 points", got)
	}
	sampling("exact", "annealed", "500", "30", "10")
	click("play")
	wait("the ring+blob samples", `document.getElementById("viewcap").textContent.includes("(done, denoised)")`, patience)
	onRing := eval(`(() => { const x = new Float32Array(Uint8Array.from(atob(sgmParticles()), (c) => c.charCodeAt(0)).buffer); let k = 0;
		for (let i = 0; i < x.length; i += 2) if (Math.abs(Math.hypot(x[i], x[i + 1]) - 2) < 0.3) k++; return String(k / (x.length / 2)); })()`)
	var onRingShare float64
	fmt.Sscan(onRing, &onRingShare)
	t.Logf("ring+blob upload: %.3f of 500 annealed particles on the ring (the ring is half the rows)", onRingShare)
	// Half the rows are ring rows; 0.3 is 9 binomial standard errors
	// (0.022 at n = 500) below a half.
	if onRingShare < 0.3 {
		t.Errorf("ring+blob upload: %.3f of the particles on the ring, want about a half", onRingShare)
	}
	sizes("ring-blob")

	t.Logf("%d metrics requests, %d of them beside a step request", metricsCalls.Load(), metricsBeside.Load())
	if metricsBeside.Load() > 0 {
		t.Errorf("%d of %d metrics requests came while a step request was in flight", metricsBeside.Load(), metricsCalls.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(consoleErrors, "\n"))
	}
	if os.Getenv("SGM_SHOTS") != "" {
		t.Logf("screenshots in %s", shots)
	}
}

// bytesDelta says how many bytes each endpoint's answers took between
// two readings of the page's sgmBytes.
func bytesDelta(before, after string) string {
	var a, b map[string]int
	json.Unmarshal([]byte(before), &a)
	json.Unmarshal([]byte(after), &b)
	var parts []string
	for k, v := range b {
		if d := v - a[k]; d > 0 {
			parts = append(parts, fmt.Sprintf("%s %d bytes", k, d))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// frameCount reads a count from the page's hook (sgmFrames(), the frames
// painted, or sgmStep(), the sampler's step).
func frameCount(t *testing.T, eval func(string) string, hook string) int {
	t.Helper()
	var n int
	fmt.Sscan(eval(`String(window.`+hook+`)`), &n)
	return n
}

// touchAt is a touch event of one finger at (x, y) (none for the end).
func touchAt(typ input.DispatchTouchEventType, x, y float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
		if typ != input.DispatchTouchEventTypeTouchEnd {
			one, id := 1.0, 0.0
			p.TouchPoints = []*input.TouchPoint{{X: x, Y: y, RadiusX: &one, RadiusY: &one, Force: &one, ID: &id}}
		}
		_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, p)
		return err
	})
}
