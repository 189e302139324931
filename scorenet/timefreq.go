package scorenet

// TimeFrequencies returns the K angular frequencies ω_k of the time
// embedding e(t) of a time-conditioned network (c with its defaults, as
// Net.Config returns it): what an implementation of the model outside the
// graph (internal/fastnet's TimeTrainer) needs besides the weights.
func (c Config) TimeFrequencies() []float64 { return timeFrequencies(c.TimeFeatures) }

// TimeFastPath reports whether a time-conditioned network's outputs are
// computed with internal/fastnet (OutputAt without the divergence), the
// condition under which package train also trains it with fastnet.
func (n *Net) TimeFastPath() bool { return n.cfg.Timed() && n.timeFastApplies() }
