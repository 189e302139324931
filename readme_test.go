package sgm_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeGoIsQuickstart checks that the Go code README's "Use it from
// Go" shows is examples/quickstart's, which go vet and go build compile.
func TestReadmeGoIsQuickstart(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Use it from Go\n")
	if !ok {
		t.Fatal(`README has no "## Use it from Go" section`)
	}
	_, code, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal(`README's "Use it from Go" has no Go code block`)
	}
	code, _, _ = strings.Cut(code, "```")
	if len(code) < 200 || !strings.Contains(string(prog), code) {
		t.Errorf("README's Go code is not a part of examples/quickstart/main.go; copy it from there:\n%s", code)
	}
}
