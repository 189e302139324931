package model

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/dist"
)

// TestDataReference checks the source a model's data is measured against:
// a toy's independent draws (data.IIDToy), not its evenly spaced
// generator; a file's points drawn with replacement (every draw one of
// them); a mixture itself.
func TestDataReference(t *testing.T) {
	d, err := OpenData("toy:moons")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Reference().(data.IIDToy); !ok {
		t.Errorf("toy:moons: reference %T, want data.IIDToy", d.Reference())
	}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte("x,y\n1,2\n3,4\n5,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err = OpenData(path); err != nil {
		t.Fatal(err)
	}
	got := d.Reference().Sample(nil, 20, rand.New(rand.NewPCG(1, 2)))
	for i := 0; i < len(got); i += 2 {
		if !slices.Contains([][2]float64{{1, 2}, {3, 4}, {5, 6}}, [2]float64{got[i], got[i+1]}) {
			t.Errorf("draw %d of the file: %v, not one of its points", i/2, got[i:i+2])
		}
	}
	if d, err = OpenData("seed-mog"); err != nil {
		t.Fatal(err)
	}
	if m, ok := d.Reference().(*dist.Mixture); !ok || m != d.Mixture {
		t.Errorf("seed-mog: reference %T, want the mixture", d.Reference())
	}
}
