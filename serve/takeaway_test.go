package serve

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/sgm-dev/sgm/data"
)

// TestTakeAway checks the downloads: the samples CSV reads back as the
// particles (to float32 precision, the form they travel in), and the
// figure is a PNG of the plot package's size. $SGM_SHOTS, if set, keeps
// the figure to look at.
func TestTakeAway(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	x := []float64{0.25, -1.5, 3, 0.125}
	code, b := post(t, ts.URL+"/api/samples.csv", map[string]string{"x": encodePoints(x)})
	if code != 200 {
		t.Fatalf("samples.csv: %d %s", code, b)
	}
	header, got, err := data.ReadCSV(bytes.NewReader(b))
	if err != nil || strings.Join(header, ",") != "x0,x1" || len(got) != 4 {
		t.Fatalf("samples.csv %q: %v", b, err)
	}
	for i := range x {
		if got[i] != x[i] { // these values are exact in float32
			t.Errorf("sample %d: %v, want %v", i, got[i], x[i])
		}
	}
	code, b = post(t, ts.URL+"/api/figure.png", fieldRequest{Target: Spec{Preset: "seed-mog"}, Level: 3})
	if code != 200 {
		t.Fatalf("figure.png: %d %.200s", code, b)
	}
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := im.Bounds(); r.Dx() < 200 || r.Dy() < 200 {
		t.Errorf("figure of %v", r)
	}
	if dir := os.Getenv("SGM_SHOTS"); dir != "" {
		os.WriteFile(dir+"/figure.png", b, 0o644)
	}
	code, b = post(t, ts.URL+"/api/figure.svg", fieldRequest{Target: Spec{Preset: "seed-mog"}, Level: 3})
	if code != 200 || !bytes.Contains(b[:min(len(b), 200)], []byte("<svg")) {
		t.Errorf("figure.svg: %d %.200s", code, b)
	}
}

// TestLocalOnly checks that a loopback server refuses other Host names.
func TestLocalOnly(t *testing.T) {
	h := LocalOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for host, want := range map[string]int{
		"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "localhost": 200,
		"evil.example:8080": 421, "192.168.1.2:8080": 421, "": 421,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %q: %d, want %d", host, w.Code, want)
		}
	}
}
