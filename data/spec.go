package data

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SpecHelp describes the image specs that LoadImage accepts, for a command's
// usage text.
const SpecHelp = `An image is one of:
  mnist:train:N    MNIST training image N, 0 <= N < 60000
  mnist:test:N     MNIST test image N, 0 <= N < 10000
  idx:PATH:N       image N of the IDX image file PATH (N, H, W), gzipped or not
  PATH[:N]         image N (default 0) of an IDX file named *-idx3-ubyte or
                   *.idx, optionally ending in .gz
  PATH             a .png, .jpg or .jpeg picture
Bright pixels carry the mass, as in MNIST's white digits on black.
MNIST is read from the Go module cache (` + mnistHint + `).`

// LoadImage returns the image that spec names, one of the forms that
// SpecHelp lists. IDX files are read once per process and kept in memory, so
// that loading many images of one file is cheap. The error names the spec and
// what is wrong with it: an unknown MNIST split, an index that is not a whole
// number or out of range, a missing or corrupt file.
func LoadImage(spec string) (Gray, error) {
	g, err := loadImage(spec)
	if err != nil {
		return Gray{}, fmt.Errorf("image spec %q: %w", spec, err)
	}
	return g, nil
}

func loadImage(spec string) (Gray, error) {
	switch {
	case spec == "":
		return Gray{}, errors.New("empty: want mnist:SPLIT:N, idx:PATH:N or a file name")
	case strings.HasPrefix(spec, "mnist:"):
		split, idx, hasIdx := strings.Cut(strings.TrimPrefix(spec, "mnist:"), ":")
		if _, ok := mnistSplits[split]; !ok {
			return Gray{}, fmt.Errorf("unknown MNIST split %q: want train or test", split)
		}
		n := 0
		if hasIdx {
			var err error
			if n, err = parseIndex(idx); err != nil {
				return Gray{}, err
			}
		}
		return MNIST(split, n)
	case strings.HasPrefix(spec, "idx:"):
		path, idx, hasIdx := cutIndex(strings.TrimPrefix(spec, "idx:"))
		if path == "" {
			return Gray{}, errors.New("no file name after idx:")
		}
		return idxImage(path, idx, hasIdx)
	case isPicture(spec):
		return ReadImageFile(spec)
	case isIDXName(spec):
		return idxImage(spec, "", false)
	}
	path, idx, hasIdx := cutIndex(spec)
	switch {
	case hasIdx && isIDXName(path):
		return idxImage(path, idx, true)
	case hasIdx && isPicture(path):
		return Gray{}, fmt.Errorf("a picture holds one image, so %q takes no index", path)
	}
	return Gray{}, errors.New("not mnist:SPLIT:N, idx:PATH:N, a .png, .jpg or .jpeg picture, " +
		"or an IDX file named *-idx3-ubyte or *.idx (optionally .gz)")
}

// idxImage returns image idx of the IDX file at path, or image 0 if hasIdx
// is false.
func idxImage(path, idx string, hasIdx bool) (Gray, error) {
	n := 0
	if hasIdx {
		var err error
		if n, err = parseIndex(idx); err != nil {
			return Gray{}, err
		}
	}
	m, err := cachedIDX(path)
	if err != nil {
		return Gray{}, err
	}
	g, err := m.Image(n)
	if err != nil {
		return Gray{}, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// cutIndex splits s at its last colon into a path and an index, unless what
// follows the colon looks like part of a path (a Windows drive letter).
func cutIndex(s string) (path, idx string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.ContainsAny(s[i+1:], `/\`) {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

func parseIndex(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad index %q: want a whole number", s)
	}
	return n, nil
}

func isPicture(path string) bool {
	p := strings.ToLower(path)
	return strings.HasSuffix(p, ".png") || strings.HasSuffix(p, ".jpg") || strings.HasSuffix(p, ".jpeg")
}

// isIDXName reports whether path is named like an IDX image file.
func isIDXName(path string) bool {
	p := strings.TrimSuffix(strings.ToLower(path), ".gz")
	return strings.HasSuffix(p, "idx3-ubyte") || strings.HasSuffix(p, ".idx")
}
