package model

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sgm-dev/sgm"
	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
)

// Data is what a model learns, opened from a spec (OpenData): its source
// of points in its own units, and, for a file, the SHA-256 of its bytes.
type Data struct {
	// Spec is the spec as a run records it: a file by its absolute path.
	Spec   string
	Source sgm.Source
	// Points are a file's points (nil for toys, mixtures and images).
	Points *data.Points
	// Mixture is the mixture of a mixture spec, whose exact score and
	// density a model can be checked against; nil otherwise.
	Mixture *dist.Mixture
	// Image is the image of an image spec: a model of it keeps the blog
	// post's units (no standardisation) and defaults.
	Image *dist.Image
	// SHA256 is the hex SHA-256 of a data file's bytes ("" for a toy, a
	// preset, MNIST).
	SHA256 string

	// labelled and labelNames are the data with its labels, when opened
	// with a label column (label.go).
	labelled   LabelledSource
	labelNames []string
}

// IsMixtureSpec reports whether spec names a mixture: a preset or a .json file.
func IsMixtureSpec(spec string) bool {
	return strings.EqualFold(filepath.Ext(spec), ".json") || slices.Contains(dist.PresetNames(), spec)
}

// IsPointSpec reports whether spec names points: toy:NAME, .csv or .npy.
func IsPointSpec(spec string) bool {
	ext := strings.ToLower(filepath.Ext(spec))
	return strings.HasPrefix(spec, "toy:") || ext == ".csv" || ext == ".npy"
}

// IsImageSpec reports whether spec has the form of an image spec
// (data.SpecHelp): MNIST, IDX, a picture or an IDX file by its name.
func IsImageSpec(spec string) bool {
	if strings.HasPrefix(spec, "mnist:") || strings.HasPrefix(spec, "idx:") {
		return true
	}
	name := strings.ToLower(filepath.Base(spec))
	if head, idx, ok := strings.Cut(name, ":"); ok && strings.Trim(idx, "0123456789") == "" {
		name = head // PATH:N, an image of an IDX file
	}
	name = strings.TrimSuffix(name, ".gz")
	for _, suffix := range []string{".png", ".jpg", ".jpeg", ".idx", "-idx3-ubyte"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// DataSpecHelp says what OpenData reads.
const DataSpecHelp = "points (PATH.csv, PATH.npy, toy:NAME), a mixture (preset or JSON file) or an image (mnist:train:N, idx:PATH:N, a PNG/JPEG)"

// OpenData opens the data a spec names: a point file (.csv, .npy), a toy
// (toy:NAME), a mixture (a preset or a JSON file) or an image spec. Every
// file is untrusted input, read with the limits of package data. The
// error names the spec.
func OpenData(spec string) (*Data, error) {
	d := &Data{Spec: spec}
	var err error
	switch {
	case spec == "":
		return nil, errors.New("no data: want " + DataSpecHelp)
	case IsMixtureSpec(spec):
		if d.Mixture, err = dist.Target(spec); err != nil {
			return nil, err
		}
		d.Source = d.Mixture
		if strings.EqualFold(filepath.Ext(spec), ".json") {
			err = d.fileSpec(spec, "")
		}
	case IsPointSpec(spec):
		ps, perr := data.ParsePointSpec(spec)
		if perr != nil {
			return nil, perr
		}
		if ps.Path == "" {
			d.Source = ps.Toy
			return d, nil
		}
		p, perr := data.ReadPointsFile(ps.Path)
		if perr != nil {
			return nil, perr
		}
		d.Points, d.Source = &p, p
		err = d.fileSpec(ps.Path, "")
	case IsImageSpec(spec):
		if d.Image, err = OpenImage(spec); err != nil {
			return nil, err
		}
		d.Source = d.Image
		if !strings.HasPrefix(spec, "mnist:") {
			err = d.imageSpec(spec)
		}
	default:
		return nil, fmt.Errorf("data %q: want %s", spec, DataSpecHelp)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// fileSpec records a file's absolute path (prefix, then path) and checksum.
func (d *Data) fileSpec(path, prefix string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("data %q: %w", path, err)
	}
	d.Spec = prefix + abs
	d.SHA256, err = fileSHA256(abs)
	return err
}

// imageSpec records an image file spec (idx:PATH:N, PATH[:N]) by its
// absolute path, with the file's checksum.
func (d *Data) imageSpec(spec string) error {
	prefix, rest := "", spec
	if strings.HasPrefix(spec, "idx:") {
		prefix, rest = "idx:", strings.TrimPrefix(spec, "idx:")
	}
	path, idx := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i > 0 && strings.Trim(rest[i+1:], "0123456789") == "" && i+1 < len(rest) {
		path, idx = rest[:i], rest[i:]
	}
	if err := d.fileSpec(path, prefix); err != nil {
		return err
	}
	d.Spec += idx
	return nil
}

// fileSHA256 is the hex SHA-256 of a file's bytes.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Constants of the standardisation of point data.
const (
	// fitDraws is how many draws of a toy or mixture fix its
	// standardisation and default noise levels (fixed seed: the same
	// spec gives the same run).
	fitDraws = 10000
	// maxFitBytes bounds those draws' memory.
	maxFitBytes = 1 << 30
	// spreadPoints bounds the points whose largest pairwise distance sets
	// the default σ_max: O(k²d) work, and the largest distance of a
	// subsample of 2000 is within a few percent of the full set's for the
	// clouds tried (toys, Gaussians).
	spreadPoints = 2000
	// pointSigmaMin is the default smallest noise level of point data, in
	// standard units: 1% of a coordinate's standard deviation, NCSNv2's
	// σ_L = 0.01 for data scaled to unit range.
	pointSigmaMin = 0.01
)

// fitSample returns the points that fix the standardisation: a file's
// own, or fitDraws draws with a fixed seed.
func (d *Data) fitSample() ([]float64, error) {
	if d.Points != nil {
		return d.Points.Data, nil
	}
	if need := 8 * float64(fitDraws) * float64(d.Source.Dim()); need > maxFitBytes {
		return nil, fmt.Errorf("data %s: %d dimensions: the %d draws that fix the standardisation would take more than %d MiB", d.Spec, d.Source.Dim(), fitDraws, maxFitBytes>>20)
	}
	return d.Source.Sample(nil, fitDraws, rand.New(rand.NewPCG(0x57a, 0xda7a))), nil
}

// Standardizer fits the per-coordinate standardisation of the data.
func (d *Data) Standardizer() (data.Standardizer, error) {
	x, err := d.fitSample()
	if err != nil {
		return data.Standardizer{}, err
	}
	dim := d.Source.Dim()
	s, err := data.FitStandardizer(data.Points{N: len(x) / dim, D: dim, Data: x})
	if err != nil {
		return data.Standardizer{}, fmt.Errorf("data %s: %w", d.Spec, err)
	}
	return s, nil
}

// standardized is a source seen through a standardisation: a file's points
// standardised once, or a distribution's draws standardised as drawn.
type standardized struct {
	src sgm.Source
	std data.Standardizer
}

func (s standardized) Dim() int { return s.src.Dim() }

func (s standardized) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := s.src.Sample(dst, n, rng)
	s.std.Apply(x)
	return x
}

// inStandardUnits returns the data as the network sees it under std.
func (d *Data) inStandardUnits(std data.Standardizer) sgm.Source {
	if d.Points != nil {
		p := *d.Points
		p.Data = append([]float64(nil), p.Data...)
		std.Apply(p.Data)
		return p
	}
	return standardized{d.Source, std}
}

// spread returns the largest distance between two of at most spreadPoints
// points of src: NCSNv2's choice of σ_max (Song & Ermon 2020, technique
// 1), large enough that the noisiest level mixes all of the data.
func spread(src sgm.Source, points *data.Points) float64 {
	rng := rand.New(rand.NewPCG(0x5b7e, 0xad))
	dim := src.Dim()
	var x []float64
	switch {
	case points != nil && points.N <= spreadPoints:
		x = points.Data
	case points != nil:
		x = make([]float64, spreadPoints*dim)
		for i, k := range rng.Perm(points.N)[:spreadPoints] {
			copy(x[i*dim:(i+1)*dim], points.Data[k*dim:(k+1)*dim])
		}
	default:
		x = src.Sample(nil, spreadPoints, rng)
	}
	var best float64
	for i := 0; i < len(x); i += dim {
		for j := i + dim; j < len(x); j += dim {
			var s float64
			for k := range dim {
				dv := x[i+k] - x[j+k]
				s += dv * dv
			}
			best = max(best, s)
		}
	}
	return math.Sqrt(best)
}
