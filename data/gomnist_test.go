package data

import (
	"os"
	"strings"
	"testing"
)

func TestGoModPinsGoMNISTVersion(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Skip("go.mod not found:", err)
	}
	want := goMNISTModule + " " + GoMNISTVersion
	if !strings.Contains(string(b), want) {
		t.Errorf("go.mod does not require %s; MNISTDir looks for that version", want)
	}
}
