package serve

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestBrowser drives the page in Debian's chromium: it loads the page,
// picks a target, moves the noise slider, runs 2,000 particles, draws
// strokes, trains on the drawing and samples the learned model, checking
// at each step that the canvases change and that the console shows no
// error. It reports the particle animation's frames per second and the
// time from the drawn data to a trained model whose samples are within
// 1.5 times W₂'s noise floor. It waits on conditions the page reports
// (window.sgmView: no view request in flight and the view drawn for the
// controls as they are), never on time, so that a loaded machine makes it
// slower, not flaky. Screenshots go to $SGM_SHOTS, kept; when it is unset,
// to a temporary directory that is kept (and named in the log) when the
// test fails and removed when it passes. Outside CI it is skipped when no
// chromium is installed; in CI (CI=true) it must run.
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
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
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
	// A bound on a hang, not a speed test: under a load of 4 on 2 cores the
	// test takes about a minute.
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute)
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
		wait(what, `window.sgmView && JSON.parse(sgmView()).settled`, time.Minute)
	}
	canvas := func(id string) string { return eval(fmt.Sprintf(`document.getElementById(%q).toDataURL()`, id)) }
	n := 0
	shot := func(name string) {
		t.Helper()
		n++
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%02d-%s.png", n, name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set := func(id, value, event string) {
		t.Helper()
		eval(fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event(%q)); return ""; })()`, id, value, event))
	}
	click := func(id string) { t.Helper(); eval(fmt.Sprintf(`(document.getElementById(%q).click(), "")`, id)) }

	// 1. Load.
	do("loading the page", chromedp.Navigate(ts.URL+"/"))
	wait("the page", `window.sgmReady === true && document.getElementById("sigma").textContent !== ""`, time.Minute)
	settle("the first view")
	shot("loaded")
	view0 := canvas("view")

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

	// 4. Run 2,000 particles with annealed Langevin for three seconds,
	// with trails.
	set("level", "0", "input")
	eval(`(document.getElementById("trails").click(), "")`)
	set("count", "2000", "change")
	set("sampler", "annealed", "change")
	set("perframe", "1", "change")
	settle("the level-0 field")
	view3 := canvas("view")
	// animate plays the particles for 120 painted frames and returns the
	// frames painted and the sampler steps taken per second, and the
	// milliseconds the server spent on step requests per frame painted.
	animate := func() (fps, steps, goMs float64) {
		t.Helper()
		click("play")
		wait("the first frames", `window.sgmFrames() > 5`, time.Minute)
		start, f0, t0, n0 := time.Now(), frameCount(t, eval, "sgmFrames()"), frameCount(t, eval, "sgmStep()"), stepNanos.Load()
		eval(`window.sgmCosts()`)
		wait("120 frames", fmt.Sprintf(`window.sgmFrames() >= %d`, f0+120), time.Minute)
		s := time.Since(start).Seconds()
		t.Logf("mean costs of a frame in ms: %s", eval(`window.sgmCosts()`))
		f := float64(frameCount(t, eval, "sgmFrames()") - f0)
		fps, steps = f/s, float64(frameCount(t, eval, "sgmStep()")-t0)/s
		goMs = float64(stepNanos.Load()-n0) / 1e6 / max(f, 1)
		wait("the metrics", `document.getElementById("metrics").textContent.includes("W₂")`, time.Minute)
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

	// 5. Edit a mixture by dragging a component's mean on the view.
	set("kind", "mixture", "change")
	settle("the mixture")
	mix0, json0 := canvas("view"), eval(`document.getElementById("mixjson").value`)
	from := eval(`(() => { const c = state.mixture.components[0], v = document.getElementById("view"), r = v.getBoundingClientRect();
		const [x, y] = toScreen(c.mean[0], c.mean[1], v.width, v.height); return JSON.stringify([r.left + x, r.top + y]); })()`)
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
	wait("the dragged mixture", fmt.Sprintf(`document.getElementById("mixjson").value !== %q`, json0), time.Minute)
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

	// 5b. The reverse SDE samplers on the mixture: DPM-Solver++(2M) under
	// the VP SDE plays the recorded reverse process from the prior to the
	// data; the time slider shows any moment of it.
	set("sampler", "dpm2m", "change")
	set("sde", "vp", "change")
	settle("the reverse sampler")
	rev0 := canvas("view")
	click("play")
	wait("the reverse process", `document.getElementById("tlabel").textContent.startsWith("t = 0 (the samples)")`, time.Minute)
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
	wait("the time slider", `document.getElementById("tlabel").textContent.startsWith("t = 0.")`, time.Minute)
	if canvas("view") == revEnd {
		t.Error("moving the time slider left the view unchanged")
	}
	shot("reverse-slider")

	// 6. Draw strokes: a ring and a bar on the pad.
	set("kind", "draw", "change")
	settle("the empty drawing")
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
	// A drawing has no exact time-conditioned score: the page leaves the
	// reverse sampler for Langevin and says so.
	if got := eval(`document.getElementById("sampler").value + " | " + document.getElementById("status").textContent`); !strings.HasPrefix(got, "langevin | the SDE/ODE samplers need an exact score") {
		t.Errorf("after drawing with a reverse sampler chosen: sampler and status %q", got)
	}
	shot("drawn")

	// 7. Train on the drawing, then sample the learned model with annealed
	// Langevin and measure W₂ against its floor.
	learned0 := canvas("learned")
	set("tsteps", "600", "input")
	click("train")
	wait("training", `window.sgmTrained !== undefined`, 2*time.Minute)
	trainedIn := time.Since(drawn)
	if e := eval(`window.sgmTrained.error || ""`); e != "" {
		t.Fatalf("training failed: %s", e)
	}
	wait("the learned field", `document.getElementById("learnedcap").textContent.startsWith("learned score")`, time.Minute)
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
	wait("the learned samples", `document.getElementById("viewcap").textContent.includes("(done, denoised)")`, 2*time.Minute)
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

	// 8. The URL holds the view: a fresh load restores it.
	url := eval(`location.href`)
	points := eval(`document.getElementById("padcount").textContent`)
	do("reloading the link", chromedp.Navigate("about:blank"), chromedp.Navigate(url), chromedp.WaitReady("#view"))
	wait("the linked view", `window.sgmReady === true`, time.Minute)
	settle("the linked view")
	restored := eval(`JSON.stringify([document.getElementById("kind").value, document.getElementById("sampler").value,
		document.getElementById("source").value, document.getElementById("count").value, document.getElementById("padcount").textContent,
		document.getElementById("targetname").textContent.split(":")[0]])`)
	if want := `["draw","annealed","learned","600","` + points + `","points"]`; restored != want {
		t.Errorf("the link restored %s", restored)
	}
	shot("linked")

	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(consoleErrors, "\n"))
	}
	if os.Getenv("SGM_SHOTS") != "" {
		t.Logf("screenshots in %s", shots)
	}
}

// frameCount reads a count from the page's hook (sgmFrames(), the frames
// painted, or sgmStep(), the sampler's step).
func frameCount(t *testing.T, eval func(string) string, hook string) int {
	t.Helper()
	var n int
	fmt.Sscan(eval(`String(window.`+hook+`)`), &n)
	return n
}
