package fastnet

// The parameters in the order of scorenet.Layout, which owns the network's
// layout: B_cos, B_sin, α, β, then each dense layer's weights and biases,
// then a labelled network's label embedding.

// FromValues returns the parameters of a network of the given sizes whose
// values are vals in scorenet.Layout's order (the same slices, not
// copies), as scorenet.Weights.Values returns them. Its sizes are checked
// where the parameters are used (New, NewTrainer).
func FromValues(dim, features, width, depth int, softplus bool, vals [][]float32) Params {
	p := Params{Dim: dim, Features: features, Width: width, Depth: depth, Softplus: softplus,
		Dense: make([][]float32, max(0, depth+1)), DenseBiases: make([][]float32, max(0, depth+1))}
	slots := p.Values()
	for i := range min(len(slots), len(vals)) {
		*slots[i] = vals[i]
	}
	if len(vals) == len(slots)+1 {
		p.Label = vals[len(slots)]
	}
	return p
}

// Values returns pointers to p's slices in scorenet.Layout's order, so that
// a caller can read or replace each with its name from the layout.
func (p *Params) Values() []*[]float32 {
	out := []*[]float32{&p.BCos, &p.BSin, &p.Alpha, &p.Beta}
	for k := range p.Dense {
		out = append(out, &p.Dense[k], &p.DenseBiases[k])
	}
	if p.Label != nil {
		out = append(out, &p.Label)
	}
	return out
}
