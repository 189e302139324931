package dist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// mixtureSpec is the JSON form of a Mixture. Pointers and nil slices tell
// a missing field from a zero one.
type mixtureSpec struct {
	Components []componentSpec `json:"components"`
}

type componentSpec struct {
	Weight *float64  `json:"weight"`
	Mean   []float64 `json:"mean"`
	Std    []float64 `json:"std"`
}

// MarshalJSON returns the mixture's JSON form,
//
//	{"components":[{"weight":0.5,"mean":[0.5,0.5],"std":[0.4,0.4]},...]}
//
// with the normalised weights. Floats are written with the fewest digits
// that read back to the same value, so ReadMixture returns an equal mixture.
func (m *Mixture) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Components []Component `json:"components"`
	}{m.Components()})
}

// UnmarshalJSON sets m to the mixture that data describes, with the checks
// and errors of ReadMixture.
func (m *Mixture) UnmarshalJSON(data []byte) error {
	mix, err := parseMixture(data)
	if err != nil {
		return err
	}
	*m = *mix
	return nil
}

// WriteJSON writes the mixture's JSON form to w, indented, one component
// per line, followed by a newline.
func (m *Mixture) WriteJSON(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString("{\"components\": [\n")
	for c, comp := range m.Components() {
		b, err := json.Marshal(comp)
		if err != nil {
			return err
		}
		buf.WriteString("\t")
		buf.Write(b)
		if c < m.k-1 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
	}
	buf.WriteString("]}\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// ReadMixture reads a mixture from its JSON form,
//
//	{"components": [{"weight": 0.2, "mean": [-5, -5], "std": [1, 1]}, ...]}
//
// Every component needs "weight", "mean" and "std"; the weights need not sum
// to 1. Keys are case-sensitive and none may be repeated. Errors name the
// culprit: the line of a syntax error, an unknown, repeated or miscased
// key, a missing field, or the component and field that NewMixture
// rejects. A spec of more than 64 MiB is refused unread. A leading UTF-8
// byte order mark is skipped, as the point readers of package data skip it.
func ReadMixture(r io.Reader) (*Mixture, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSpecBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSpecBytes {
		return nil, errTooLarge
	}
	// A byte order mark, which Windows editors write, is not JSON: "invalid
	// character 'ï'".
	return parseMixture(bytes.TrimPrefix(data, []byte("\ufeff")))
}

// LoadMixture reads the mixture in the JSON file at path, as ReadMixture
// does. Its errors start with the path.
func LoadMixture(path string) (*Mixture, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said once, below
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	m, err := ReadMixture(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// errTooLarge is the error for a spec over maxSpecBytes.
var errTooLarge = fmt.Errorf("mixture spec larger than %d MiB", maxSpecBytes>>20)

// maxSpecBytes is the largest mixture spec that ReadMixture and
// LoadMixture read: 64 MiB, about a million components in two dimensions.
const maxSpecBytes = 64 << 20

// specKeys are the keys of a mixture spec, spelled as they must be.
var specKeys = []string{"components", "weight", "mean", "std"}

// checkKeys returns an error naming the line of the first object in data
// that repeats a key, or spells one of specKeys in another case:
// encoding/json would take the last of the repeated keys, and match keys
// whatever their case, silently. Syntax errors are left to the decoding
// that follows, which names them.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys    map[string]bool // nil for an array
		wantKey bool            // in an object, before a key
	}
	var stack []frame
	// endValue notes, in the innermost open object if a value of it ended,
	// that a key comes next.
	endValue := func() {
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].wantKey = true
		}
	}
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].wantKey {
			key, ok := tok.(string)
			if !ok { // the object's closing brace
				stack = stack[:top]
				endValue()
				continue
			}
			line := lineOf(data, off+int64(bytes.IndexByte(data[off:], '"')))
			if stack[top].keys[key] {
				return fmt.Errorf("line %d: duplicate key %q", line, key)
			}
			for _, k := range specKeys {
				if key != k && strings.EqualFold(key, k) {
					return fmt.Errorf("line %d: key %q must be spelled %q: keys are case-sensitive", line, key, k)
				}
			}
			stack[top].keys[key] = true
			stack[top].wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim(']'):
			stack = stack[:top]
			endValue()
		default:
			endValue()
		}
	}
}

func parseMixture(data []byte) (*Mixture, error) {
	if err := checkKeys(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var spec mixtureSpec
	if err := dec.Decode(&spec); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("line %d: unexpected data after the mixture", lineOf(data, dec.InputOffset()))
	}
	if spec.Components == nil {
		return nil, fmt.Errorf("missing %q", "components")
	}
	comps := make([]Component, len(spec.Components))
	for i, c := range spec.Components {
		switch {
		case c.Weight == nil:
			return nil, fmt.Errorf("component %d: missing %q", i, "weight")
		case c.Mean == nil:
			return nil, fmt.Errorf("component %d: missing %q", i, "mean")
		case c.Std == nil:
			return nil, fmt.Errorf("component %d: missing %q", i, "std")
		}
		comps[i] = Component{Weight: *c.Weight, Mean: c.Mean, Std: c.Std}
	}
	return NewMixture(comps)
}

// jsonError rewords a decoding error in the spec's terms, with the line
// where it is known.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("line %d: %w", lineOf(data, syn.Offset), err)
	case errors.As(err, &typ):
		what := "the mixture spec"
		if typ.Field != "" {
			what = strconv.Quote(typ.Field[strings.LastIndexByte(typ.Field, '.')+1:])
		}
		line := lineOf(data, typ.Offset)
		if num, ok := strings.CutPrefix(typ.Value, "number "); ok {
			return fmt.Errorf("line %d: %s: %s is out of range for a %v", line, what, num, typ.Type)
		}
		return fmt.Errorf("line %d: %s must be %s, got %s", line, what, jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.EOF):
		return errors.New("empty mixture spec")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("line %d: unexpected end of the mixture spec", lineOf(data, int64(len(data))))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		// The decoder does not say where; the first use of the name as a key
		// is a good guess.
		msg := "unknown field " + name
		if loc := regexp.MustCompile(regexp.QuoteMeta(name) + `\s*:`).FindIndex(data); loc != nil {
			return fmt.Errorf("line %d: %s", lineOf(data, int64(loc[0])), msg)
		}
		return errors.New(msg)
	}
	return err
}

// jsonKind names the JSON value that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float64:
		return "a number"
	case reflect.Struct:
		return "an object"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Float64 {
			return "a list of numbers"
		}
		return "a list of objects"
	}
	return "a " + t.String()
}

// lineOf returns the 1-based line holding byte offset off of data.
func lineOf(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}
