package metric

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes r as sgm eval prints it: one "name value" line per
// metric, in r's JSON order and under its JSON names, numbers to 6
// significant digits and lists of numbers to 4.
func (r Report) WriteText(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		switch v := v.(type) {
		case float64:
			_, err = fmt.Fprintf(w, "%-27s %.6g\n", k, v)
		case []any: // a list of numbers, such as rbf_mmd at each bandwidth
			_, err = fmt.Fprintf(w, "%-27s %s\n", k, numberList(v))
		default:
			_, err = fmt.Fprintf(w, "%-27s %v\n", k, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// numberList formats a JSON list of numbers, each to 4 significant
// digits: "[0.0102 -3.1e-05 ...]".
func numberList(v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		if f, ok := x.(float64); ok {
			parts[i] = strconv.FormatFloat(f, 'g', 4, 64)
		} else {
			parts[i] = fmt.Sprint(x)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
