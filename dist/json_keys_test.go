package dist

import (
	"strings"
	"testing"
)

// TestReadMixtureKeys checks that a repeated key, or a key in another case,
// is refused with its line, where encoding/json alone would take the last
// value or match the key silently.
func TestReadMixtureKeys(t *testing.T) {
	for _, tc := range []struct{ name, spec, want string }{
		{"duplicate weight", `{"components": [
			{"weight": 1, "weight": 5, "mean": [0], "std": [1]}]}`, `line 2: duplicate key "weight"`},
		{"duplicate components", `{"components": [], "components": [{"weight": 1, "mean": [0], "std": [1]}]}`, `line 1: duplicate key "components"`},
		{"case-changed weight", `{"components": [
			{"weight": 1, "mean": [0], "std": [1]},
			{"Weight": 1, "mean": [0], "std": [1]}]}`, `line 3: key "Weight" must be spelled "weight"`},
		{"case-changed components", `{"COMPONENTS": [{"weight": 1, "mean": [0], "std": [1]}]}`, `line 1: key "COMPONENTS" must be spelled "components"`},
		{"case-changed std", `{"components": [{"weight": 1, "mean": [0], "sTd": [1]}]}`, `key "sTd" must be spelled "std"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadMixture(strings.NewReader(tc.spec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	// The same keys in different objects are fine, and so is a valid spec
	// whose numbers or nesting the key check passes over.
	m, err := ReadMixture(strings.NewReader(`{"components": [{"weight": 1, "mean": [0, 1], "std": [1, 2]}, {"std": [3, 4], "mean": [5, 6], "weight": 2}]}`))
	if err != nil || m.Len() != 2 {
		t.Fatalf("two components: %v, error %v", m, err)
	}
}

// TestReadMixtureTooLarge checks that a spec beyond 64 MiB is refused
// without being read whole.
func TestReadMixtureTooLarge(t *testing.T) {
	r := strings.NewReader(`{"components": [` + strings.Repeat(" ", maxSpecBytes) + `]}`)
	_, err := ReadMixture(r)
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("error %v, want the size limit", err)
	}
	if r.Len() == 0 {
		t.Errorf("the whole spec was read")
	}
}
