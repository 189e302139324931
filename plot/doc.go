// Package plot draws the figures of score-based generative modelling from
// plain data: log-density contours with the score as arrows, a particle's
// Langevin path over a density (as a still or an animation), an image next
// to a 2-D histogram of draws from it, grids of vector fields, one per
// noise level, over the image they are the score of, training-loss curves
// (kept in bounded memory by LossSeries, however long the run), curves
// with reference marks, such as a score error against its tolerance, and
// grouped bars with error bars, such as the mode weights of samplers
// against the true weights. Every figure with an intensity scale has a
// colour bar.
//
// It knows nothing of densities, samplers or networks: callers evaluate
// them on a Grid or Field, or pass points as flat row-major slices of
// length 2n ({x0, y0, x1, y1, ...}), and get back a Figure to Save.
//
// Points live in one of two spaces. In Cartesian space a point (p[0], p[1])
// is drawn at x = p[0], y = p[1]. In ImageSpace a point is (row, column) of
// an image scaled to [0, 1]², rows counted downwards, and is drawn at
// x = column with the row axis pointing down, so that a digit stands
// upright as it does on screen; vectors are turned the same way.
//
// Figures are gonum/plot plots ("gonum.org/v1/plot") wrapped in a Chart or
// a Panels grid. Save picks the format from the file's extension and writes
// atomically; raster output is at DPI dots per inch. Text is set in gonum's
// Liberation Serif, which has Greek (σ), sub- and superscript digits and
// most operators, but not ∇: write "score" or "grad log p" in titles.
//
// The figures sgm's commands draw are composed here from plain data
// (eval_figures.go): SamplesHistogram (with GuessSpace and PointsBox),
// LevelFields (Figure 3 at chosen levels, FieldLevels as the blog post
// picks them), MixtureScore and SavePath (Figures 1 and 2 of any 2-D
// Density), ScoreErrorCurves, and ReadLossCSV for a loss history of any
// length; SaveTo(path)(figure, err) draws and saves in one.
package plot
