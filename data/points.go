package data

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sgm-dev/sgm"
)

// Points is a cloud of N points in R^D: Data holds them row-major, point i
// in Data[i*D : (i+1)*D].
type Points struct {
	N, D int
	Data []float64
}

// Dim is the points' dimension D.
func (p Points) Dim() int { return p.D }

// Sample draws n of the points, uniformly with replacement, into dst (or
// a new slice if dst is nil): the points as an sgm.Source, their
// empirical distribution. It panics if there are none.
func (p Points) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	x := sgm.SampleDst("data: Points.Sample", dst, n, p.D)
	if p.N < 1 || len(p.Data) != p.N*p.D {
		panic(fmt.Sprintf("data: Points.Sample: %d values for %d points of dimension %d", len(p.Data), p.N, p.D))
	}
	for i := range n {
		k := rng.IntN(p.N)
		copy(x[i*p.D:(i+1)*p.D], p.Data[k*p.D:(k+1)*p.D])
	}
	return x
}

// Limits on the point files that ReadPointsCSV and ReadNPY accept, so that a
// corrupt or hostile file is refused with a message rather than exhausting
// memory. They are the same for every reader of this package (ReadCSV too),
// and checked before the memory they bound is allocated.
const (
	MaxPoints      = 1 << 24 // rows of a CSV file, first dimension of an array
	MaxDim         = 1 << 16 // columns: coordinates per point
	MaxPointValues = 1 << 26 // N*D, 512 MiB as float64
	MaxCSVBytes    = 1 << 30 // size of a CSV file
	MaxLineBytes   = 1 << 22 // a line of a CSV file: 64 bytes for each of MaxDim numbers
)

// pointLimits are the limits a reader applies; tests lower them.
type pointLimits struct {
	rows, cols, values int
	bytes              int64
	line               int
}

var defaultLimits = pointLimits{MaxPoints, MaxDim, MaxPointValues, MaxCSVBytes, MaxLineBytes}

// check returns an error unless n points of dimension d are within l and
// there are at least two of them, the fewest that a standard deviation or a
// two-sample metric needs.
func (l pointLimits) check(n, d int) error {
	switch {
	case d < 1:
		return fmt.Errorf("points of dimension %d: want at least 1", d)
	case d > l.cols:
		return fmt.Errorf("points of dimension %d: more than the limit of %d", d, l.cols)
	case n > l.rows:
		return fmt.Errorf("%d points: more than the limit of %d", n, l.rows)
	case n > l.values/d:
		return fmt.Errorf("%d points of dimension %d: more than the limit of %d values", n, d, l.values)
	case n < 2:
		return fmt.Errorf("%d point(s): want at least 2", n)
	}
	return nil
}

// echo quotes s for an error message, cut as clip cuts it (its first
// maxEcho bytes, with its full length when longer), so that a bad field of
// megabytes does not flood the terminal.
func echo(s string) string {
	head, cut := clipHead(s)
	q := strconv.Quote(head)
	// Bytes that print as escapes (NUL is "\x00") take up to 10 each:
	// cut to a quote of at most twice maxEcho.
	for len(q) > 2*maxEcho {
		head, cut = clipTo(head, len(head)/2), true
		q = strconv.Quote(head)
	}
	if !cut {
		return q
	}
	return fmt.Sprintf("%s... (%d bytes)", q, len(s))
}

// ReadPointsCSV reads a point cloud from CSV: rows of d >= 1 numbers each,
// one point a row, optionally under a header row naming the coordinates (a
// first row in which no field is a number; one that mixes names and numbers
// is refused as a typo). Surrounding spaces, blank lines and a leading
// UTF-8 byte order mark are ignored. It returns the points and the header,
// nil when there is none.
//
// It refuses, with an error giving the line and reason: an empty input or
// one point only; rows of different lengths; a field that is not a number,
// or is NaN or infinite (quoted, cut to 40 bytes); more than MaxCSVBytes
// bytes, a line of more than MaxLineBytes, MaxPoints rows, MaxDim columns
// or MaxPointValues numbers, each before the memory it would take is
// allocated. ReadPointsFile reads .csv files with it: read points through
// it, so that one rule (the header is optional) holds wherever points are
// read.
func ReadPointsCSV(r io.Reader) (Points, []string, error) {
	return readPointsCSV(r, defaultLimits)
}

func readPointsCSV(r io.Reader, lim pointLimits) (Points, []string, error) {
	cr, g := newCSVReader(r, lim)
	cr.ReuseRecord = true
	var (
		header []string
		nums   numbers
		d, n   int
	)
	for {
		rec, err := read(cr, g)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Points{}, nil, err
		}
		line, _ := cr.FieldPos(0)
		if d == 0 {
			d = len(rec)
			if d > lim.cols {
				return Points{}, nil, fmt.Errorf("line %d: %d columns, more than the limit of %d", line, d, lim.cols)
			}
			if header == nil && n == 0 {
				switch {
				case firstNumber(rec) < 0:
					header = make([]string, d)
					for j, f := range rec {
						header[j] = strings.TrimSpace(f)
					}
					continue
				case firstNonNumber(rec) >= 0:
					// Some numbers and some names: a typo in the first
					// point rather than a header.
					k := firstNonNumber(rec)
					return Points{}, nil, fmt.Errorf("line %d, column %d: not a number: %s "+
						"(a header row must hold names only)", line, k+1, echo(strings.TrimSpace(rec[k])))
				}
			}
		}
		if len(rec) != d {
			return Points{}, nil, fmt.Errorf("line %d: %d fields, want %d as in the first row", line, len(rec), d)
		}
		switch n++; {
		case n > lim.rows:
			return Points{}, nil, fmt.Errorf("line %d: more than the limit of %d points", line, lim.rows)
		case n > lim.values/d:
			return Points{}, nil, fmt.Errorf("line %d: more than the limit of %d numbers (%d a point)", line, lim.values, d)
		}
		for j, f := range rec {
			f = strings.TrimSpace(f)
			v, err := strconv.ParseFloat(f, 64)
			switch {
			case err != nil && !errors.Is(err, strconv.ErrRange):
				return Points{}, nil, fmt.Errorf("line %d, %s: not a number: %s", line, column(header, j), echo(f))
			case math.IsNaN(v) || math.IsInf(v, 0):
				return Points{}, nil, fmt.Errorf("line %d, %s: not finite: %s", line, column(header, j), echo(f))
			}
			nums.add(v)
		}
	}
	if n == 0 {
		return Points{}, nil, errors.New("no points: want rows of numbers, one point a row")
	}
	if err := lim.check(n, d); err != nil {
		return Points{}, nil, err
	}
	return Points{N: n, D: d, Data: nums.Slice()}, header, nil
}

// firstNumber returns the index of the first field of rec that parses as
// a float64 (out of range included: such a field is data, refused as not
// finite), or -1 if none does; firstNonNumber the first that does not.
func firstNumber(rec []string) int    { return firstParse(rec, true) }
func firstNonNumber(rec []string) int { return firstParse(rec, false) }

func firstParse(rec []string, number bool) int {
	for j, f := range rec {
		_, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if (err == nil || errors.Is(err, strconv.ErrRange)) == number {
			return j
		}
	}
	return -1
}

// column names column j (from 0) for an error message: by its header name
// when there is one, by its number (from 1) otherwise.
func column(header []string, j int) string {
	if header != nil {
		return fmt.Sprintf("column %d (%s)", j+1, echo(header[j]))
	}
	return fmt.Sprintf("column %d", j+1)
}

// ReadPointsFile reads the points of a .csv file (ReadPointsCSV, the header
// dropped) or a .npy file (ReadNPYFile), chosen by the extension, in any
// case. Its errors name the path.
func ReadPointsFile(path string) (Points, error) {
	p, _, err := ReadPointsFileHeader(path)
	return p, err
}

// ReadPointsFileHeader is ReadPointsFile that also returns the names of
// the coordinates, a CSV file's header row (nil for a file without one,
// and for .npy).
func ReadPointsFileHeader(path string) (Points, []string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		f, err := os.Open(path)
		if err != nil {
			return Points{}, nil, err // *fs.PathError names the path.
		}
		defer f.Close()
		p, header, err := ReadPointsCSV(f)
		if err != nil {
			return Points{}, nil, fmt.Errorf("%s: %w", path, err)
		}
		return p, header, nil
	case ".npy":
		p, err := ReadNPYFile(path)
		return p, nil, err
	}
	return Points{}, nil, fmt.Errorf("%s: unknown point file type: want .csv or .npy", path)
}

// PointSpecHelp describes the point specs that ParsePointSpec accepts, for
// a command's usage text.
const PointSpecHelp = `Points are one of:
  PATH.csv   rows of numbers, one point a row, optionally under a header row
  PATH.npy   a numpy array of shape (N, D) or (N,), C order
  toy:NAME   a 2-D toy distribution of FFJORD: ` + toyNameList

const toyNameList = "swissroll, circles, rings, moons, 8gaussians, pinwheel, 2spirals, checkerboard, line, cos"

// PointSpec is a parsed point spec: a file of points or a toy distribution.
type PointSpec struct {
	Path string // a .csv or .npy file, or ""
	Toy  Toy    // the toy distribution when Path is ""
}

// ParsePointSpec parses a point spec, one of the forms PointSpecHelp lists:
// toy:NAME, or a path ending in .csv or .npy (in any case). The error names
// the spec and what is wrong with it. Files are not opened here.
func ParsePointSpec(spec string) (PointSpec, error) {
	s, err := parsePointSpec(spec)
	if err != nil {
		return PointSpec{}, fmt.Errorf("point spec %s: %w", echo(spec), err)
	}
	return s, nil
}

func parsePointSpec(spec string) (PointSpec, error) {
	if name, ok := strings.CutPrefix(spec, "toy:"); ok {
		t, err := ParseToy(name)
		return PointSpec{Toy: t}, err
	}
	switch ext := strings.ToLower(filepath.Ext(spec)); {
	case spec == "":
		return PointSpec{}, errors.New("empty: want PATH.csv, PATH.npy or toy:NAME")
	case ext == ".csv" || ext == ".npy":
		return PointSpec{Path: spec}, nil
	}
	return PointSpec{}, errors.New("want PATH.csv, PATH.npy or toy:NAME (NAME one of " + toyNameList + ")")
}

// String returns the spec that ParsePointSpec parses into s, or "" for
// the zero PointSpec.
func (s PointSpec) String() string {
	if s.Path != "" || s.Toy == "" {
		return s.Path
	}
	return "toy:" + string(s.Toy)
}

// Points returns the points s names: all the points of its file (n and rng
// are not used), or n points drawn from its toy distribution with rng. It
// panics if s names a toy and n < 2 (a point set needs two points, as the
// readers require).
func (s PointSpec) Points(n int, rng *rand.Rand) (Points, error) {
	if s.Path != "" {
		return ReadPointsFile(s.Path)
	}
	if n < 2 {
		panic(fmt.Sprintf("data: PointSpec.Points: %d points of %s, want at least 2", n, s))
	}
	return Points{N: n, D: 2, Data: s.Toy.Sample(nil, n, rng)}, nil
}

// Standardizer maps points to standard units, coordinate by coordinate:
//
//	z_j = (x_j - Mean[j]) / Std[j]
//
// A density learned on z gives the density of x by the change of
// variables
//
//	log p_X(x) = log p_Z(z) - LogDet(),   LogDet() = Σ_j log Std[j]
type Standardizer struct {
	Mean, Std []float64
}

// FitStandardizer returns the Standardizer of the points: per coordinate,
// the mean and the standard deviation with divisor N (numpy's default,
// ddof=0), so that Apply gives each coordinate mean 0 and variance 1. The
// sums are taken of each coordinate divided by a power of two near its
// largest magnitude (exactly), so that they neither overflow (a coordinate
// of 1e308) nor lose digits to underflow (one of 1e-300). It returns an
// error naming the coordinate (from 1) and what is wrong with it if one is
// constant, or its spread or mean is outside what a Standardizer holds
// (Validate), and if there are fewer than 2 points.
func FitStandardizer(p Points) (Standardizer, error) {
	if p.D < 1 || len(p.Data) != p.N*p.D {
		panic(fmt.Sprintf("data: FitStandardizer: %d values for %d points of dimension %d", len(p.Data), p.N, p.D))
	}
	if p.N < 2 {
		return Standardizer{}, fmt.Errorf("%d point(s): want at least 2 to standardise", p.N)
	}
	exp := make([]int, p.D) // coordinate j is summed as v·2^-exp[j], below 1 in magnitude
	top := make([]float64, p.D)
	for i := 0; i < len(p.Data); i += p.D {
		for j, v := range p.Data[i : i+p.D] {
			top[j] = max(top[j], math.Abs(v))
		}
	}
	for j, t := range top {
		_, exp[j] = math.Frexp(t)
	}
	s := Standardizer{Mean: make([]float64, p.D), Std: make([]float64, p.D)}
	for i := 0; i < len(p.Data); i += p.D {
		for j, v := range p.Data[i : i+p.D] {
			s.Mean[j] += math.Ldexp(v, -exp[j])
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(p.N)
	}
	for i := 0; i < len(p.Data); i += p.D { // two passes: no cancellation
		for j, v := range p.Data[i : i+p.D] {
			dv := math.Ldexp(v, -exp[j]) - s.Mean[j]
			s.Std[j] += dv * dv
		}
	}
	for j := range s.Std {
		sd := math.Ldexp(math.Sqrt(s.Std[j]/float64(p.N)), exp[j])
		mean := math.Ldexp(s.Mean[j], exp[j])
		s.Std[j], s.Mean[j] = sd, mean
		switch {
		// Below 1e-12 of its mean the spread is rounding: a coordinate
		// of equal values sums to a mean a few ulps off.
		case !(sd > 1e-12*math.Abs(mean)):
			return Standardizer{}, fmt.Errorf("coordinate %d is constant (%.6g): cannot standardise", j+1, mean)
		case sd < MinStandardScale:
			return Standardizer{}, fmt.Errorf("coordinate %d spreads only %.3g (its standard deviation), below %g: too little to standardise; rescale it", j+1, sd, MinStandardScale)
		case sd > MaxStandardScale:
			return Standardizer{}, fmt.Errorf("coordinate %d spreads %.3g (its standard deviation), beyond %g: too wide to standardise; rescale it", j+1, sd, MaxStandardScale)
		}
		// A mean beyond MaxStandardMean is one of the above: its spread is
		// either below 1e-12 of it or beyond MaxStandardScale.
	}
	return s, s.Validate()
}

// Bounds of a valid Standardizer (Validate): scales whose reciprocals and
// products with any standard coordinate up to 1e150 stay finite, and means
// that such a product can be added to.
const (
	MinStandardScale = 1e-150
	MaxStandardScale = 1e150
	MaxStandardMean  = 1e200
)

// Validate returns an error naming the first coordinate (from 1) whose
// mean is not finite or beyond MaxStandardMean in magnitude, or whose scale
// is outside [MinStandardScale, MaxStandardScale], and an error if Mean and
// Std differ in length or are empty. A Standardizer read from a file
// (a checkpoint's label) is untrusted: Validate it before Apply or Invert.
func (s Standardizer) Validate() error {
	if len(s.Mean) == 0 || len(s.Mean) != len(s.Std) {
		return fmt.Errorf("%d means and %d scales", len(s.Mean), len(s.Std))
	}
	for j, m := range s.Mean {
		if sd := s.Std[j]; !(math.Abs(m) <= MaxStandardMean) || !(sd >= MinStandardScale && sd <= MaxStandardScale) {
			return fmt.Errorf("coordinate %d: mean %v, scale %v: want |mean| <= %g and the scale in [%g, %g]", j+1, m, sd, MaxStandardMean, MinStandardScale, MaxStandardScale)
		}
	}
	return nil
}

// check panics unless x holds whole points of the Standardizer's dimension.
func (s Standardizer) check(who string, x []float64) int {
	d := len(s.Mean)
	if d == 0 || len(s.Std) != d {
		panic(fmt.Sprintf("data: Standardizer.%s: %d means and %d standard deviations", who, d, len(s.Std)))
	}
	if len(x)%d != 0 {
		panic(fmt.Sprintf("data: Standardizer.%s: len(x)=%d is not a multiple of the dimension %d", who, len(x), d))
	}
	return d
}

// Apply standardises the points x (flat, row-major) in place.
func (s Standardizer) Apply(x []float64) {
	d := s.check("Apply", x)
	for i := range x {
		j := i % d
		x[i] = (x[i] - s.Mean[j]) / s.Std[j]
	}
}

// Invert maps standardised points x back to the original units in place,
// the inverse of Apply up to rounding.
func (s Standardizer) Invert(x []float64) {
	d := s.check("Invert", x)
	for i := range x {
		j := i % d
		x[i] = x[i]*s.Std[j] + s.Mean[j]
	}
}

// LogDet returns Σ_j log Std[j], the log-determinant of the Jacobian of
// Invert: subtract it from a log density of standardised points to get the
// log density in the original units.
func (s Standardizer) LogDet() float64 {
	var l float64
	for _, v := range s.Std {
		l += math.Log(v)
	}
	return l
}
