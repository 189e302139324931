package sgm_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeGoIsQuickstart checks that each block of Go code README's
// "Use it from Go" shows is part of one of the example programs
// (examples/owndata, examples/quickstart), which go vet and go build
// compile and their tests run; the first is examples/owndata's.
func TestReadmeGoIsQuickstart(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var progs []string
	for _, p := range []string{"examples/owndata/main.go", "examples/quickstart/main.go"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, string(b))
	}
	_, section, ok := strings.Cut(string(readme), "## Use it from Go\n")
	if !ok {
		t.Fatal(`README has no "## Use it from Go" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	blocks := 0
	for {
		var code string
		if _, section, ok = strings.Cut(section, "```go\n"); !ok {
			break
		}
		code, section, _ = strings.Cut(section, "```")
		if len(code) < 200 || !strings.Contains(progs[min(blocks, 1)], code) {
			t.Errorf("README's Go code block %d is not a part of %s; copy it from there:\n%s", blocks+1, []string{"examples/owndata", "examples/quickstart"}[min(blocks, 1)], code)
		}
		blocks++
	}
	if blocks != 2 {
		t.Errorf("README's \"Use it from Go\" has %d Go code blocks, want 2 (owndata's, quickstart's)", blocks)
	}
}
