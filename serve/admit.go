package serve

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"
)

// bodyKind is what a route's request body holds.
type bodyKind int

const (
	noBody   bodyKind = iota // GET routes: the body is not read
	jsonBody                 // a JSON object, Content-Type application/json
	csvBody                  // a CSV upload, Content-Type text/csv (or text/plain, or Excel's application/vnd.ms-excel)
	pngBody                  // a PNG upload, Content-Type image/png
)

// mediaTypes are the Content-Types each kind of body may have.
var mediaTypes = map[bodyKind][]string{
	jsonBody: {"application/json"},
	csvBody:  {"text/csv", "text/plain", "application/vnd.ms-excel"},
	pngBody:  {"image/png"},
}

// route is one API endpoint: its pattern, handler and what its requests
// may carry. Every request passes admit, which enforces the rest.
type route struct {
	pattern string
	body    bodyKind
	max     int64 // bytes of the body
	h       http.HandlerFunc
}

// smallBody bounds the bodies of /api/train/stop and /api/train/view: a
// level at most.
const smallBody = 1 << 10

// routes lists the API. A target travels in MaxBody bytes: 20,000 points
// of 25-byte numbers are 1 MB of JSON.
func (s *Server) routes() []route {
	lim := s.lim
	// A particle is 8 bytes, 32/3 of base64, and its JSON string escapes
	// none of them.
	particles := int64(lim.MaxParticles)*32/3 + 1<<10
	return []route{
		{"GET /api/info", noBody, 0, s.handleInfo},
		{"POST /api/target", jsonBody, lim.MaxBody, s.handleTarget},
		{"POST /api/field", jsonBody, lim.MaxBody, s.handleField},
		{"POST /api/step", jsonBody, lim.MaxBody, s.handleStep},
		{"POST /api/metrics", jsonBody, lim.MaxBody, s.handleMetrics},
		{"POST /api/reverse", jsonBody, lim.MaxBody, s.handleReverse},
		{"POST /api/given", jsonBody, lim.MaxBody, s.handleGiven},
		{"POST /api/upload/csv", csvBody, lim.MaxUpload, s.handleUploadCSV},
		{"POST /api/upload/png", pngBody, lim.MaxUpload, s.handleUploadPNG},
		{"POST /api/train", jsonBody, lim.MaxBody, s.handleTrain},
		{"POST /api/train/stop", jsonBody, smallBody, s.handleTrainStop},
		{"POST /api/train/view", jsonBody, smallBody, s.handleTrainView},
		{"GET /api/model", noBody, 0, s.handleModel},
		{"POST /api/samples.csv", jsonBody, particles, s.handleSamplesCSV},
		{"POST /api/figure.png", jsonBody, lim.MaxBody, s.handleFigure},
		{"POST /api/figure.svg", jsonBody, lim.MaxBody, s.handleFigure},
	}
}

// sameOrigin refuses (403) a state-changing request that a browser sent
// from another origin: its Sec-Fetch-Site is not same-origin, or, from a
// browser too old to send that, its Origin names another host than the
// request's (net/http.CrossOriginProtection). Requests without either
// header (curl, scripts) are not a browser's and pass; GET and HEAD change
// nothing and pass. Another web site then cannot start a training, replace
// the model or drive the samplers of an explorer open on this machine.
func sameOrigin(next http.Handler) http.Handler {
	check := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := check.Check(r); err != nil {
			writeError(w, http.StatusForbidden, fmt.Errorf("cross-origin request refused (Origin %s, Sec-Fetch-Site %s): the explorer answers only its own page",
				clip(r.Header.Get("Origin")), clip(r.Header.Get("Sec-Fetch-Site"))))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// admit checks a request against its route before the handler sees it:
// the body's Content-Type (415), its declared length (413, unread), and
// then, as the body is read, its length, the bytes that all requests hold
// at once (503, Limits.MaxBodies) and the length of every JSON array or
// the rows of a CSV (stream-checked: a body is refused at the first
// element past its limit, before the decoder has buffered the rest or
// allocated the slice).
func (s *Server) admit(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.body == noBody {
			rt.h(w, r)
			return
		}
		if err := checkMediaType(r.Header.Get("Content-Type"), mediaTypes[rt.body]); err != nil {
			writeError(w, http.StatusUnsupportedMediaType, err)
			return
		}
		if r.ContentLength > rt.max {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body of %d bytes is larger than the limit of %d bytes", r.ContentLength, rt.max))
			return
		}
		held := &heldBody{r: http.MaxBytesReader(w, r.Body, rt.max), used: &s.bodies, max: s.lim.MaxBodies}
		defer held.release()
		var body io.Reader = held
		switch rt.body {
		case jsonBody:
			body = &jsonLimiter{r: held, limit: s.arrayLimit}
		case csvBody:
			body = &rowLimiter{r: held, max: s.lim.MaxPoints}
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{body, held.r}
		rt.h(w, r)
	})
}

// checkMediaType returns an error unless ct's media type is one of want.
func checkMediaType(ct string, want []string) error {
	if ct == "" {
		return fmt.Errorf("request has no Content-Type: send %s", strings.Join(want, " or "))
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %s: %v", clip(ct), err)
	}
	for _, w := range want {
		if mt == w {
			return nil
		}
	}
	return fmt.Errorf("Content-Type %s: this endpoint takes %s", clip(ct), strings.Join(want, " or "))
}

// bodyError is a refusal found while reading a body, with its status.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

// heldBody counts the bytes it reads into used, the bytes that all
// requests hold, until release; a read that takes used past max fails
// with 503: the server holds at most about max bytes of bodies, however
// many clients send at once.
type heldBody struct {
	r    io.ReadCloser
	used *atomic.Int64
	max  int64
	n    int64 // bytes read and held
}

func (h *heldBody) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.n += int64(n)
		if h.used.Add(int64(n)) > h.max {
			return 0, &bodyError{http.StatusServiceUnavailable, fmt.Sprintf("busy: requests in flight hold %d bytes of bodies, the limit; retry", h.max)}
		}
	}
	return n, err
}

// release gives the bytes read back.
func (h *heldBody) release() { h.used.Add(-h.n) }

// arrayLimit returns the most elements a JSON array under key may hold,
// and the refusal of one that holds more: a point list two numbers a
// point, an image's pixels, a mixture's components; any other array (a
// mixture's means and deviations, a box) as many as a point list.
func (s *Server) arrayLimit(key string) (int, string) {
	lim := s.lim
	switch key {
	case "points":
		return 2 * lim.MaxPoints, fmt.Sprintf("points: more than %d points, at most %d", lim.MaxPoints, lim.MaxPoints)
	case "pix":
		return lim.MaxPixels, fmt.Sprintf("pix: more than %d pixels, at most %d", lim.MaxPixels, lim.MaxPixels)
	case "components":
		return lim.MaxComponents, fmt.Sprintf("components: more than %d, at most %d", lim.MaxComponents, lim.MaxComponents)
	}
	n := max(2*lim.MaxPoints, lim.MaxPixels)
	return n, fmt.Sprintf("%s: an array of more than %d elements", clip(key), n)
}

// maxDepth bounds the nesting of a JSON body: the deepest request (a
// mixture's mean in a target in a request) is 5 deep.
const maxDepth = 16

// jsonLimiter passes a JSON body through unchanged, refusing it (400) at
// the first element of an array beyond limit(key), key being the name of
// the member whose value the array is (nested arrays count under their
// parent's key), or at nesting deeper than maxDepth. It does not validate
// the JSON: the decoder behind it does.
type jsonLimiter struct {
	r     io.Reader
	limit func(key string) (int, string)
	stack []jsonFrame
	inStr bool
	esc   bool
	isKey bool   // the string being read is an object's key
	key   []byte // that key, up to maxKey bytes
	err   error
}

// jsonFrame is an open object or array.
type jsonFrame struct {
	array     bool
	key       string // the member being read (objects), the array's name (arrays)
	expectKey bool   // objects: the next string is a key
	needValue bool   // arrays: the next non-space byte starts an element
	n, max    int    // arrays: elements so far, and the limit
	refusal   string // arrays: the message past the limit
}

// maxKey is the longest key the limiter remembers; every key of the API
// is shorter.
const maxKey = 32

func (l *jsonLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := range n {
		if l.err = l.scan(p[i]); l.err != nil {
			return 0, l.err
		}
	}
	return n, err
}

// scan takes the next byte of the body.
func (l *jsonLimiter) scan(c byte) error {
	if l.inStr {
		switch {
		case l.esc:
			l.esc = false
		case c == '\\':
			l.esc = true
		case c == '"':
			l.inStr = false
			if l.isKey {
				l.top().key = string(l.key)
			}
			return nil
		}
		if l.isKey && len(l.key) < maxKey {
			l.key = append(l.key, c)
		}
		return nil
	}
	top := l.top()
	switch c {
	case ' ', '\t', '\n', '\r', ':':
	case ',':
		if top != nil {
			top.expectKey, top.needValue = !top.array, top.array
		}
	case ']', '}':
		if top != nil {
			l.stack = l.stack[:len(l.stack)-1]
		}
	case '"':
		l.inStr = true
		l.isKey = top != nil && !top.array && top.expectKey
		if l.isKey {
			top.expectKey, l.key = false, l.key[:0]
			return nil
		}
		return l.element()
	case '{', '[':
		if err := l.element(); err != nil {
			return err
		}
		if len(l.stack) == maxDepth {
			return &bodyError{http.StatusBadRequest, fmt.Sprintf("request body: JSON nested deeper than %d", maxDepth)}
		}
		f := jsonFrame{array: c == '[', expectKey: c == '{', needValue: c == '['}
		if f.array {
			if top != nil {
				f.key = top.key
			}
			f.max, f.refusal = l.limit(f.key)
		}
		l.stack = append(l.stack, f)
	default:
		return l.element()
	}
	return nil
}

// top returns the innermost open object or array, or nil.
func (l *jsonLimiter) top() *jsonFrame {
	if len(l.stack) == 0 {
		return nil
	}
	return &l.stack[len(l.stack)-1]
}

// element counts a value that starts in an array.
func (l *jsonLimiter) element() error {
	top := l.top()
	if top == nil || !top.array || !top.needValue {
		return nil
	}
	top.needValue = false
	top.n++
	if top.n > top.max {
		return &bodyError{http.StatusBadRequest, "request body: " + top.refusal}
	}
	return nil
}

// rowLimiter passes a CSV body through, refusing it (400) at the first
// non-blank line past max+1 (the points and a header).
type rowLimiter struct {
	r       io.Reader
	max     int
	rows    int
	counted bool // the line so far has content, counted in rows
	err     error
}

func (l *rowLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		switch c {
		case '\n':
			l.counted = false
		case ' ', '\t', '\r':
		default:
			if !l.counted {
				l.counted = true
				l.rows++
				if l.rows > l.max+1 {
					l.err = &bodyError{http.StatusBadRequest, fmt.Sprintf("more than %d rows, at most %d", l.max, l.max)}
					return 0, l.err
				}
			}
		}
	}
	return n, err
}

// limit reports whether err is a refusal of admit's (a body too large,
// too many elements, the server busy).
func limit(err error) bool {
	_, be := errors.AsType[*bodyError](err)
	_, mb := errors.AsType[*http.MaxBytesError](err)
	return be || mb
}

// bodyStatus maps an error reading a body to its status and message.
func bodyStatus(err error) (int, error) {
	var be *bodyError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &be):
		return be.status, be
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, fmt.Errorf("request body is larger than the limit of %d bytes", tooBig.Limit)
	}
	return http.StatusBadRequest, fmt.Errorf("request body: %v", err)
}
