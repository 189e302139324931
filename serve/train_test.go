package serve

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sgm-dev/sgm/scorenet"
)

// event is one server-sent event.
type event struct {
	name string
	data []byte
}

// startTraining posts req to /api/train and returns the response, whose
// body streams the events.
func startTraining(t *testing.T, ctx context.Context, url string, req trainRequest) *http.Response {
	t.Helper()
	b, _ := json.Marshal(req)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/train", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// readEvents reads events from body until it ends, sending each on ch.
func readEvents(body io.Reader, ch chan<- event) {
	defer close(ch)
	sc := bufio.NewScanner(body)
	sc.Buffer(nil, 1<<22)
	var ev event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data = []byte(line[len("data: "):])
		case line == "" && ev.name != "":
			ch <- ev
			ev = event{}
		}
	}
}

// TestTrain trains briefly on drawn points and checks the stream (start,
// progress with a falling loss, learned fields, done), that a second job
// meanwhile is refused as busy, that the learned source then answers, and
// that the model downloads as a checkpoint scorenet.Load reads.
func TestTrain(t *testing.T) {
	s, ts := newTestServer(t, Limits{})
	spec := Spec{Points: []float64{0.2, 0.2, 0.8, 0.8, 0.2, 0.8, 0.8, 0.2}}
	res := startTraining(t, context.Background(), ts.URL, trainRequest{Target: spec, Steps: 60, Width: 16, Batch: 64, Every: 20, Grid: 5, Level: 3})
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	ch := make(chan event)
	go readEvents(res.Body, ch)
	first := <-ch
	if first.name != "start" {
		t.Fatalf("first event %s %s", first.name, first.data)
	}
	// The job is running: a second is busy.
	code, b := post(t, ts.URL+"/api/train", trainRequest{Target: spec})
	if code != http.StatusConflict || !strings.Contains(string(b), "busy") {
		t.Errorf("second job: %d %s", code, b)
	}
	var progress []progressEvent
	var fields int
	var done doneEvent
	for ev := range ch {
		switch ev.name {
		case "progress":
			var p progressEvent
			json.Unmarshal(ev.data, &p)
			progress = append(progress, p)
		case "field":
			var f fieldResponse
			json.Unmarshal(ev.data, &f)
			if f.Source != "learned" || f.Level != 3 || len(f.Score) != 2*5*5 {
				t.Errorf("field event: %s level %d, %d numbers", f.Source, f.Level, len(f.Score))
			}
			fields++
		case "done":
			json.Unmarshal(ev.data, &done)
		}
	}
	if len(progress) != 3 || progress[2].Step != 60 || fields != 3 {
		t.Fatalf("progress %+v, %d fields", progress, fields)
	}
	if done.Step != 60 || done.Stopped || done.Error != "" {
		t.Fatalf("done %+v", done)
	}
	info := s.modelInfo()
	if info == nil || info.Steps != 60 || info.Name != "points" {
		t.Fatalf("model %+v", info)
	}
	// The learned field and sampler answer now.
	var f fieldResponse
	postOK(t, ts.URL+"/api/field", fieldRequest{Target: spec, Source: "learned", Level: 2, Grid: 4}, &f)
	if f.Sigma != info.Sigmas[2] || len(f.Score) != 32 {
		t.Errorf("learned field: sigma %v, %d numbers", f.Sigma, len(f.Score))
	}
	// A level the model lacks is the client's error (it was a 409).
	if code, b := post(t, ts.URL+"/api/field", fieldRequest{Target: spec, Source: "learned", Level: 99, Grid: 4}); code != 400 || !strings.Contains(string(b), "level 99") {
		t.Errorf("learned field at level 99: %d %s", code, b)
	}
	var st stepResponse
	postOK(t, ts.URL+"/api/step", stepRequest{Target: spec, Source: "learned", Sampler: samplerAnnealed, N: 20, K: 5, PerLevel: 2}, &st)
	if st.T != 5 || st.Done {
		t.Errorf("learned annealed step: t %d done %v", st.T, st.Done)
	}
	// The checkpoint unpacks into a folder scorenet.Load reads.
	r, err := http.Get(ts.URL + "/api/model")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	dir := t.TempDir()
	tr := tar.NewReader(r.Body)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h.Name, modelFolder+"/") || strings.Contains(h.Name, "..") {
			t.Fatalf("tar entry %q", h.Name)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	net, err := scorenet.Load(testBackend, filepath.Join(dir, modelFolder))
	if err != nil {
		t.Fatal(err)
	}
	if net.Step() != 60 || net.Config().Width != 16 {
		t.Errorf("loaded model: step %d, width %d", net.Step(), net.Config().Width)
	}
	// It keeps the moving averages that the learned source evaluates with,
	// and that sgm sample --model uses.
	if _, ok := net.EMA(); !ok {
		t.Error("the checkpoint keeps no moving averages of the weights")
	}
}

// TestTrainStops checks that a job stops when its client goes away and on
// POST /api/train/stop, freeing the server for the next.
func TestTrainStops(t *testing.T) {
	s, ts := newTestServer(t, Limits{})
	spec := Spec{Preset: "seed-mog"}
	long := trainRequest{Target: spec, Steps: 20000, Width: 8, Batch: 16, Every: 5}
	for _, how := range []string{"client goes away", "stop"} {
		ctx, cancel := context.WithCancel(context.Background())
		res := startTraining(t, ctx, ts.URL, long)
		ch := make(chan event)
		go readEvents(res.Body, ch)
		for ev := range ch {
			if ev.name == "progress" {
				break
			}
		}
		began := time.Now()
		if how == "stop" {
			var out map[string]any
			postOK(t, ts.URL+"/api/train/stop", struct{}{}, &out)
			if out["stopped"] != true {
				t.Errorf("stop: %v", out)
			}
		} else {
			cancel()
		}
		for s.running() {
			if time.Since(began) > 20*time.Second {
				t.Fatalf("%s: the job still runs after 20 s", how)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		res.Body.Close()
	}
	if info := s.modelInfo(); info == nil || info.Steps >= 20000 {
		t.Errorf("a stopped job keeps what it trained: %+v", info)
	}
	// A closed server starts no job, and has removed its model.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	code, b := post(t, ts.URL+"/api/train", long)
	if code != http.StatusServiceUnavailable || !strings.Contains(string(b), "shutting down") || s.modelInfo() != nil {
		t.Errorf("after Close: %d %s, model %+v", code, b, s.modelInfo())
	}
}

// TestTrainStopStep checks that POST /api/train/stop reports the step the
// job stopped at, the step of its "done" event and of the model it
// published, not the last progress report's (it reported 0 after 19
// steps, before the first report).
func TestTrainStopStep(t *testing.T) {
	s, ts := newTestServer(t, Limits{})
	res := startTraining(t, context.Background(), ts.URL, trainRequest{Target: Spec{Preset: "seed-mog"}, Steps: 20000, Width: 8, Batch: 16, Every: 50})
	defer res.Body.Close()
	ch := make(chan event)
	go readEvents(res.Body, ch)
	for ev := range ch {
		if ev.name == "progress" {
			break
		}
	}
	var out struct {
		Stopped bool
		Step    int
	}
	postOK(t, ts.URL+"/api/train/stop", struct{}{}, &out)
	var done doneEvent
	for ev := range ch {
		if ev.name == "done" {
			json.Unmarshal(ev.data, &done)
		}
	}
	info := s.modelInfo()
	if !out.Stopped || out.Step < 50 || out.Step != done.Step || info == nil || info.Steps != out.Step {
		t.Errorf("stop reported %+v; the done event step %d, the model %+v", out, done.Step, info)
	}
}
