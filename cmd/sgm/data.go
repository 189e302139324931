package main

import (
	"github.com/sgm-dev/sgm/model"
	"github.com/sgm-dev/sgm/scorenet"
)

// Point data for "sgm train --data": a data file, a toy or a mixture, seen
// by the network in standard units (data.Standardizer), which the run
// records in its checkpoint (standardizerLabel) so that sample, eval and
// plot give every output back in the data's own units.

// dataHelp documents --data.
const dataHelp = "training data `SPEC`: points (PATH.csv, PATH.npy, toy:NAME), a mixture (preset or JSON file), or an image spec as --image; points are standardised per coordinate and every output is in their units"

// isPointSpec is model's rule for a spec of points.
var isPointSpec = model.IsPointSpec

// netStandardizer returns the standardisation net records, and whether it
// records one (a model of point data): model.StandardizerOf.
var netStandardizer = model.StandardizerOf

// refusePointModel returns a usage error if net models point data (it
// records a standardisation): what, which needs the exact score of a
// smoothed training image, has none to measure against.
func refusePointModel(net *scorenet.Net, dir, what string) error {
	if _, ok := net.Label(standardizerLabel); ok {
		return usagef("--model %s models point data: %s needs an image's exact score; measure its samples with sgm eval --samples F --target DATA", dir, what)
	}
	return nil
}
