package model

import "testing"

// TestParseStandardizer checks the validation of the standardizer label,
// untrusted input from a checkpoint.
func TestParseStandardizer(t *testing.T) {
	if s, err := parseStandardizer(`{"mean":[1,2],"std":[3,4]}`, 2); err != nil || s.Std[1] != 4 {
		t.Fatalf("valid label: %v, %v", s, err)
	}
	for _, bad := range []string{`{"mean":[1],"std":[3]}`, `{"mean":[1,2],"std":[3,0]}`, `{"mean":[1,2],"std":[3,-1]}`,
		`{"mean":[1e999,2],"std":[3,4]}`, `not json`, `{"mean":[1,2]}`,
		`{"mean":[0,0],"std":[1e-320,1]}`, `{"mean":[0,0],"std":[1e308,1]}`, `{"mean":[1e308,0],"std":[1,1]}`} {
		if _, err := parseStandardizer(bad, 2); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
