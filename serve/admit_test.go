package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// counting counts the bytes read from r.
type counting struct {
	r io.Reader
	n int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// serveDirect runs h on one request whose body is body (chunked, no
// Content-Length, unless length >= 0) and returns the answer and the body
// bytes h read.
func serveDirect(h http.Handler, path, ct, body string, length int64) (*httptest.ResponseRecorder, int64) {
	c := &counting{r: strings.NewReader(body)}
	r := httptest.NewRequest(http.MethodPost, path, c)
	r.ContentLength = length
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, c.n
}

// oneLineError reports whether b is {"error": "..."} on one line.
func oneLineError(b []byte) (string, bool) {
	var e errorBody
	if err := json.Unmarshal(b, &e); err != nil || e.Error == "" || strings.Contains(e.Error, "\n") {
		return "", false
	}
	return e.Error, true
}

// hostileBodies are sent to every route that takes a body, each with its
// status: malformed, empty, of the wrong shape, NaN and overflowing
// numbers (JSON has neither), nesting, and targets beyond the coordinate
// limit (the mixture at 1e300 and points at 1e160).
var hostileBodies = []struct {
	name, body string
	status     int
}{
	{"malformed", "{not json", 400},
	{"empty", "", 400},
	{"array", "[1,2]", 400},
	{"string", `"x"`, 400},
	{"NaN", `{"target":{"points":[NaN,1,2,3]}}`, 400},
	{"Infinity", `{"target":{"points":[Infinity,1,2,3]}}`, 400},
	{"1e999", `{"target":{"points":[1e999,1,2,3]}}`, 400},
	{"NaN string", `{"target":{"points":["NaN",1,2,3]}}`, 400},
	{"deep", strings.Repeat("[", 1000), 400},
	{"deep objects", strings.Repeat(`{"a":`, 200), 400},
	{"mixture at 1e300", `{"target":{"mixture":{"components":[{"weight":1,"mean":[1e300,0],"std":[1,1]}]}}}`, 400},
	{"points at 1e160", `{"target":{"points":[1e160,0,0,1e160]}}`, 400},
	{"trailing", `{} {}`, 400},
}

// TestHostileRoutes sends every route (s.routes, so a new route is not
// left out) cross-origin requests, bodies without or with the wrong
// Content-Type, bodies declared larger than the route's limit and the
// hostile bodies. Each is refused with its status and a one-line JSON
// error; none starts a training job.
func TestHostileRoutes(t *testing.T) {
	s, ts := newTestServer(t, Limits{})
	var allow string // the last answer's Allow header
	do := func(method, path string, header map[string]string, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		allow = res.Header.Get("Allow")
		return res.StatusCode, b
	}
	train := `{"target":{"preset":"seed-mog"},"steps":2,"every":1,"width":4,"batch":4}`
	var routes int
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		// Another method than the route's is refused with 405 and the
		// methods it takes (a PUT was answered 404, as if the route did
		// not exist).
		other, want := http.MethodPut, method
		if method == http.MethodGet {
			other, want = http.MethodPost, "GET, HEAD"
		}
		code, b := do(other, path, map[string]string{"Content-Type": "application/json"}, "{}")
		if msg, ok := oneLineError(b); code != http.StatusMethodNotAllowed || !ok || allow != want || !strings.Contains(msg, path) {
			t.Errorf("%s %s: %d %s, Allow %q; want 405 naming the path, Allow %q", other, path, code, b, allow, want)
		}
		if rt.body == noBody {
			continue // a GET route changes nothing
		}
		routes++
		ct := contentType(path)
		wrong := "text/plain" // a type a cross-site form may send
		if rt.body == csvBody {
			wrong = "application/json"
		}
		type hostile struct {
			name   string
			header map[string]string
			body   string
			status int
			want   string
		}
		cases := []hostile{
			// The attack: a page elsewhere posts with no Content-Type.
			{"cross-origin, no Content-Type", map[string]string{"Origin": "http://evil.example"}, train, 403, "cross-origin"},
			{"cross-origin", map[string]string{"Origin": "http://evil.example", "Content-Type": ct}, train, 403, "cross-origin"},
			{"Origin null", map[string]string{"Origin": "null", "Content-Type": ct}, train, 403, "cross-origin"},
			{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": ct}, train, 403, "cross-origin"},
			{"same-site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:1", "Content-Type": ct}, train, 403, "cross-origin"},
			{"no Content-Type", nil, train, 415, "no Content-Type"},
			{"form", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, train, 415, "Content-Type"},
			{"multipart", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, train, 415, "Content-Type"},
			{"wrong type", map[string]string{"Content-Type": wrong}, train, 415, "Content-Type"},
			{"bad Content-Type", map[string]string{"Content-Type": ";;"}, train, 415, "Content-Type"},
		}
		for _, hb := range hostileBodies {
			cases = append(cases, hostile{hb.name, map[string]string{"Content-Type": ct}, hb.body, hb.status, ""})
		}
		for _, c := range cases {
			code, b := do(method, path, c.header, c.body)
			msg, ok := oneLineError(b)
			if code != c.status || !ok || !strings.Contains(msg, c.want) {
				t.Errorf("%s %s: status %d, %.200s; want %d and a one-line error with %q", path, c.name, code, b, c.status, c.want)
			}
		}
		// A body declared one byte over the limit is refused before it
		// is sent: only the headers go, asking to continue, on a
		// connection of our own (a client that sent the body would meet
		// a closed connection).
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", path, ts.Listener.Addr(), ct, rt.max+1)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: a body over the limit: %v", path, err)
		}
		b, _ = io.ReadAll(res.Body)
		conn.Close()
		if msg, ok := oneLineError(b); res.StatusCode != 413 || !ok || !strings.Contains(msg, "larger than the limit") {
			t.Errorf("%s: a body over the limit: %d %s", path, res.StatusCode, b)
		}
	}
	if routes < 10 {
		t.Errorf("%d routes take a body; the table lost some", routes)
	}
	if s.running() || s.modelInfo() != nil {
		t.Error("a hostile request trained a model")
	}
	// The page's own requests pass: same origin, and scripts that send no
	// Origin.
	for _, h := range []map[string]string{
		{"Origin": ts.URL, "Content-Type": "application/json"},
		{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json; charset=utf-8"},
		{"Content-Type": "application/json"},
	} {
		if code, b := do(http.MethodPost, "/api/target", h, `{"target":{"preset":"seed-mog"},"n":3}`); code != 200 {
			t.Errorf("%v: %d %s", h, code, b)
		}
	}
	if code, b := do(http.MethodPost, "/api/upload/csv", map[string]string{"Content-Type": "application/vnd.ms-excel"}, "0,0\n1,1\n"); code != 200 {
		t.Errorf("a CSV as Excel types it: %d %s", code, b)
	}
}

// pointsBody is a target of n points at (1, 1) in JSON's shortest form,
// two bytes a number: the densest point list.
func pointsBody(n int) string {
	return `{"target":{"points":[` + strings.Repeat("1,", 2*n-1) + "1]}}"
}

// TestBodyBounds checks that no request makes the server hold more than
// its limits, counting the bytes it reads: a body declared larger than its
// route's limit is refused unread; an 8 MB point list sent without a
// length (the attack, which took the server from 131 MB to 4.8 GB
// with 50 clients) is refused at the first point past the limit, after
// reading about 2 × 80 kB of it; a CSV likewise at its first row past the
// limit.
func TestBodyBounds(t *testing.T) {
	s, _ := newTestServer(t, Limits{})
	h := s.Handler()
	eight := pointsBody(2 << 20) // 8 MiB
	for _, rt := range s.routes() {
		if rt.body == noBody {
			continue
		}
		_, path, _ := strings.Cut(rt.pattern, " ")
		w, read := serveDirect(h, path, contentType(path), eight, int64(len(eight)))
		if w.Code != 413 || read != 0 {
			t.Errorf("%s: 8 MiB declared: status %d after reading %d bytes; want 413 unread", path, w.Code, read)
		}
	}
	// The limit is 20,000 points: the 20,001st starts at byte 80,023.
	const bound = 1 << 18
	for _, path := range []string{"/api/target", "/api/step", "/api/train", "/api/metrics"} {
		w, read := serveDirect(h, path, "application/json", eight, -1)
		msg, _ := oneLineError(w.Body.Bytes())
		if w.Code != 400 || read > bound || !strings.Contains(msg, "points: more than 20000 points") {
			t.Errorf("%s: 8 MiB streamed: status %d %q after reading %d bytes; want 400 within %d", path, w.Code, msg, read, bound)
		}
	}
	csv := strings.Repeat("1,1\n", 1<<20)
	w, read := serveDirect(h, "/api/upload/csv", "text/csv", csv, -1)
	if msg, _ := oneLineError(w.Body.Bytes()); w.Code != 400 || read > bound || !strings.Contains(msg, "more than 20000 rows") {
		t.Errorf("4 MiB CSV streamed: status %d %q after reading %d bytes; want 400 within %d", w.Code, msg, read, bound)
	}
	// Other arrays: a mixture's components, an image's pixels.
	comps := `{"target":{"mixture":{"components":[` + strings.Repeat(`{"weight":1,"mean":[0,0],"std":[1,1]},`, 300) + `{}]}}}`
	w, _ = serveDirect(h, "/api/target", "application/json", comps, -1)
	if msg, _ := oneLineError(w.Body.Bytes()); w.Code != 400 || !strings.Contains(msg, "components: more than 256") {
		t.Errorf("300 components: %d %q", w.Code, msg)
	}
	pix := `{"target":{"image":{"h":200,"w":200,"pix":[` + strings.Repeat("0,", 40000) + `0]}}}`
	w, _ = serveDirect(h, "/api/target", "application/json", pix, -1)
	if msg, _ := oneLineError(w.Body.Bytes()); w.Code != 400 || !strings.Contains(msg, "pix: more than 16384 pixels") {
		t.Errorf("40,001 pixels: %d %q", w.Code, msg)
	}

	// 50 clients at once, each streaming 8 MiB: the server reads at most
	// the bound of each.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total int64
	for range 50 {
		wg.Go(func() {
			w, read := serveDirect(h, "/api/target", "application/json", eight, -1)
			mu.Lock()
			defer mu.Unlock()
			total += read
			if w.Code != 400 && w.Code != 503 {
				t.Errorf("one of 50 clients: status %d %s", w.Code, w.Body)
			}
		})
	}
	wg.Wait()
	if total > 50*bound {
		t.Errorf("50 clients of 8 MiB: the server read %d bytes, want at most %d", total, 50*bound)
	}
	if n := s.bodies.Load(); n != 0 {
		t.Errorf("%d bytes of bodies still held after every request ended", n)
	}
}

// TestBodiesInFlight checks the bound on the bytes all requests hold at
// once: with two bodies of 900 kB being read, a third that takes the
// total past MaxBodies = 2 MiB is refused (503, retry), and once the two
// have been answered the same request passes. Pipes make it exact: a
// write to one returns when the server has read every byte of it.
func TestBodiesInFlight(t *testing.T) {
	s, _ := newTestServer(t, Limits{MaxBody: 1 << 20, MaxBodies: 2 << 20})
	h := s.Handler()
	head := `{"target":{"preset":"seed-mog"},"n":2` + strings.Repeat(" ", 900<<10)
	type open struct {
		w    *io.PipeWriter
		rec  *httptest.ResponseRecorder
		done chan struct{}
	}
	start := func() open {
		pr, pw := io.Pipe()
		r := httptest.NewRequest(http.MethodPost, "/api/target", pr)
		r.Header.Set("Content-Type", "application/json")
		o := open{pw, httptest.NewRecorder(), make(chan struct{})}
		go func() {
			defer close(o.done)
			h.ServeHTTP(o.rec, r)
		}()
		return o
	}
	a, b := start(), start()
	for _, o := range []open{a, b} {
		if _, err := io.WriteString(o.w, head); err != nil {
			t.Fatal(err)
		}
	}
	// The pipe hands the bytes over before the server counts them: wait
	// for the count.
	for wait := time.Now(); s.bodies.Load() != int64(2*len(head)); time.Sleep(time.Millisecond) {
		if time.Since(wait) > time.Minute {
			t.Fatalf("two requests hold %d bytes, want %d", s.bodies.Load(), 2*len(head))
		}
	}
	c := start()
	wrote := make(chan struct{})
	go func() { // blocks where the server stops reading
		defer close(wrote)
		io.WriteString(c.w, head)
	}()
	select {
	case <-c.done:
	case <-wrote:
		t.Fatalf("the server read a third body of %d bytes past MaxBodies, holding %d", len(head), s.bodies.Load())
	}
	c.w.CloseWithError(io.ErrClosedPipe)
	if msg, _ := oneLineError(c.rec.Body.Bytes()); c.rec.Code != 503 || !strings.Contains(msg, "busy") {
		t.Errorf("third body past MaxBodies: %d %q; want 503 busy", c.rec.Code, msg)
	}
	for _, o := range []open{a, b} {
		io.WriteString(o.w, "}")
		o.w.Close()
		<-o.done
		if o.rec.Code != 200 {
			t.Errorf("a body within the limits: %d %s", o.rec.Code, o.rec.Body)
		}
	}
	if n := s.bodies.Load(); n != 0 {
		t.Fatalf("%d bytes held after the requests ended", n)
	}
	if w, _ := serveDirect(h, "/api/target", "application/json", head+"}", -1); w.Code != 200 {
		t.Errorf("the third body once the others are answered: %d %s", w.Code, w.Body)
	}
}

// TestHugeCoordinates sends targets beyond the explorer's coordinate limit
// (the issue's: a mixture with mean 1e300, which hung /api/metrics, gave
// /api/target a 200 with an empty body, /api/step and /api/reverse a 500
// "index out of range" and /api/train a JSON error inside its event
// stream; points at 1e160) to every route that takes a target: each
// answers 400 naming the limit. A target well inside it works.
func TestHugeCoordinates(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	extra := map[string]string{
		"/api/target": "", "/api/field": "", "/api/step": `,"n":10`, "/api/metrics": `,"x":"AAAAAAAAAAA="`,
		"/api/reverse": "", "/api/train": `,"steps":2,"every":1`, "/api/figure.png": "", "/api/figure.svg": "",
	}
	specs := []string{
		`{"mixture":{"components":[{"weight":1,"mean":[1e300,0],"std":[1,1]}]}}`,
		`{"mixture":{"components":[{"weight":1,"mean":[0,1e160],"std":[1,1]}]}}`,
		`{"mixture":{"components":[{"weight":1,"mean":[0,0],"std":[1e150,1]}]}}`,
		`{"mixture":{"components":[{"weight":0.999,"mean":[0,0],"std":[1,1]},{"weight":0.001,"mean":[2e9,0],"std":[1,1]}]}}`,
		`{"points":[1e160,0,0,1e160,0,0]}`,
		`{"points":[0,0,1,1,-1.5e9,0]}`,
	}
	for path, more := range extra {
		for _, spec := range specs {
			code, b := post(t, ts.URL+path, `{"target":`+spec+more+`}`)
			if msg, ok := oneLineError(b); code != 400 || !ok || !strings.Contains(msg, "beyond ±1e+09, the explorer's limit") {
				t.Errorf("%s %s: %d %.200s", path, spec, code, b)
			}
		}
	}
	code, b := post(t, ts.URL+"/api/upload/csv", "x,y\n0,0\n1e160,1\n")
	if msg, _ := oneLineError(b); code != 400 || !strings.Contains(msg, "point 1 has coordinate 1e+160") {
		t.Errorf("CSV at 1e160: %d %s", code, b)
	}
	// Far, but inside: a Gaussian at 9e8 of spread 1e7.
	var tr targetResponse
	spec := gaussian(9e8, 0, 1e7)
	postOK(t, ts.URL+"/api/target", targetRequest{Target: spec, N: 300}, &tr)
	if !(tr.Box[1] > 9e8 && tr.Box[1] < maxBox) {
		t.Errorf("box %v", tr.Box)
	}
	var f fieldResponse
	postOK(t, ts.URL+"/api/field", fieldRequest{Target: spec, Box: &tr.Box, Grid: 3}, &f)
	var m metricsResponse
	postOK(t, ts.URL+"/api/metrics", metricsRequest{Target: spec, X: encodePoints(tr.Points)}, &m)
	if m.W2 == nil || !(*m.W2 < 4*m.Floor) {
		t.Errorf("metrics of a sample of the target: %+v", m)
	}
}

// TestEncodePointsCaps checks that particles beyond float32's range travel
// as its largest finite value (they were sent as ±Inf, which the page then
// could not send back), and the rest as float32 rounds them.
func TestEncodePointsCaps(t *testing.T) {
	x, err := decodePoints("x", encodePoints([]float64{1e150, -1e150, math.Inf(1), 1.5}), 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{math.MaxFloat32, -math.MaxFloat32, math.MaxFloat32, 1.5}; fmt.Sprint(x) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", x, want)
	}
}

// TestAnswerNotJSON checks that an answer JSON cannot hold (a non-finite
// number) is a 500 with a one-line error, not a 200 with an empty body.
func TestAnswerNotJSON(t *testing.T) {
	w := httptest.NewRecorder()
	writeJSON(w, map[string]float64{"v": math.Inf(1)})
	if msg, ok := oneLineError(w.Body.Bytes()); w.Code != 500 || !ok || !strings.Contains(msg, "+Inf") {
		t.Errorf("%d %q", w.Code, w.Body)
	}
}

// TestPanicAfterAnswerBegan checks that a panic in a handler whose answer
// has begun (an event stream) ends the connection, logged in one line,
// instead of writing a JSON error into the stream ("superfluous
// WriteHeader").
func TestPanicAfterAnswerBegan(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	h := guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, "event: start\ndata: {}\n\n")
		http.NewResponseController(w).Flush()
		panic("event: json: unsupported value: +Inf")
	}), func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(format, args...))
	})
	var serverLog bytes.Buffer
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(&serverLog, "", 0)
	ts.Start()
	res, err := http.Post(ts.URL+"/api/train", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body) // cut short: an error is expected
	res.Body.Close()
	ts.Close() // waits for the handler
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(string(b), `"error"`) || len(logged) != 1 || !strings.Contains(logged[0], "after the answer began") || serverLog.Len() != 0 {
		t.Errorf("stream %q, logged %q, server log %q", b, logged, serverLog.String())
	}
}

// TestMetricsStopsWhenClientLeaves checks that metrics computes no
// distance once the request's context is done, whether the client left
// before it began or during the noise floor (its 7th distance), and
// caches no floor computed in part.
func TestMetricsStopsWhenClientLeaves(t *testing.T) {
	s, _ := newTestServer(t, Limits{})
	tg, err := resolve(Spec{Preset: "seed-mog"}, s.lim)
	if err != nil {
		t.Fatal(err)
	}
	real := wasserstein2
	defer func() { wasserstein2 = real }()
	for _, cancelAt := range []int{0, 7} {
		ctx, cancel := context.WithCancel(context.Background())
		if cancelAt == 0 {
			cancel()
		}
		calls := 0
		wasserstein2 = func(a, b []float64) float64 {
			if calls++; calls == cancelAt {
				cancel()
			}
			return real(a, b)
		}
		_, err := s.metrics(ctx, tg, tg.sample(50, newRand(1, 2)), 50, 5)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "context canceled") || calls != cancelAt || len(s.floors) != 0 {
			t.Errorf("client left at distance %d: %d distances computed, error %v, %d floors cached", cancelAt, calls, err, len(s.floors))
		}
	}
}

// FuzzJSONLimiter checks jsonLimiter against a second reading of the same
// rule through encoding/json's tokens: it passes every byte through
// unchanged, and on valid JSON refuses exactly when some array holds more
// elements than its key's limit. Seeds: the hostile bodies.
func FuzzJSONLimiter(f *testing.F) {
	for _, hb := range hostileBodies {
		f.Add([]byte(hb.body))
	}
	f.Add([]byte(`{"target":{"points":[1,2,3,4,5,6,7]},"x":"a,b]"}`))
	f.Add([]byte(`{"points":[[1,2],[3]],"pix":[1,2,3,4],"components":[{"mean":[1,2,3,4,5]}]}`))
	f.Add([]byte(`{"a\"points":[1,2,3,4,5,6,7],"points":[]}`))
	limit := func(key string) (int, string) {
		switch key {
		case "points":
			return 6, "points"
		case "pix":
			return 3, "pix"
		}
		return 4, "other"
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l := &jsonLimiter{r: bytes.NewReader(in), limit: limit}
		out, err := io.ReadAll(l)
		if err == nil && !bytes.Equal(out, in) {
			t.Fatalf("passed %q as %q", in, out)
		}
		if !bytes.HasPrefix(in, out) {
			t.Fatalf("passed %q, not a prefix of %q", out, in)
		}
		want, valid := overLimit(in, limit)
		if !valid || bytes.Contains(in, []byte(`\`)) {
			return // the limiter reads a key with escapes as it stands, not decoded: it then takes the default limit
		}
		if tooDeep := err != nil && strings.Contains(err.Error(), "nested"); (err != nil) != want && !tooDeep {
			t.Errorf("%q: limiter %v, tokens say over the limit: %v", in, err, want)
		}
	})
}

// overLimit reads in with encoding/json's tokens and reports whether an
// array holds more elements than limit allows, and whether in is one valid
// JSON value.
func overLimit(in []byte, limit func(string) (int, string)) (over, valid bool) {
	type frame struct {
		array    bool
		key      string
		n        int
		keyNext  bool
		lastKey  string
		maxElems int
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	var stack []frame
	value := func() { // a value starts in the innermost frame
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.array {
			f.n++
			over = over || f.n > f.maxElems
		} else {
			f.keyNext = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return over, len(stack) == 0 && dec.InputOffset() > 0
		}
		if err != nil {
			return false, false
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && !top.array && top.keyNext {
			top.keyNext, top.lastKey = false, s
			continue
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			value()
			f := frame{array: tok == json.Delim('['), keyNext: true}
			if top != nil {
				f.key = top.lastKey
				if top.array {
					f.key = top.key
				}
			}
			if f.array {
				f.maxElems, _ = limit(f.key)
			}
			stack = append(stack, f)
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
		default:
			value()
		}
	}
}
