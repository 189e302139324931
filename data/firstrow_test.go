package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCSVFileFirstRow(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, path string
		want       []string
	}{
		{"header", write("a.csv", "x0, x1 ,label\n1,2,a\n"), []string{"x0", "x1", "label"}},
		{"byte order mark", write("b.csv", "\ufeffx,y\n1,2\n"), []string{"x", "y"}},
		{"numbers are returned as they are", write("c.csv", "1,2\n3,4\n"), []string{"1", "2"}},
		{"not .csv", write("d.txt", "x,y\n"), nil},
		{"missing", filepath.Join(dir, "none.csv"), nil},
		{"empty", write("e.csv", ""), nil},
		// A first line past MaxLineBytes is refused by the guard, not read whole.
		{"line past the limit", write("f.csv", strings.Repeat("x", MaxLineBytes+10)), nil},
	} {
		if got := CSVFileFirstRow(c.path); !slices.Equal(got, c.want) {
			t.Errorf("%s: CSVFileFirstRow = %q, want %q", c.name, got, c.want)
		}
	}
}
