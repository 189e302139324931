// Package metric measures how close samples are to their target.
//
// HistCorr is the seed's check made a number: the Pearson correlation
// between an image's pixel intensities and the histogram, on the same pixel
// grid, of points sampled from the image's distribution (1 for a perfect
// match in shape; scale does not matter).
package metric
