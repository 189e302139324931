package serve

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/png" // PNG uploads
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/plot"
	"github.com/sgm-dev/sgm/scorenet"
)

// readUpload reads an upload's body (admit has bounded it). On failure it
// has answered and returns nil.
func readUpload(w http.ResponseWriter, r *http.Request, what string) []byte {
	b, err := io.ReadAll(r.Body)
	switch {
	case err != nil:
		status, err := bodyStatus(err)
		writeError(w, status, fmt.Errorf("%s upload: %v", what, err))
		return nil
	case len(b) == 0:
		writeError(w, http.StatusBadRequest, fmt.Errorf("%s upload is empty", what))
		return nil
	}
	return b
}

// handleUploadCSV reads a CSV point cloud of two columns (the body) and
// answers the target spec that holds it: {"points": [...]}.
func (s *Server) handleUploadCSV(w http.ResponseWriter, r *http.Request) {
	b := readUpload(w, r, "CSV")
	if b == nil {
		return
	}
	p, _, err := data.ReadPointsCSV(bytes.NewReader(b))
	switch {
	case err != nil:
	case p.D != 2:
		err = fmt.Errorf("the explorer takes 2 columns (x0, x1), got %d", p.D)
	case p.N > s.lim.MaxPoints:
		err = fmt.Errorf("%d rows, at most %d", p.N, s.lim.MaxPoints)
	default:
		err = checkCoords("points", p.Data)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("CSV upload: %v", err))
		return
	}
	writeJSON(w, Spec{Points: p.Data})
}

// handleUploadPNG reads a PNG (the body) as a grey image and answers the
// target spec that holds it: {"image": {...}}. Its size is checked from
// the header before the pixels are decoded.
func (s *Server) handleUploadPNG(w http.ResponseWriter, r *http.Request) {
	b := readUpload(w, r, "PNG")
	if b == nil {
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, fmt.Errorf("PNG upload: not a PNG image: %v", err))
		return
	case format != "png":
		writeError(w, http.StatusBadRequest, fmt.Errorf("PNG upload: a %s image, not a PNG", format))
		return
	case cfg.Width < 2 || cfg.Height < 2 || int64(cfg.Width)*int64(cfg.Height) > int64(s.lim.MaxPixels):
		writeError(w, http.StatusBadRequest, fmt.Errorf("PNG upload: %d×%d pixels, need at least 2×2 and at most %d pixels (e.g. 128×128)", cfg.Width, cfg.Height, s.lim.MaxPixels))
		return
	}
	g, err := data.ReadImage(bytes.NewReader(b))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("PNG upload: %v", err))
		return
	}
	writeJSON(w, Spec{Image: &ImageSpec{H: g.H, W: g.W, Pix: g.Pix}})
}

// handleSamplesCSV answers the particles of the body ({"x": ...}, as the
// step endpoint gives them) as a CSV download.
func (s *Server) handleSamplesCSV(w http.ResponseWriter, r *http.Request) {
	var req struct {
		X string `json:"x"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	x, err := decodePoints("x", req.X, s.lim.MaxParticles)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	var buf bytes.Buffer
	if err := data.WriteCSV(&buf, []string{"x0", "x1"}, x); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Disposition", `attachment; filename="samples.csv"`)
	w.Write(buf.Bytes())
}

// handleFigure answers the field of a fieldRequest as the figure of `sgm
// plot density` (PNG, or SVG at /api/figure.svg): the exact log-density's
// contours under the score arrows of the request's source, exact or
// learned.
func (s *Server) handleFigure(w http.ResponseWriter, r *http.Request) {
	var req fieldRequest
	t, ok := s.readTarget(w, r, &req, &req.Target)
	if !ok {
		return
	}
	if err := checkGrid(&req.Grid, 24, s.lim.MaxGrid); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	exact, status, err := s.field(t, "exact", req.Level, 100)
	if err != nil {
		writeError(w, status, err)
		return
	}
	arrows, status, err := s.field(t, req.Source, req.Level, req.Grid)
	if err != nil {
		writeError(w, status, err)
		return
	}
	u, v := make([]float64, len(arrows.Score)/2), make([]float64, len(arrows.Score)/2)
	for k := range u {
		u[k], v[k] = arrows.Score[2*k], arrows.Score[2*k+1]
	}
	space := plot.Cartesian
	if t.space == spaceImage {
		space = plot.ImageSpace
	}
	title := fmt.Sprintf("%s, %s score, σ = %.3g", t.name, arrows.Source, arrows.Sigma)
	fig, err := plot.LogDensityField(plot.Grid{X: exact.X, Y: exact.Y, Z: exact.LogP}, plot.Field{X: arrows.X, Y: arrows.Y, U: u, V: v}, space, title)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("figure: %v", err))
		return
	}
	format, mime := "png", "image/png"
	if strings.HasSuffix(r.URL.Path, ".svg") {
		format, mime = "svg", "image/svg+xml"
	}
	var buf bytes.Buffer
	if err := plot.Encode(&buf, fig, format); err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("figure: %v", err))
		return
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Content-Disposition", `attachment; filename="field.`+format+`"`)
	w.Write(buf.Bytes())
}

// modelFolder is the folder the model's tar unpacks into; `sgm sample
// --model sgm-model` reads it.
const modelFolder = "sgm-model"

// handleModel answers the trained model's checkpoint as a tar of the
// folder sgm-model/, which `sgm sample --model sgm-model` reads once
// unpacked. The files are the server's own; no path comes from the client.
func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	err := s.withModel(func(m *model) error {
		entries, err := os.ReadDir(m.dir)
		if err != nil {
			return err
		}
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			if !e.Type().IsRegular() || e.Name() == scorenet.LockName {
				continue
			}
			b, err := os.ReadFile(filepath.Join(m.dir, e.Name()))
			if err != nil {
				return err
			}
			if err := tw.WriteHeader(&tar.Header{Name: modelFolder + "/" + e.Name(), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
				return err
			}
			if _, err := tw.Write(b); err != nil {
				return err
			}
		}
		return tw.Close()
	})
	if errors.Is(err, errNoModel) {
		writeError(w, http.StatusNotFound, err)
		return
	} else if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("model: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", `attachment; filename="sgm-model.tar"`)
	w.Write(buf.Bytes())
}
