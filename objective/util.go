package objective

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// constAs returns values as a constant of like's dtype.
func constAs(g *Graph, like *Node, values []float64) *Node {
	return ConvertDType(Const(g, values), like.DType())
}

func shapeOfInt32(dims ...int) shapes.Shape { return shapes.Make(dtypes.Int32, dims...) }
