package serve

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomlx/compute"

	"github.com/sgm-dev/sgm/metric"
)

//go:embed web
var webFS embed.FS

// Limits bound what one request may ask for. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	MaxBody        int64         // bytes of a JSON request body that carries a target
	MaxUpload      int64         // bytes of an uploaded CSV or PNG
	MaxBodies      int64         // bytes of request bodies held at once, all requests together
	MaxPixels      int           // pixels of an uploaded or posted image
	MaxPoints      int           // points of a target cloud (rows of a CSV)
	MaxComponents  int           // components of a posted mixture
	MaxParticles   int           // particles of one sampler request
	MaxStepsPerReq int           // sampler steps of one request
	MaxGrid        int           // field grid points per axis
	MaxTrainSteps  int           // steps of one training job
	MaxTrainTime   time.Duration // wall time of one training job
}

// DefaultLimits are the limits of a zero Limits field.
var DefaultLimits = Limits{
	MaxBody:        2 << 20,
	MaxUpload:      4 << 20,
	MaxBodies:      32 << 20,
	MaxPixels:      128 * 128,
	MaxPoints:      20000,
	MaxComponents:  256,
	MaxParticles:   20000,
	MaxStepsPerReq: 1000,
	MaxGrid:        160,
	MaxTrainSteps:  20000,
	MaxTrainTime:   5 * time.Minute,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.MaxPixels, d.MaxPixels)
	pick(&l.MaxPoints, d.MaxPoints)
	pick(&l.MaxComponents, d.MaxComponents)
	pick(&l.MaxParticles, d.MaxParticles)
	pick(&l.MaxStepsPerReq, d.MaxStepsPerReq)
	pick(&l.MaxGrid, d.MaxGrid)
	pick(&l.MaxTrainSteps, d.MaxTrainSteps)
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	if l.MaxUpload <= 0 {
		l.MaxUpload = d.MaxUpload
	}
	if l.MaxBodies <= 0 {
		l.MaxBodies = d.MaxBodies
	}
	if l.MaxTrainTime <= 0 {
		l.MaxTrainTime = d.MaxTrainTime
	}
	return l
}

// Server is the explorer: its page, its JSON API and its one training job.
// Create it with New, serve Handler, and Close it when done.
type Server struct {
	lim     Limits
	backend compute.Backend
	logf    func(format string, args ...any)
	bodies  atomic.Int64 // bytes of request bodies held (admit)

	floorMu sync.Mutex
	floors  map[string]metric.Floor // noise floors by target key

	jobMu  sync.Mutex
	job    *job // the running training job, or nil
	closed bool // Close was called: no new job starts

	modelMu sync.Mutex
	model   *model // the last trained network, or nil
	tmpDir  string // where its checkpoint lives
}

// New returns a server that trains on backend (GoMLX's pure-Go backend is
// the one sgm serve uses) within lim. Log lines go to logger, or nowhere
// if it is nil. It panics if backend is nil.
func New(backend compute.Backend, lim Limits, logger *log.Logger) *Server {
	if backend == nil {
		panic("serve: New: nil backend")
	}
	s := &Server{lim: lim.withDefaults(), backend: backend, floors: map[string]metric.Floor{}, logf: func(string, ...any) {}}
	if logger != nil {
		s.logf = logger.Printf
	}
	return s
}

// Close stops the training job, if any, waits for it and removes the
// trained model's checkpoint.
func (s *Server) Close() error {
	s.jobMu.Lock()
	j := s.job
	s.closed = true
	s.jobMu.Unlock()
	if j != nil {
		j.cancel()
		<-j.done
	}
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	if s.tmpDir != "" {
		err := os.RemoveAll(s.tmpDir)
		s.tmpDir, s.model = "", nil
		return err
	}
	return nil
}

// Handler returns the server's routes: the page and its assets under /,
// the API under /api/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	web, _ := fs.Sub(webFS, "web")
	files := http.FileServerFS(web)
	// allow lists each endpoint's methods, for the 405 of another method
	// (the catch-all route below would answer it 404 otherwise).
	allow := map[string][]string{}
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		allow[path] = append(allow[path], method)
		if method == http.MethodGet {
			allow[path] = append(allow[path], http.MethodHead)
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch methods := allow[r.URL.Path]; {
		case len(methods) > 0:
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s: %s takes %s", clip(r.Method), r.URL.Path, strings.Join(methods, " or ")))
		case strings.HasPrefix(r.URL.Path, "/api/"):
			writeError(w, http.StatusNotFound, fmt.Errorf("no API endpoint %s %s", r.Method, clip(r.URL.Path)))
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s: the page's files are read with GET", clip(r.Method)))
		default:
			files.ServeHTTP(w, r)
		}
	})
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.admit(rt))
	}
	return guard(sameOrigin(mux), s.logf)
}

// LocalOnly refuses (421) requests whose Host header names anything but
// the loopback interface: a server on loopback then cannot be reached
// through a DNS name that a web page rebinds to 127.0.0.1.
func LocalOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			writeError(w, http.StatusMisdirectedRequest, fmt.Errorf("host %s: this server answers only requests to localhost or a loopback address", clip(r.Host)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// guard adds the headers every answer carries and turns a panic in a
// handler into a 500 with a one-line JSON error instead of a dropped
// connection; a panic after the answer has begun (an event stream) can
// only end it: that is logged in one line and the connection closed.
func guard(next http.Handler, logf func(string, ...any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &startedWriter{ResponseWriter: w}
		w = sw
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if sw.started.Load() {
					logf("%s %s: internal error after the answer began: %v", r.Method, r.URL.Path, v)
					panic(http.ErrAbortHandler)
				}
				writeError(w, http.StatusInternalServerError, fmt.Errorf("internal error: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// startedWriter notes whether the answer has begun.
type startedWriter struct {
	http.ResponseWriter
	started atomic.Bool // a stream may be written from the training's goroutine
}

func (w *startedWriter) WriteHeader(code int) {
	w.started.Store(true)
	w.ResponseWriter.WriteHeader(code)
}

func (w *startedWriter) Write(b []byte) (int, error) {
	w.started.Store(true)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush,
// SetWriteDeadline).
func (w *startedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errorBody is every error's JSON form.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers with status and err's message on one line.
func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{Error: strings.Join(strings.Fields(err.Error()), " ")})
}

// writeJSON answers 200 with v, or 500 if v has no JSON form (a
// non-finite number): never a 200 with an empty or cut body.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("internal error: answer: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

// readJSON decodes r's body into v, refusing unknown fields and trailing
// data; admit has bounded the body and checked its type. On failure it
// has answered the request and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == io.EOF {
		err = errors.New("empty: send a JSON object")
	} else if err == nil {
		if _, rest := dec.Token(); rest != io.EOF {
			err = errors.New("trailing data after the JSON value")
			if limit(rest) {
				err = rest
			}
		}
	}
	if err != nil {
		status, err := bodyStatus(err)
		writeError(w, status, err)
		return false
	}
	return true
}

// readTarget reads the JSON body into req, whose target is *spec, and
// resolves that target. On failure it has answered the request.
func (s *Server) readTarget(w http.ResponseWriter, r *http.Request, req any, spec *Spec) (*target, bool) {
	if !readJSON(w, r, req) {
		return nil, false
	}
	t, err := resolve(*spec, s.lim)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return nil, false
	}
	return t, true
}

// checkGrid sets *grid to def if it is 0 and refuses it outside [2, max].
func checkGrid(grid *int, def, max int) error {
	if *grid == 0 {
		*grid = def
	}
	if *grid < 2 || *grid > max {
		return fmt.Errorf("grid %d: must be in [2, %d]", *grid, max)
	}
	return nil
}

// clip shortens a client-supplied string for a message.
func clip(s string) string {
	const n = 80
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
